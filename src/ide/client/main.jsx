// The in-browser IDE: GraphiQL 5, bundled by scripts/build-ide.mjs into dist/ide and served by src/ide/ide-route.ts.
// Everything it loads comes from this server: the bundle, Monaco's three workers, CSS and fonts (inlined).
import './monaco-workers.js'; // first: Monaco reads MonacoEnvironment when it starts its first worker
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { useGraphiQL } from '@graphiql/react';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './ide.css';
import { readIdeConfig } from './config.js';

const config = readIdeConfig();

// The API lives where this page was served: POST for queries and mutations, graphql-ws for subscriptions.
const endpoint = new URL(window.location.pathname, window.location.origin).href;
const httpFetcher = createGraphiQLFetcher({
  url: endpoint,
  subscriptionUrl: endpoint.replace(/^http/, 'ws'),
  enableIncrementalDelivery: false,
});

/**
 * The headers editor's JSON goes on every HTTP request and, for a subscription, becomes the graphql-ws
 * connectionParams — where the server reads `authorization` (R6). Keys are lower-cased so "Authorization" works too.
 */
function fetcher(params, options) {
  const headers = Object.fromEntries(Object.entries(options?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return httpFetcher(params, { ...options, headers });
}

/**
 * Keeps the demo token in the headers editor of every tab: GraphiQL restores the tabs of an earlier visit from
 * localStorage without their headers (it does not store them, and that token was signed for another run anyway), so
 * any tab whose headers are empty gets the token this page was served with. Text in the editor, including `{}`,
 * is left alone.
 */
function DemoTokenInEveryTab({ headers }) {
  const headerEditor = useGraphiQL((state) => state.headerEditor);
  const activeTabIndex = useGraphiQL((state) => state.activeTabIndex);
  useEffect(() => {
    if (headers && headerEditor && headerEditor.getValue().trim() === '') headerEditor.setValue(headers);
  }, [headers, headerEditor, activeTabIndex]);
  return null;
}

const defaultTabs = config.tabs.map((tab) => ({ query: tab.query, variables: tab.variables ?? null, headers: config.headers ?? null }));

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultTabs={defaultTabs}
    defaultHeaders={config.headers ?? undefined}
    defaultEditorToolsVisibility={config.headers ? 'headers' : true}
    isHeadersEditorEnabled
    shouldPersistHeaders={false}
  >
    <GraphiQL.Logo>{config.title}</GraphiQL.Logo>
    <DemoTokenInEveryTab headers={config.headers} />
  </GraphiQL>,
);

// The in-browser IDE: GraphiQL 5, bundled by scripts/build-ide.mjs into dist/ide and served by src/ide/ide-route.ts.
// Everything it loads comes from this server: the bundle, Monaco's three workers, CSS and fonts (inlined).
import './monaco-workers.js'; // first: Monaco reads MonacoEnvironment when it starts its first worker
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
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
 * GraphiQL keeps its tabs in localStorage but (by default) not their headers, so tabs restored from an earlier visit
 * would come back without a token: give them the freshly signed demo token as well.
 */
function refillStoredHeaders(headers) {
  if (!headers) return;
  try {
    const stored = JSON.parse(window.localStorage.getItem('graphiql:tabState') ?? 'null');
    if (!stored || !Array.isArray(stored.tabs)) return;
    for (const tab of stored.tabs) if (!tab.headers || tab.headers.trim() === '') tab.headers = headers;
    window.localStorage.setItem('graphiql:tabState', JSON.stringify(stored));
  } catch {
    // unreadable storage: GraphiQL falls back to the default tabs
  }
}
refillStoredHeaders(config.headers);

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
  </GraphiQL>,
);

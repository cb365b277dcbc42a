// The in-browser IDE: GraphiQL 5, bundled by scripts/build-ide.mjs into dist/ide and served by src/ide/ide-route.ts.
// Everything it loads comes from this server: the bundle, Monaco's three workers, CSS and fonts (inlined).
import './monaco-workers.js'; // first: Monaco reads MonacoEnvironment when it starts its first worker
import { useEffect, useRef } from 'react';
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

/**
 * Refetches the schema (Docs, autocomplete, validation) whenever the headers editor settles on different JSON.
 * GraphiQL introspects once, when the page loads; in production an anonymous caller may not introspect (R36), so
 * without this the Docs would keep the refusal after a token is put in Headers. Text that does not parse yet (a
 * token half pasted) is left alone.
 */
function SchemaFollowsHeaders() {
  const headerEditor = useGraphiQL((state) => state.headerEditor);
  const introspect = useGraphiQL((state) => state.actions.introspect);
  const introspectedWith = useRef(null);
  useEffect(() => {
    if (!headerEditor) return undefined;
    const normalized = () => {
      const text = headerEditor.getValue().trim();
      try {
        return JSON.stringify(text === '' ? {} : JSON.parse(text));
      } catch {
        return null;
      }
    };
    // What the page's own introspection was sent with.
    if (introspectedWith.current === null) introspectedWith.current = normalized();
    let timer;
    const subscription = headerEditor.onDidChangeModelContent(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const headers = normalized();
        if (headers === null || headers === introspectedWith.current) return;
        introspectedWith.current = headers;
        void introspect();
      }, 400);
    });
    return () => {
      clearTimeout(timer);
      subscription.dispose();
    };
  }, [headerEditor, introspect]);
  return null;
}

/**
 * GraphiQL restores the tabs of an earlier visit (localStorage) and selects the one whose operation and variables
 * equal the last ones it stored; before anything is edited it has stored none, so no tab matches and it appends an
 * empty `<untitled>` tab — on every reload and in every second window. Starting from the stored active tab's
 * operation and variables selects that tab instead.
 */
function storedActiveTab() {
  try {
    const stored = JSON.parse(window.localStorage.getItem('graphiql:tabState') ?? 'null');
    const tab = stored?.tabs?.[stored.activeTabIndex];
    return typeof tab?.query === 'string' ? { query: tab.query, variables: tab.variables ?? '' } : null;
  } catch {
    return null;
  }
}

const restored = storedActiveTab();

const defaultTabs = config.tabs.map((tab) => ({ query: tab.query, variables: tab.variables ?? null, headers: config.headers ?? null }));

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultTabs={defaultTabs}
    defaultHeaders={config.headers ?? undefined}
    defaultEditorToolsVisibility={config.headers ? 'headers' : true}
    isHeadersEditorEnabled
    shouldPersistHeaders={false}
    initialQuery={restored?.query}
    initialVariables={restored?.variables}
  >
    <GraphiQL.Logo>{config.title}</GraphiQL.Logo>
    <DemoTokenInEveryTab headers={config.headers} />
    <SchemaFollowsHeaders />
    {config.signIn ? (
      <GraphiQL.Footer>
        <p className="ide-sign-in">{config.signIn}</p>
      </GraphiQL.Footer>
    ) : null}
  </GraphiQL>,
);

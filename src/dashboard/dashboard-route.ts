import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { demoAdminSession, scriptSafeJson } from '../server/demo-session';

/** Where the Billing dashboard is served and where its bundle (scripts/build-dashboard.mjs → dist/dashboard) is. */
export const DASHBOARD_PATH = '/dashboard';
const DASHBOARD_ASSET_PATH = `${DASHBOARD_PATH}/assets/`;
const GRAPHQL_PATH = '/graphql';

/**
 * Everything the page loads or asks comes from this server: its script and stylesheet, queries over fetch and
 * subscriptions over a WebSocket to 'self'. No inline script or style (React and uPlot set styles through the
 * CSSOM, which style-src does not govern).
 */
const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface DashboardOptions {
  config: AppConfig;
  dataSource: DataSource;
  /** The built bundle; default dist/dashboard of the project. */
  assetsDir?: string;
}

/** The configuration the page reads (src/dashboard/client/config.ts). */
export interface DashboardPageConfig {
  graphqlPath: string;
  demoToken: string | null;
}

/**
 * GET /dashboard: the reference Billing page, a React app on Apollo Client (HTTP for queries and mutations,
 * graphql-ws for billingState and billingAlerts). With the embedded default and the demo data it opens signed in as
 * the demo admin; elsewhere it asks for a token.
 */
export function dashboardRouter({ config, dataSource, assetsDir = defaultAssetsDir() }: DashboardOptions): Router {
  const router = Router();
  router.use(DASHBOARD_ASSET_PATH, express.static(assetsDir, { index: false, fallthrough: false, maxAge: '1h' }));
  router.get([DASHBOARD_PATH, `${DASHBOARD_PATH}/`], async (_req, res, next) => {
    try {
      const built = existsSync(join(assetsDir, 'main.js')) && existsSync(join(assetsDir, 'main.css'));
      const session = built ? await demoAdminSession(config, dataSource) : null;
      res
        .status(built ? 200 : 503)
        .set({
          'content-security-policy': DASHBOARD_CONTENT_SECURITY_POLICY,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
        })
        .type('html')
        .send(
          built ? dashboardPage({ graphqlPath: GRAPHQL_PATH, demoToken: session?.token ?? null }) : missingBundle(),
        );
    } catch (error) {
      next(error);
    }
  });
  return router;
}

function dashboardPage(config: DashboardPageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Opus Billing · Dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DASHBOARD_ASSET_PATH}main.css">
<script id="dashboard-config" type="application/json">${scriptSafeJson(config)}</script>
<script type="module" src="${DASHBOARD_ASSET_PATH}main.js"></script>
</head>
<body>
<div id="dashboard"><p class="loading">Loading the Billing dashboard…</p></div>
<noscript>The dashboard needs JavaScript. The API itself answers POST ${GRAPHQL_PATH}.</noscript>
</body>
</html>
`;
}

function missingBundle(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Opus Billing</title></head><body>
<p>The dashboard has not been built: run <code>npm run build</code> (npm start does it).</p>
</body></html>
`;
}

/** dist/dashboard of the project: the same from the compiled server (dist/src/dashboard) and from ts-jest. */
function defaultAssetsDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'dashboard');
}

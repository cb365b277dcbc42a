import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Request, Router } from 'express';
import { DataSource } from 'typeorm';
import { Contract, User, UserStatus } from '../../entities';
import type { AppConfig } from '../config/config';
import { demoAdminSession, scriptSafeJson } from '../server/demo-session';
import { ExampleContext, exampleTabs } from './examples';

/** Where the IDE is served and where its bundle (scripts/build-ide.mjs → dist/ide) is served from. */
const IDE_PATH = '/graphql';
const IDE_ASSET_PATH = `${IDE_PATH}/ide/`;

/**
 * Every request the page may make goes to this server: scripts, styles, fonts and workers from 'self', queries over
 * fetch and subscriptions over a WebSocket to 'self'. Inline styles: Monaco positions its widgets with them.
 */
const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface IdeOptions {
  config: AppConfig;
  dataSource: DataSource;
  /** The built bundle; default dist/ide of the project. */
  assetsDir?: string;
}

/**
 * GET /graphql from a browser (it prefers text/html) is the IDE; every other request on /graphql — POST, GET asking
 * for JSON, the graphql-ws upgrade — falls through to Apollo and graphql-ws unchanged.
 */
export function ideRouter({ config, dataSource, assetsDir = defaultAssetsDir() }: IdeOptions): Router {
  const router = Router();
  router.use(IDE_ASSET_PATH, express.static(assetsDir, { index: false, fallthrough: false, maxAge: '1h' }));
  router.get(IDE_PATH, async (req, res, next) => {
    if (!prefersHtml(req)) return next();
    try {
      const built = existsSync(join(assetsDir, 'main.js')) && existsSync(join(assetsDir, 'main.css'));
      const demo = built ? await demoContext(config, dataSource) : null;
      res
        .status(built ? 200 : 503)
        .set({
          'content-security-policy': IDE_CONTENT_SECURITY_POLICY,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
        .type('html')
        .send(built ? idePage(demo) : missingBundlePage());
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/** A browser navigating here sends `Accept: text/html,…,*\/*;q=0.8`; curl (`*\/*`) and API clients get JSON. */
function prefersHtml(req: Request): boolean {
  return req.accepts(['application/json', 'text/html']) === 'text/html';
}

interface DemoContext {
  headers: string;
  examples: ExampleContext['demo'];
}

/** The demo admin's token in Headers, and the figures the example tabs' comments quote. */
async function demoContext(config: AppConfig, dataSource: DataSource): Promise<DemoContext | null> {
  const session = await demoAdminSession(config, dataSource);
  if (!session) return null;
  const { admin, token } = session;
  const [contract, activeUsers] = await Promise.all([
    dataSource.manager.findOne(Contract, {
      where: { organizationId: admin.organizationId },
      order: { updatedAt: 'DESC' },
    }),
    dataSource.manager.count(User, { where: { organizationId: admin.organizationId, status: UserStatus.ACTIVE } }),
  ]);
  return {
    headers: JSON.stringify({ authorization: `Bearer ${token}` }, null, 2),
    examples: { organizationId: admin.organizationId, contractedSeats: contract?.contractedSeats ?? 0, activeUsers },
  };
}

/** The page's configuration, read by src/ide/client/config.js. */
export interface IdePageConfig {
  title: string;
  assetBase: string;
  headers: string | null;
  /** Without a prefilled token: how to sign in, shown under the response (R36: Docs need a signed-in caller). */
  signIn: string | null;
  tabs: ReturnType<typeof exampleTabs>;
}

/**
 * Production and any server without the demo data: the page carries no token. An anonymous caller may not
 * introspect there (R36), so Docs and autocomplete wait for a token in Headers; the page refetches the schema when
 * Headers change (src/ide/client/main.jsx).
 */
export const SIGN_IN_NOTE =
  'Sign in to run operations and to load Docs and autocomplete: put {"authorization": "Bearer <JWT>"} in Headers — ' +
  'a JWT from your identity provider (development: npm run token -- EMAIL). The schema reloads when Headers change.';

function idePage(demo: DemoContext | null): string {
  const config: IdePageConfig = {
    title: 'Opus Billing API',
    assetBase: IDE_ASSET_PATH,
    headers: demo?.headers ?? null,
    signIn: demo ? null : SIGN_IN_NOTE,
    tabs: exampleTabs({ demo: demo?.examples ?? null }),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Opus Billing API · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${IDE_ASSET_PATH}main.css">
<script id="ide-config" type="application/json">${scriptSafeJson(config)}</script>
<script type="module" src="${IDE_ASSET_PATH}main.js"></script>
</head>
<body>
<div id="graphiql"><div class="graphiql-loading">Loading the IDE…</div></div>
<noscript>The IDE needs JavaScript. The API itself answers POST ${IDE_PATH}.</noscript>
</body>
</html>
`;
}

function missingBundlePage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Opus Billing API</title></head><body>
<p>The IDE has not been built: run <code>npm run build</code> (npm start does it). The API answers POST ${IDE_PATH}.</p>
</body></html>
`;
}

/** dist/ide of the project: the same from the compiled server (dist/src/ide) and from ts-jest (src/ide). */
function defaultAssetsDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'ide');
}

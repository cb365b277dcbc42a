#!/usr/bin/env node
// Bundles the in-browser IDE (GraphiQL 5 + React + Monaco and its three workers) into dist/ide, so that
// GET /graphql serves it from this server alone: no CDN, no request to any other host.
//   node scripts/build-ide.mjs           build unless dist/ide is up to date with its inputs
//   node scripts/build-ide.mjs --force   always build
// It reports on stderr: `npm run --silent token` (which builds first) must print only the token on stdout.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inputsHash, isUpToDate, writeStamp } from './bundle-stamp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'ide');
const clientDir = join(root, 'src', 'ide', 'client');

const WORKERS = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};
/** Files the server needs; a build is incomplete without them (src/ide/ide-route.ts checks main.js and main.css). */
const OUTPUTS = ['main.js', 'main.css', ...Object.keys(WORKERS).map((w) => `${w}.js`)];

const started = process.hrtime.bigint();
const hash = inputsHash({
  root,
  script: fileURLToPath(import.meta.url),
  clientDir,
  packages: [
    'graphiql',
    '@graphiql/react',
    '@graphiql/toolkit',
    'monaco-editor',
    'monaco-graphql',
    'react',
    'react-dom',
    'graphql',
    'graphql-ws',
    'esbuild',
  ],
});
if (!process.argv.includes('--force') && isUpToDate({ outdir, hash, outputs: OUTPUTS })) {
  console.error('IDE bundle up to date (dist/ide); node scripts/build-ide.mjs --force rebuilds it');
  process.exit(0);
}

rmSync(outdir, { recursive: true, force: true });
/**
 * @graphiql/react imports `monaco-graphql/esm/utils`, which monaco-graphql's exports map ("./*": "./*") only
 * resolves with the extension (vite and webpack guess it; esbuild does not): add it.
 */
const extensionlessMonacoImports = {
  name: 'extensionless-monaco-imports',
  setup(b) {
    b.onResolve({ filter: /^monaco-(graphql|editor)\/esm\/.*[^/]$/ }, async (args) => {
      if (/\.(m?js|css)$/.test(args.path) || args.pluginData?.retried) return undefined;
      const result = await b.resolve(`${args.path}.js`, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { retried: true },
      });
      return result.errors.length ? undefined : result;
    });
  },
};

/** The bare `monaco-editor` import brings every language Monaco knows; GraphiQL needs JSON (and GraphQL, its own). */
const slimMonaco = {
  name: 'slim-monaco',
  setup(b) {
    b.onResolve({ filter: /^monaco-editor$/ }, () => ({ path: join(clientDir, 'monaco-slim.js') }));
  },
};

const common = {
  plugins: [extensionlessMonacoImports],
  absWorkingDir: root,
  bundle: true,
  minify: true,
  outdir,
  target: ['chrome110', 'firefox110', 'safari16'],
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'external',
  logLevel: 'warning',
  metafile: true,
};

const [app, workers] = await Promise.all([
  // The page's script, one ES module. No code splitting: Monaco's lazily imported modes import CSS, and esbuild
  // would put that CSS in per-chunk files that nothing loads; bundled whole, all of it lands in main.css.
  build({
    ...common,
    entryPoints: { main: join(clientDir, 'main.jsx') },
    format: 'esm',
    assetNames: 'assets/[name]-[hash]',
    jsx: 'automatic',
    plugins: [slimMonaco, extensionlessMonacoImports],
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'dataurl' },
  }),
  // Monaco's workers: classic scripts, loaded by monaco-workers.js from the same origin.
  build({ ...common, entryPoints: WORKERS, format: 'iife' }),
]);

const files = [...Object.keys(app.metafile.outputs), ...Object.keys(workers.metafile.outputs)];
const bytes = writeStamp({ root, outdir, hash, outputs: OUTPUTS, files });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.error(
  `IDE bundle: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB in dist/ide (${seconds.toFixed(1)} s)`,
);

#!/usr/bin/env node
// Bundles the Billing dashboard (React + Apollo Client + graphql-ws + uPlot, src/dashboard/client) into
// dist/dashboard, so that GET /dashboard serves it from this server alone: no CDN, no request to any other host.
//   node scripts/build-dashboard.mjs           build unless dist/dashboard is up to date with its inputs
//   node scripts/build-dashboard.mjs --force   always build
// It reports on stderr, like scripts/build-ide.mjs.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inputsHash, isUpToDate, writeStamp } from './bundle-stamp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'dashboard');
const clientDir = join(root, 'src', 'dashboard', 'client');
/** What src/dashboard/dashboard-route.ts serves; a build without them is incomplete. */
const OUTPUTS = ['main.js', 'main.css'];

const started = process.hrtime.bigint();
const hash = inputsHash({
  root,
  script: fileURLToPath(import.meta.url),
  clientDir,
  packages: ['@apollo/client', 'graphql', 'graphql-ws', 'react', 'react-dom', 'rxjs', 'uplot', 'esbuild'],
});
if (!process.argv.includes('--force') && isUpToDate({ outdir, hash, outputs: OUTPUTS })) {
  console.error('Dashboard bundle up to date (dist/dashboard); node scripts/build-dashboard.mjs --force rebuilds it');
  process.exit(0);
}

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: join(clientDir, 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  outdir,
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  tsconfig: join(clientDir, 'tsconfig.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'external',
  logLevel: 'warning',
  metafile: true,
});
const bytes = writeStamp({ root, outdir, hash, outputs: OUTPUTS, files: Object.keys(result.metafile.outputs) });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.error(
  `Dashboard bundle: ${OUTPUTS.join(', ')}, ${(bytes / 1024).toFixed(0)} KB in dist/dashboard (${seconds.toFixed(1)} s)`,
);

#!/usr/bin/env node
// Builds dist/ only when it is not current, so that `npm run token` (and audit, schema:print) take well under 2 s
// when nothing changed instead of the 11–23 s of a full build.
//   node scripts/ensure-build.mjs            run `npm run build` unless dist/ matches its inputs
//   node scripts/ensure-build.mjs --record   record that dist/ matches its inputs now (the end of `npm run build`)
//   node scripts/ensure-build.mjs --check    exit 0 when dist/ is current, 1 when a build is due; builds nothing
// "Current" means: dist/.build-stamp.json holds the fingerprint (path, size, mtime) of every input file, taken by a
// build that succeeded, and the entry points exist. Any edit, added or deleted file, checkout or dependency change
// changes the fingerprint. Everything is reported on stderr: `npm run --silent token` prints only the token on stdout.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', '.build-stamp.json');
/** What tsconfig.build.json compiles, what it reads, and what shapes the IDE and dashboard bundles. */
const INPUTS = [
  'src',
  'entities',
  'resolvers',
  'bench',
  'ormconfig.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
  'scripts/build-ide.mjs',
  'scripts/build-dashboard.mjs',
  'scripts/bundle-stamp.mjs',
  'scripts/ensure-build.mjs',
];
/** A build without these is not a build (a deleted dist/src, a half-cleaned dist/). */
const OUTPUTS = [
  'dist/src/main.js',
  'dist/src/cli/token.js',
  'dist/ide/build-stamp.json',
  'dist/dashboard/build-stamp.json',
];

function fingerprint() {
  const hash = createHash('sha256');
  const visit = (path) => {
    if (!existsSync(path)) return hash.update(`missing ${relative(root, path)}\n`);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
    } else {
      hash.update(`${relative(root, path)} ${stat.size} ${stat.mtimeMs}\n`);
    }
  };
  for (const input of INPUTS) visit(join(root, input));
  return hash.digest('hex');
}

function isCurrent(current) {
  if (!OUTPUTS.every((file) => existsSync(join(root, file)))) return false;
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')).fingerprint === current;
  } catch {
    return false;
  }
}

function record(value) {
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, JSON.stringify({ fingerprint: value, builtAt: new Date().toISOString() }) + '\n');
}

const before = fingerprint();
if (process.argv.includes('--record')) {
  record(before);
  process.exit(0);
}
if (process.argv.includes('--check')) process.exit(isCurrent(before) ? 0 : 1);
if (isCurrent(before)) process.exit(0);

console.error('dist/ is older than the sources: building (npm run build)…');
// The build's own output goes to stderr too; its --record is then replaced by the fingerprint taken before it
// started, so that a file edited during the build makes the next run build again.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
if (build.status !== 0) process.exit(build.status ?? 1);
record(before);

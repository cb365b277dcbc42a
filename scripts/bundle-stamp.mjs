// The up-to-date check of the browser bundles (scripts/build-ide.mjs, scripts/build-dashboard.mjs): a bundle is
// current when its directory holds every output and a build-stamp.json with the hash of its inputs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

/** A hash of the build script, every file under the client directory and the versions of the bundled packages. */
export function inputsHash({ root, script, clientDir, packages }) {
  const require = createRequire(join(root, 'package.json'));
  const hash = createHash('sha256');
  hash.update(readFileSync(script));
  const visit = (dir) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
      else hash.update(relative(clientDir, path)).update(readFileSync(path));
    }
  };
  visit(clientDir);
  for (const pkg of packages) hash.update(`${pkg}@${require(`${pkg}/package.json`).version}`);
  return hash.digest('hex');
}

export function isUpToDate({ outdir, hash, outputs }) {
  const stampFile = join(outdir, 'build-stamp.json');
  if (!existsSync(stampFile) || !outputs.every((f) => existsSync(join(outdir, f)))) return false;
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')).hash === hash;
  } catch {
    return false;
  }
}

/** Records the build (after checking every output is there) and returns its size in bytes. */
export function writeStamp({ root, outdir, hash, outputs, files }) {
  const missing = outputs.filter((f) => !existsSync(join(outdir, f)));
  if (missing.length) throw new Error(`${relative(root, outdir)} incomplete, missing ${missing.join(', ')}`);
  const bytes = files.reduce((sum, f) => sum + statSync(join(root, f)).size, 0);
  writeFileSync(
    join(outdir, 'build-stamp.json'),
    JSON.stringify(
      { hash, builtAt: new Date().toISOString(), files: files.map((f) => relative(outdir, join(root, f))), bytes },
      null,
      2,
    ),
  );
  return bytes;
}

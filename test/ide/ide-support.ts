import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The IDE bundle (dist/ide), built unless up to date — `npm test` builds it first; `npx jest test/ide` alone too. */
export function ensureIdeBundle(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-ide.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** What a browser navigating to a URL sends (Chromium's default). */
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** The configuration the page carries in <script id="ide-config" type="application/json">. */
export function pageConfig(html: string): {
  title: string;
  assetBase: string;
  headers: string | null;
  signIn: string | null;
  tabs: Array<{ query: string; variables?: string }>;
} {
  const match = /<script id="ide-config" type="application\/json">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error('no ide-config in the page');
  return JSON.parse(match[1]);
}

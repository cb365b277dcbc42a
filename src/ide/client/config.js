/**
 * The page carries its configuration as JSON in <script id="ide-config" type="application/json"> (data, not code, so
 * the page's Content-Security-Policy can forbid inline scripts):
 *   { title, assetBase, headers: string | null, signIn: string | null, tabs: [{ query, variables? }] }
 */
export function readIdeConfig() {
  const element = document.getElementById('ide-config');
  return JSON.parse(element ? element.textContent : '{}');
}

/**
 * The page carries its configuration as JSON in <script id="dashboard-config" type="application/json"> (data, not code,
 * so the page's Content-Security-Policy can forbid inline scripts). See src/dashboard/dashboard-route.ts.
 */
export interface DashboardConfig {
  /** Where queries, mutations and the graphql-ws upgrade go: this server's /graphql. */
  graphqlPath: string;
  /** With the embedded default and its demo data: a token for the demo admin, signed when the page was served. */
  demoToken: string | null;
}

export function readDashboardConfig(): DashboardConfig {
  const element = document.getElementById('dashboard-config');
  return { graphqlPath: '/graphql', demoToken: null, ...JSON.parse(element?.textContent || '{}') };
}

const TOKEN_KEY = 'opus-billing-dashboard-token';

/**
 * The token the page signs in with: one given in the address (`/dashboard#token=<JWT>`, taken out of the address at
 * once), else one kept for this tab, else the demo admin's.
 */
export function initialToken(config: DashboardConfig): string | null {
  const fromAddress = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromAddress) {
    rememberToken(fromAddress);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromAddress;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? config.demoToken;
}

export function rememberToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

import { existsSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { User } from '../../entities';
import { DEMO_ADMIN_EMAIL } from '../../src/seed/demo';
import { createOrg, startServer, TestServer, uniqueEmail } from '../support/harness';
import { ensureIdeBundle } from './ide-support';
import { sleep, waitForValue } from '../support/wait';

/**
 * The IDE in a real browser: Debian's Chromium, headless, driven by playwright-core, against a harness server on
 * SQLite with the demo data (so the page prefills the demo admin's token) — what `npm start` serves.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The example tabs a first visit opens with (src/ide/examples.ts), titled by their operation names. */
const EXAMPLE_TABS = [
  'BillingDashboard',
  'BillingAlerts',
  'BillingState',
  'AddUser',
  'PurchaseCredits',
  'PayInvoice',
  'Forecast',
  'CreateAlertRule',
  'PeakEvidence',
  'AuditLog',
  'PreviewBillingChange',
  'IssueCreditNote',
];

describe('the IDE in headless Chromium (GET /graphql, embedded default with demo data)', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  const requests: string[] = [];
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const sentFrames: string[] = [];

  /** Data and blob URLs are not requests to a host; everything else must go to the server that served the page. */
  const isLocal = (url: string) => /^(data|blob):/.test(url) || new URL(url).host === new URL(origin).host;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    ensureIdeBundle();
    server = await startServer('sqlite', { config: { seedDemo: true } });
    origin = server.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Anything bound elsewhere is recorded and never leaves the machine.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      foreignRequests.push(url);
      return route.abort();
    });
    context.on('request', (request) => requests.push(request.url()));
    page = await context.newPage();
    page.on('websocket', (ws) => {
      requests.push(ws.url());
      ws.on('framesent', (frame) => sentFrames.push(String(frame.payload)));
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(`${origin}/graphql`);
    await page.locator('.graphiql-query-editor .view-lines').waitFor();
    await page.waitForLoadState('networkidle');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const responseText = () => editorText(page, '.graphiql-response');

  it('loads from this server alone — no request to any other host, no page error — with the token and the example tabs', async () => {
    expect(await page.locator('.graphiql-tab').allInnerTexts()).toEqual(EXAMPLE_TABS);
    expect(await editorText(page, '.graphiql-editor-tool')).toMatch(/"authorization": "Bearer \S+/);
    // The page, its bundle, Monaco's three workers and the schema's introspection: all from here.
    expect(requests).toEqual(
      expect.arrayContaining([`${origin}/graphql`, `${origin}/graphql/ide/main.js`, `${origin}/graphql/ide/main.css`]),
    );
    const workers = await waitForValue(
      async () => new Set(requests.filter((url) => url.endsWith('.worker.js'))),
      (set) => set.size === 3,
    );
    expect([...workers].sort()).toEqual(
      ['editor', 'graphql', 'json'].map((w) => `${origin}/graphql/ide/${w}.worker.js`),
    );
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('runs a query with the prefilled demo admin token and shows its result', async () => {
    const tabs = await page.locator('.graphiql-tab').count();
    await waitForValue(
      async () => {
        if ((await page.locator('.graphiql-tab').count()) === tabs) await page.locator('.graphiql-tab-add').click();
        return page.locator('.graphiql-tab').count();
      },
      (count) => count === tabs + 1,
    );
    const query =
      'query WhoAmI { viewer { user { email role } permissions } organization { name contract { contractedSeats seatPrice { formatted } } } }';
    await waitForValue(
      async () => {
        await page.locator('.graphiql-query-editor .view-lines').click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.press('Delete');
        await page.keyboard.insertText(query);
        return editorText(page, '.graphiql-query-editor');
      },
      (text) => text.trim() === query,
    );
    // GraphiQL takes the operation name from the editor after a debounce; the tab's title shows when it has.
    await waitForValue(
      () => page.locator('.graphiql-tab[aria-selected="true"]').innerText(),
      (title) => title === 'WhoAmI',
    );
    const postsBefore = requests.filter((url) => url === `${origin}/graphql`).length;
    const answered = page.waitForResponse(
      (r) =>
        r.url() === `${origin}/graphql` &&
        r.request().method() === 'POST' &&
        (r.request().postData() ?? '').includes('WhoAmI'),
    );
    await execute(page, () => requests.filter((url) => url === `${origin}/graphql`).length > postsBefore);
    const response = await answered;
    expect({ status: response.status(), sent: response.request().postDataJSON() }).toEqual({
      status: 200,
      sent: expect.objectContaining({ query }),
    });
    expect(response.request().headers().authorization).toMatch(/^Bearer /);

    await waitForValue(responseText, (text) => text.includes('"email": "admin@acme.example"'));
    const shown = await responseText();
    expect(shown).toContain('"name": "Acme Logistics"');
    expect(shown).toContain('"formatted": "$15.00"');
    expect(shown).toContain('MANAGE_BILLING');
    expect(shown).not.toContain('"errors"');
    expect(pageErrors).toEqual([]);
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
  });

  it('R11: the BillingAlerts example tab subscribes over graphql-ws and shows an alert raised by a mutation', async () => {
    await selectTab(page, 'BillingAlerts');
    await execute(page, () =>
      sentFrames.some((frame) => frame.includes('"type":"subscribe"') && frame.includes('BillingAlerts')),
    );
    await page.waitForTimeout(500); // the server registers the subscription after reading the frame

    // The demo contract (USER model) has 5 seats, all taken: one more active user is beyond it.
    const admin = await server.app.dataSource.manager.findOneByOrFail(User, { email: DEMO_ADMIN_EMAIL });
    const added = await server.gql(
      'mutation($input: AddUserInput!) { addUser(input: $input) { id } }',
      { input: { email: uniqueEmail('overage'), name: 'One Too Many', role: 'EMPLOYEE' } },
      await server.tokenFor(admin.id),
    );
    expect(added.errors).toBeUndefined();

    await waitForValue(responseText, (text) => text.includes('"kind": "SEAT_OVERAGE"'));
    expect(await responseText()).toMatch(/"message": "[^"]+"/);
    expect(pageErrors).toEqual([]);
    expect(requests.filter((url) => !isLocal(url))).toEqual([]);
  });

  it('a reload and a second window show the same example tabs — no empty <untitled> tab added and selected', async () => {
    // A profile of its own (localStorage kept across its pages), so the tabs added above play no part.
    const profile = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const first = await profile.newPage();
      await first.goto(`${origin}/graphql`);
      await waitForTabs(first);
      // GraphiQL stores the tabs after a 500 ms debounce.
      await waitForValue(
        () => first.evaluate("localStorage.getItem('graphiql:tabState')"),
        (stored) => typeof stored === 'string' && stored.includes('IssueCreditNote'),
      );

      await first.reload();
      await waitForTabs(first);
      expect(await first.locator('.graphiql-tab').allInnerTexts()).toEqual(EXAMPLE_TABS);
      expect(await first.locator('.graphiql-tab[aria-selected="true"]').innerText()).toBe('BillingDashboard');

      const second = await profile.newPage();
      await second.goto(`${origin}/graphql`);
      await waitForTabs(second);
      expect(await second.locator('.graphiql-tab').allInnerTexts()).toEqual(EXAMPLE_TABS);
      expect(await second.locator('.graphiql-tab[aria-selected="true"]').innerText()).toBe('BillingDashboard');
      // The restored tabs still get the demo token (GraphiQL does not store headers).
      expect(await editorText(second, '.graphiql-editor-tool')).toMatch(/"authorization": "Bearer \S+/);

      // After a tab is chosen, a reload comes back to it, still with no tab added.
      await selectTab(second, 'AddUser');
      await waitForValue(
        () => second.evaluate("JSON.parse(localStorage.getItem('graphiql:tabState')).activeTabIndex"),
        (index) => index === EXAMPLE_TABS.indexOf('AddUser'),
      );
      await second.reload();
      await waitForTabs(second);
      expect(await second.locator('.graphiql-tab').allInnerTexts()).toEqual(EXAMPLE_TABS);
      expect(await second.locator('.graphiql-tab[aria-selected="true"]').innerText()).toBe('AddUser');
    } finally {
      await profile.close();
    }
  });
});

describe('the IDE in production (no demo token): Docs and autocomplete come with a token in Headers (R36)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const introspections: Array<{ authorization: string | undefined; status: number; schema: boolean }> = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    ensureIdeBundle();
    server = await startServer('sqlite', { config: { production: true, seedDemo: true } });
    origin = server.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', async (response) => {
      const request = response.request();
      if (request.method() !== 'POST' || !(request.postData() ?? '').includes('__schema')) return;
      const body = await response.json().catch(() => null);
      introspections.push({
        authorization: request.headers().authorization,
        status: response.status(),
        schema: Boolean(body?.data?.__schema),
      });
    });
    await page.goto(`${origin}/graphql`);
    await page.locator('.graphiql-query-editor .view-lines').waitFor();
    await page.waitForLoadState('networkidle');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('R36: the page says how to sign in, and its own anonymous introspection is refused', async () => {
    const note = await page.locator('.ide-sign-in').innerText();
    expect(note).toContain('{"authorization": "Bearer <JWT>"}');
    expect(note).toContain('identity provider');
    expect(note).toContain('npm run token');
    expect(await editorText(page, '.graphiql-query-editor')).toContain('Once Headers hold a valid token, Docs');
    await waitForValue(
      async () => introspections.length,
      (count) => count > 0,
    );
    expect(introspections[0]).toEqual({ authorization: undefined, status: 401, schema: false });
  });

  it('R36: a token typed into Headers refetches the schema with it, and Docs show the schema', async () => {
    const { adminToken } = await createOrg(server);
    const headers = JSON.stringify({ Authorization: `Bearer ${adminToken}` });
    await waitForValue(
      async () => {
        // Shows the editor tools if hidden and selects Headers (a click there never hides them).
        await page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).click();
        await page.locator('.graphiql-editor-tool .view-lines').filter({ visible: true }).first().click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.press('Delete');
        await page.keyboard.insertText(headers);
        return editorText(page, '.graphiql-editor-tool');
      },
      (text) => text.trim() === headers,
    );
    const signedIn = await waitForValue(
      async () => introspections.find((i) => i.authorization === `Bearer ${adminToken}`),
      Boolean,
    );
    expect(signedIn).toEqual({ authorization: `Bearer ${adminToken}`, status: 200, schema: true });

    const docs = page.locator('.graphiql-doc-explorer');
    if (!(await docs.isVisible())) await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    await waitForValue(
      () => docs.innerText(),
      (text) => text.includes('Query') && text.includes('Mutation'),
    );
    expect(await docs.innerText()).not.toMatch(/UNAUTHENTICATED|Introspection needs/);
    expect(pageErrors).toEqual([]);
  });
});

/** Waits until the page shows its tab bar and GraphiQL has settled. */
async function waitForTabs(page: Page): Promise<void> {
  await page.locator('.graphiql-query-editor .view-lines').waitFor();
  await page.waitForLoadState('networkidle');
  await page.locator('.graphiql-tab').first().waitFor();
}

/**
 * Runs the active tab with the ▶ button and waits until `started` says the operation went out. A click that lands
 * while GraphiQL is still settling (the tab bar animates) can be dropped: the button still reads "Execute", so click
 * again — never while it reads "Stop", which would cancel a running subscription.
 */
async function execute(page: Page, started: () => boolean): Promise<void> {
  const button = page.locator('.graphiql-execute-button');
  await waitForValue(async () => {
    if (!started() && (await button.getAttribute('aria-label'))?.startsWith('Execute')) await button.click();
    await sleep(300);
    return started();
  }, Boolean);
}

/**
 * Clicks a tab until it is the active one (a click while the tab bar still animates in is dropped), then gives
 * GraphiQL the moment it takes (a 100 ms debounce, with no sign in the page) to read the operation name from the
 * editor: ▶ sooner would send the previous tab's name.
 */
async function selectTab(page: Page, title: string): Promise<void> {
  const active = () => page.locator('.graphiql-tab[aria-selected="true"]').innerText();
  await waitForValue(
    async () => {
      if ((await active()) !== title) await page.locator('.graphiql-tab-button', { hasText: title }).click();
      return active();
    },
    (current) => current === title,
  );
  await page.waitForTimeout(400);
}

/** The text a Monaco editor shows (its rendered lines, non-breaking spaces as spaces). */
async function editorText(page: Page, container: string): Promise<string> {
  const text = await page.locator(`${container} .view-lines`).filter({ visible: true }).first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

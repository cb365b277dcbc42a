import { User } from '../../entities';
import { DEMO_ADMIN_EMAIL } from '../../src/seed/demo';
import { startServer, TestServer } from '../support/harness';
import { BROWSER_ACCEPT, ensureIdeBundle, pageConfig } from './ide-support';

const get = (server: TestServer, path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });

describe('GET /graphql: the IDE for browsers, the API for everyone else', () => {
  beforeAll(() => ensureIdeBundle());

  describe('embedded default with demo data (what npm start serves)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer('sqlite', { config: { seedDemo: true } });
    });
    afterAll(() => server.close());

    it('a browser gets the IDE page: local assets only, a strict Content-Security-Policy, never cached', async () => {
      const res = await get(server, '/graphql', { accept: BROWSER_ACCEPT });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      const html = await res.text();
      const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(urls.sort()).toEqual(['/graphql/ide/main.css', '/graphql/ide/main.js', 'data:,']);
      expect(html).not.toMatch(/https?:\/\//);
    });

    it('`Accept: text/html` alone (curl -H) is enough; the bundle, its workers and CSS are served from /graphql/ide/', async () => {
      const res = await get(server, '/graphql', { accept: 'text/html' });
      expect(res.status).toBe(200);
      expect(pageConfig(await res.text()).assetBase).toBe('/graphql/ide/');
      for (const file of ['main.js', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js']) {
        const asset = await get(server, `/graphql/ide/${file}`);
        expect({ file, status: asset.status, type: asset.headers.get('content-type') }).toEqual({
          file,
          status: 200,
          type: expect.stringMatching(/javascript/),
        });
      }
      expect((await get(server, '/graphql/ide/main.css')).headers.get('content-type')).toMatch(/^text\/css/);
      expect((await get(server, '/graphql/ide/missing.js')).status).toBe(404);
    });

    it('the page carries a freshly signed token for the demo admin, which the API accepts', async () => {
      const config = pageConfig(await (await get(server, '/graphql', { accept: BROWSER_ACCEPT })).text());
      expect(config.signIn).toBeNull();
      const headers = JSON.parse(config.headers!);
      expect(Object.keys(headers)).toEqual(['authorization']);
      const token = headers.authorization.replace(/^Bearer /, '');
      const res = await server.gql('{ viewer { user { email } permissions } }', {}, token);
      expect(res.data.viewer).toEqual({
        user: { email: DEMO_ADMIN_EMAIL },
        permissions: ['MANAGE_BILLING', 'MANAGE_USERS', 'ASSIGN_CONTENT'],
      });
      const admin = await server.app.dataSource.manager.findOneByOrFail(User, { email: DEMO_ADMIN_EMAIL });
      expect(config.tabs.find((t) => t.query.includes('closeBillingPeriod'))!.query).toContain(
        `"${admin.organizationId}"`,
      );
    });

    it('no string in the page can close its <script> element', async () => {
      const html = await (await get(server, '/graphql', { accept: BROWSER_ACCEPT })).text();
      const json = /<script id="ide-config" type="application\/json">(.*?)<\/script>/s.exec(html)![1];
      expect(json).not.toContain('<');
      expect(pageConfig(html).tabs).toHaveLength(12);
    });

    it('GET asking for JSON reaches the API only with a CSRF preflight header (Apollo csrfPrevention)', async () => {
      const query = '/graphql?query=%7B__typename%7D';
      const bare = await get(server, query, { accept: 'application/json' });
      expect(bare.status).toBe(400);
      expect(await bare.text()).toContain('Cross-Site Request Forgery');
      const preflights: Array<Record<string, string>> = [
        { 'apollo-require-preflight': 'true' },
        { 'x-apollo-operation-name': 'Typename' },
        { 'content-type': 'application/json' },
      ];
      for (const preflight of preflights) {
        const res = await get(server, query, { accept: 'application/json', ...preflight });
        expect({ preflight, status: res.status, body: await res.json() }).toEqual({
          preflight,
          status: 200,
          body: { data: { __typename: 'Query' } },
        });
      }
    });

    it('everything else on /graphql still reaches the API: GET asking for JSON, POST and graphql-ws', async () => {
      const viaGet = await get(server, '/graphql?query=%7B__typename%7D', {
        accept: 'application/json',
        'apollo-require-preflight': 'true',
      });
      expect(viaGet.status).toBe(200);
      expect(await viaGet.json()).toEqual({ data: { __typename: 'Query' } });
      const curlDefault = await get(server, '/graphql', { accept: '*/*' });
      expect(curlDefault.headers.get('content-type')).toMatch(/^application\/json/);
      expect((await server.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
      const admin = await server.app.dataSource.manager.findOneByOrFail(User, { email: DEMO_ADMIN_EMAIL });
      const client = server.ws(await server.tokenFor(admin.id));
      const overWs = await new Promise<unknown>((resolve, reject) => {
        client.subscribe(
          { query: '{ viewer { user { email } } }' },
          { next: resolve, error: reject, complete: () => undefined },
        );
      });
      expect(overWs).toEqual({ data: { viewer: { user: { email: DEMO_ADMIN_EMAIL } } } });
    });
  });

  describe('without demo data, and in production', () => {
    it.each([
      ['no demo data', { seedDemo: false }],
      ['production (even with SEED_DEMO=1)', { seedDemo: true, production: true }],
    ])('%s: the IDE opens with the examples but no token', async (_label, config) => {
      const server = await startServer('sqlite', { config });
      try {
        const page = pageConfig(await (await get(server, '/graphql', { accept: BROWSER_ACCEPT })).text());
        expect(page.headers).toBeNull();
        expect(page.tabs[0].query).toContain('Put a token in Headers');
        expect(page.tabs[0].query).toContain('identity provider');
        expect(page.tabs[0].query).toContain('Once Headers hold a valid token, Docs');
        expect(page.signIn).toContain('{"authorization": "Bearer <JWT>"}');
        expect(page.signIn).toContain('npm run token');
        expect(page.tabs).toHaveLength(12);
      } finally {
        await server.close();
      }
    });
  });
});

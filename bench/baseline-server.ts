import 'reflect-metadata';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { buildSchema, parse } from 'graphql';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { jwtVerify } from 'jose';
import { createPool, RowDataPacket } from 'mysql2/promise';
import { ALL_PERMISSIONS, Permission, Role, UserStatus } from '../entities/enums';
import { effectivePermissions, roleKey } from '../src/auth/permissions';

/**
 * The floor for `{ viewer { … } }` in bench:dashboard: a plain node:http + graphql-jit + jose + mysql2 server that
 * does the work the real server does for that query, and nothing else — verify the HS256 JWT as production does
 * (`exp` required, at most JWT_MAX_LIFETIME_SECONDS long), read the user, then its overrides (the organization's
 * role overrides and the user's own, one statement), apply R1/R2 through the server's own `effectivePermissions`,
 * and answer the same JSON bytes Apollo answers (`JSON.stringify(result) + "\n"`).
 * Env: DATABASE_URL (mysql://…), JWT_SECRET, JWT_MAX_LIFETIME_SECONDS (default 86400), DATABASE_POOL_SIZE
 * (default 20, the server's). Prints `{"url": "http://127.0.0.1:<port>"}` on stdout once listening.
 */
const SCHEMA = buildSchema(`
  enum Permission { ${ALL_PERMISSIONS.join(' ')} }
  type User { id: ID! email: String! name: String! }
  type Viewer { user: User permissions: [Permission!]! isOperator: Boolean! }
  type Query { viewer: Viewer! }
`);

interface ViewerRoot {
  user: { id: string; email: string; name: string } | null;
  permissions: Permission[];
  isOperator: boolean;
}

const ANONYMOUS: ViewerRoot = { user: null, permissions: [], isOperator: false };

async function main() {
  const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
  const maxLifetime = Number(process.env.JWT_MAX_LIFETIME_SECONDS ?? 86400);
  const pool = createPool({
    uri: process.env.DATABASE_URL,
    connectionLimit: Number(process.env.DATABASE_POOL_SIZE ?? 20),
  });
  const compiled = new Map<string, CompiledQuery>();

  async function viewerFor(authorization: string | undefined): Promise<ViewerRoot | null> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) return null;
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
    } catch {
      return null;
    }
    if (typeof payload.sub !== 'string') return null;
    const issuedAt = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
    if (maxLifetime > 0 && payload.exp! - issuedAt > maxLifetime) return null;
    if (payload.scope === 'operator') return { user: null, permissions: [...ALL_PERMISSIONS], isOperator: true };
    const [users] = await pool.execute<RowDataPacket[]>(
      'SELECT id, organizationId, email, name, role, status FROM `user` WHERE id = ?',
      [payload.sub],
    );
    const user = users[0];
    if (!user) return null;
    const [overrides] = await pool.execute<RowDataPacket[]>(
      `SELECT role, permission, granted FROM role_permission_override WHERE organizationId = ?
       UNION ALL SELECT NULL, permission, granted FROM user_permission_override WHERE userId = ?`,
      [user.organizationId, user.id],
    );
    const roleOverrides = new Map<string, boolean>();
    const userOverrides = new Map<Permission, boolean>();
    for (const o of overrides) {
      if (o.role === null) userOverrides.set(o.permission, Boolean(o.granted));
      else roleOverrides.set(roleKey(o.role as Role, o.permission), Boolean(o.granted));
    }
    const permissions = effectivePermissions(
      { role: user.role as Role, status: user.status as UserStatus },
      roleOverrides,
      userOverrides,
    );
    return { user: { id: user.id, email: user.email, name: user.name }, permissions, isOperator: false };
  }

  function answer(res: ServerResponse, status: number, body: string) {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST' || req.url !== '/graphql')
      return answer(res, 404, '{"errors":[{"message":"not found"}]}\n');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    let run = compiled.get(query);
    if (!run) {
      const result = compileQuery(SCHEMA, parse(query));
      if (!isCompiledQuery(result)) return answer(res, 400, JSON.stringify(result) + '\n');
      run = result;
      compiled.set(query, run);
    }
    const viewer = await viewerFor(req.headers.authorization);
    if (!viewer)
      return answer(
        res,
        401,
        '{"errors":[{"message":"The token is invalid or expired","extensions":{"code":"UNAUTHENTICATED"}}]}\n',
      );
    const result = await run.query({ viewer }, {}, variables ?? {});
    answer(res, 200, run.stringify(result) + '\n');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) =>
      answer(res, 500, JSON.stringify({ errors: [{ message: String(error) }] }) + '\n'),
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void pool.end().then(() => process.exit(0));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

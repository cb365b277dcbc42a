import { EntityManager } from 'typeorm';
import { ALL_PERMISSIONS, Permission, User } from '../../entities';
import { unauthenticated } from '../errors/errors';
import { bearerToken, TokenVerifier } from './jwt';
import type { PermissionReader } from './permissions';

/** Who is asking. Operators (scope "operator") hold every permission in every organization (R5). */
export interface Viewer {
  authenticated: boolean;
  isOperator: boolean;
  /** The token's subject (a user id, or an operator's id). */
  subject: string | null;
  user: User | null;
  organizationId: string | null;
  permissions: ReadonlySet<Permission>;
  /**
   * The viewer's organization's role overrides (R2, keyed by `roleKey`) as authentication read them, for a request
   * that changes nothing to reuse; absent for operators, the anonymous viewer and system viewers.
   */
  roleOverrides?: ReadonlyMap<string, boolean>;
  /** The organization's `stateVersion` when authentication read it (users only): the read cache's key. */
  organizationVersion?: number;
  /** The platform itself (the scheduler's viewer), not a person: R31 records its changes as SYSTEM. */
  system?: boolean;
}

const ANONYMOUS: Viewer = Object.freeze({
  authenticated: false,
  isOperator: false,
  subject: null,
  user: null,
  organizationId: null,
  permissions: new Set<Permission>(),
});

/**
 * R6: the same `Bearer <JWT>` string over HTTP and in graphql-ws connectionParams.authorization.
 * No token is the anonymous viewer; a bad, expired or unknown-subject token is UNAUTHENTICATED.
 */
/**
 * A valid signature for a user this database does not hold: most often a token signed by `npm run token` against
 * another database (it signs against DATABASE_URL, the embedded SQLite file when unset). Says what to check, and
 * nothing about the database itself: anyone may send a token.
 */
export const USER_NOT_FOUND =
  "The token's user does not exist in this server's database. A token from `npm run token` is only valid on a server " +
  'with the same DATABASE_URL: compare the database it printed with the one the server uses, or sign a new token.';

export async function authenticate(
  authorization: unknown,
  deps: { verify: TokenVerifier; em: EntityManager; permissions: PermissionReader },
): Promise<Viewer> {
  const token = bearerToken(authorization);
  if (token === null) return ANONYMOUS;
  if (token === '') throw unauthenticated('The Authorization header must be "Bearer <token>"');
  let claims;
  try {
    claims = await deps.verify(token);
  } catch {
    throw unauthenticated('The token is invalid or expired');
  }
  if (claims.operator) {
    return {
      authenticated: true,
      isOperator: true,
      subject: claims.sub,
      user: null,
      organizationId: null,
      permissions: new Set(ALL_PERMISSIONS),
    };
  }
  // One statement: the user, its overrides and its organization's role overrides.
  const found = await deps.permissions.forAuthentication(deps.em, claims.sub);
  if (!found) throw unauthenticated(USER_NOT_FOUND);
  const { user, permissions, roleOverrides, organizationVersion } = found;
  return {
    authenticated: true,
    isOperator: false,
    subject: user.id,
    user,
    organizationId: user.organizationId,
    permissions: new Set(permissions),
    roleOverrides,
    organizationVersion,
  };
}

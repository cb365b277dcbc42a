import { createRemoteJWKSet, jwtVerify, SignJWT, JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { AppConfig } from '../config/config';

export interface TokenClaims {
  sub: string;
  operator: boolean;
}

export type TokenVerifier = (token: string) => Promise<TokenClaims>;

/**
 * R6: HS256 with JWT_SECRET in development and tests; RS256 through a JWKS URL in production.
 * `exp` is always honoured; issuer and audience only when configured. In production a token must carry `exp` and
 * be valid for at most JWT_MAX_LIFETIME_SECONDS (exp − iat, or exp − now without `iat`): a leaked token that never
 * expires, or lives for a year, is refused.
 */
export function createTokenVerifier(
  config: Pick<AppConfig, 'jwtSecret' | 'jwtJwksUrl' | 'jwtIssuer' | 'jwtAudience'> &
    Partial<Pick<AppConfig, 'production' | 'jwtMaxLifetimeSeconds'>>,
): TokenVerifier {
  const options = {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ...(config.production ? { requiredClaims: ['exp'] } : {}),
  };
  const maxLifetime = config.production ? config.jwtMaxLifetimeSeconds : undefined;
  const verifyWith = config.jwtJwksUrl
    ? (
        (jwks) => (token: string) =>
          jwtVerify(token, jwks, { ...options, algorithms: ['RS256'] })
      )(createRemoteJWKSet(new URL(config.jwtJwksUrl)))
    : (
        (key) => (token: string) =>
          jwtVerify(token, key, { ...options, algorithms: ['HS256'] })
      )(new TextEncoder().encode(config.jwtSecret));
  // A dashboard sends the same token with every request: its signature is checked once per VERIFIED_TOKEN_TTL_MS
  // (a key withdrawn from the JWKS stops being honoured within that time) and never past its `exp`. Failures are not
  // remembered, so a token that is not yet valid (`nbf`) is checked again next time.
  const verified = new LRUCache<string, { claims: TokenClaims; expiresAtMs: number }>({
    max: VERIFIED_TOKENS_KEPT,
    ttl: VERIFIED_TOKEN_TTL_MS,
  });
  return async (token) => {
    const known = verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.claims;
    const { payload } = await verifyWith(token);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('token has no subject');
    if (maxLifetime !== undefined && maxLifetime > 0) {
      const from = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
      if (payload.exp! - from > maxLifetime) throw new Error('token lives longer than JWT_MAX_LIFETIME_SECONDS');
    }
    const claims = { sub: payload.sub, operator: hasOperatorScope(payload) };
    verified.set(token, {
      claims,
      expiresAtMs: typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY,
    });
    return claims;
  };
}

/** How many verified tokens an instance remembers, and for how long (see createTokenVerifier). */
const VERIFIED_TOKENS_KEPT = 10_000;
const VERIFIED_TOKEN_TTL_MS = 60_000;

function hasOperatorScope(payload: JWTPayload): boolean {
  const scope = payload.scope;
  if (typeof scope === 'string') return scope.split(' ').includes('operator');
  return Array.isArray(scope) && scope.includes('operator');
}

/** Development and test tokens (HS256). */
export async function signToken(
  config: Pick<AppConfig, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience'>,
  claims: { sub: string; operator?: boolean; expiresIn?: string | number },
): Promise<string> {
  let jwt = new SignJWT(claims.operator ? { scope: 'operator' } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h');
  if (config.jwtIssuer) jwt = jwt.setIssuer(config.jwtIssuer);
  if (config.jwtAudience) jwt = jwt.setAudience(config.jwtAudience);
  return jwt.sign(new TextEncoder().encode(config.jwtSecret));
}

/** `Bearer <token>` (the scheme is case-insensitive); null when absent. */
export function bearerToken(authorization: unknown): string | null {
  if (typeof authorization !== 'string' || authorization.trim() === '') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match ? match[1] : '';
}

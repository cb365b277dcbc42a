import { createRemoteJWKSet, jwtVerify, SignJWT, JWTPayload } from 'jose';
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
  return async (token) => {
    const { payload } = await verifyWith(token);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('token has no subject');
    if (maxLifetime !== undefined && maxLifetime > 0) {
      const from = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
      if (payload.exp! - from > maxLifetime) throw new Error('token lives longer than JWT_MAX_LIFETIME_SECONDS');
    }
    return { sub: payload.sub, operator: hasOperatorScope(payload) };
  };
}

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

import { DataSource } from 'typeorm';
import { User, UserStatus } from '../../entities';
import { signToken } from '../auth/jwt';
import type { AppConfig } from '../config/config';
import { DEMO_ADMIN_EMAIL } from '../seed/demo';

export interface DemoSession {
  admin: User;
  /** A token for the demo admin, signed now. */
  token: string;
}

/**
 * With the embedded default and its demo data (never in production), the browser pages (the IDE at GET /graphql, the
 * dashboard at GET /dashboard) open signed in as the demo admin, so a first visit works as is. Tokens from a JWKS
 * cannot be signed here.
 */
export async function demoAdminSession(config: AppConfig, dataSource: DataSource): Promise<DemoSession | null> {
  if (!config.seedDemo || config.production || config.jwtJwksUrl) return null;
  const admin = await dataSource.manager.findOne(User, {
    where: { email: DEMO_ADMIN_EMAIL, status: UserStatus.ACTIVE },
  });
  if (!admin) return null;
  return { admin, token: await signToken(config, { sub: admin.id }) };
}

/** JSON inside <script>: `<` escaped, so no string in it can close the element. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import { BillingPeriod, Contract, InvoiceLineItem, Location, Organization, Permission, User } from '../../entities';
import type { Services } from '../services';
import type { Viewer } from '../auth/viewer';

/** Rows of `entity` whose `key` column is in `keys`, one per key in key order (null where missing). */
function byColumn<E extends object>(
  em: EntityManager,
  entity: new () => E,
  key: keyof E & string,
  extra: Partial<E> = {},
) {
  return new DataLoader<string, E | null>(async (keys) => {
    const rows = await em.find(entity, { where: { ...extra, [key]: In([...keys]) } as never });
    const map = new Map(rows.map((r) => [r[key] as unknown as string, r]));
    return keys.map((k) => map.get(k) ?? null);
  });
}

/**
 * One set per operation (an HTTP request or a graphql-ws operation), never shared between viewers; app.ts makes it on
 * first use. A subscription's events do not use it: each event reads its own rows (alert-stream.service.ts).
 *
 * `viewer`: what its authentication read — its user row, its permissions, its organization's role overrides — starts
 * in the caches and is not read again. Like every cached row it is dropped after a mutation (build-schema.ts
 * `freshAfterMutation`), which may have changed it.
 */
export function createLoaders(em: EntityManager, services: Services, viewer?: Viewer) {
  const loaders = {
    organization: byColumn(em, Organization, 'id'),
    location: byColumn(em, Location, 'id'),
    user: byColumn(em, User, 'id'),
    contract: byColumn(em, Contract, 'organizationId'),
    openPeriod: byColumn(em, BillingPeriod, 'openForOrganizationId'),
    /** Lines of issued invoices, in order. */
    invoiceLines: new DataLoader<string, InvoiceLineItem[]>(async (invoiceIds) => {
      const lines = await services.invoices.lineItems(em, invoiceIds);
      return invoiceIds.map((id) => lines.filter((l) => l.invoiceId === id));
    }),
    /** An organization's role overrides (R2), keyed by `roleKey`. */
    roleOverrides: new DataLoader<string, ReadonlyMap<string, boolean>>((orgIds) =>
      Promise.all(orgIds.map((orgId) => services.permissions.roleOverrides(em, orgId))),
    ),
    /**
     * Effective permissions (R2) of users: per organization in the batch, its users' overrides (one query) and its
     * role overrides (one query, none for the viewer's organization: read at authentication).
     */
    permissions: new DataLoader<User, Permission[], string>(
      async (users) => {
        const byOrg = new Map<string, User[]>();
        for (const u of users) byOrg.set(u.organizationId, [...(byOrg.get(u.organizationId) ?? []), u]);
        const result = new Map<string, Permission[]>();
        for (const [orgId, members] of byOrg) {
          const roleOverrides = await loaders.roleOverrides.load(orgId);
          for (const [id, perms] of await services.permissions.forUsers(em, orgId, members, roleOverrides))
            result.set(id, perms);
        }
        return users.map((u) => result.get(u.id)!);
      },
      { cacheKeyFn: (u) => u.id },
    ),
  };
  if (viewer?.user && viewer.roleOverrides) {
    loaders.user.prime(viewer.user.id, viewer.user);
    loaders.permissions.prime(viewer.user, [...viewer.permissions]);
    loaders.roleOverrides.prime(viewer.user.organizationId, viewer.roleOverrides);
  }
  return loaders;
}

export type Loaders = ReturnType<typeof createLoaders>;

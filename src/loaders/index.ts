import DataLoader from 'dataloader';
import { EntityManager, In } from 'typeorm';
import {
  AlertRule,
  BillingAlert,
  BillingPeriod,
  Contract,
  InvoiceLineEvidence,
  InvoiceLineItem,
  LicenseKind,
  Location,
  Organization,
  Permission,
  UsageAggregate,
  User,
} from '../../entities';
import type { Page } from '../db/paginate';
import { PeriodCreditUse, RequestReads, TrailingCreditUse, usageAggregateKey } from '../db/request-reads';
import { readPeriodCreditUse, readTrailingCreditUse } from '../services/credit-tallies';
import { LotsOfOpenPeriod, readLotsOfOpenPeriod } from '../services/credit-lots';
import type { Services } from '../services';
import { FrozenPageRequest, frozenPageKey } from '../services/peak-evidence.service';
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

/** An organization with its contract and its open billing period: what nearly every billing field starts from. */
interface OrganizationState {
  organization: Organization;
  contract: Contract | null;
  openPeriod: BillingPeriod | null;
}

/** The states of `ids` in key order, in one statement (the contract and the open period joined to the organization). */
async function organizationStates(em: EntityManager, ids: readonly string[]): Promise<Array<OrganizationState | null>> {
  const rows = await em
    .createQueryBuilder(Organization, 'o')
    .leftJoinAndMapOne('o.stateContract', Contract, 'c', 'c.organizationId = o.id')
    .leftJoinAndMapOne('o.stateOpenPeriod', BillingPeriod, 'p', 'p.openForOrganizationId = o.id')
    .where('o.id IN (:...ids)', { ids: [...ids] })
    .getMany();
  const byId = new Map<string, OrganizationState>();
  for (const row of rows as Array<Organization & { stateContract?: Contract; stateOpenPeriod?: BillingPeriod }>) {
    const { stateContract, stateOpenPeriod, ...columns } = row;
    const organization = Object.assign(new Organization(), columns);
    byId.set(row.id, { organization, contract: stateContract ?? null, openPeriod: stateOpenPeriod ?? null });
  }
  return ids.map((id) => byId.get(id) ?? null);
}

/**
 * The reads an operation's services share (RequestReads, db/request-reads.ts): the organization with its contract and
 * open period in one statement, the usage aggregates, the credit tallies and the open period's lots, each once.
 * Part of every operation's loaders; R26's evaluation binds a set of its own to the transaction's connection for the
 * length of one evaluation, so the metrics its rules read share them too.
 */
export function createRequestReads(em: EntityManager) {
  const organizationState = new DataLoader<string, OrganizationState | null>((ids) => organizationStates(em, ids));
  const partOfState = <K extends keyof OrganizationState>(part: K) =>
    new DataLoader<string, OrganizationState[K] | null>(async (ids) =>
      (await organizationState.loadMany(ids)).map((state) =>
        state instanceof Error ? state : (state?.[part] ?? null),
      ),
    );
  const reads = {
    organizationState,
    organization: partOfState('organization'),
    contract: partOfState('contract'),
    openPeriod: partOfState('openPeriod'),
    /** A period's credit use by `creditUseKey`: the balance and the invoice preview share one read. */
    creditUse: new DataLoader<string, PeriodCreditUse>((keys) =>
      Promise.all(
        keys.map((key) => {
          const [organizationId, periodId] = key.split('|');
          return readPeriodCreditUse(em, organizationId, periodId);
        }),
      ),
    ),
    /** Lots by `lotsKey`: the balance and the invoice preview share one read. */
    lotsOfOpenPeriod: new DataLoader<string, LotsOfOpenPeriod>((keys) =>
      Promise.all(
        keys.map((key) => {
          const [organizationId, periodStart] = key.split('|');
          return readLotsOfOpenPeriod(em, organizationId, new Date(periodStart));
        }),
      ),
    ),
    /** R28's trailing credit use by `trailingUseKey`: however many forecasts an operation asks for, one read. */
    trailingCreditUse: new DataLoader<string, TrailingCreditUse>((keys) =>
      Promise.all(
        keys.map((key) => {
          const [organizationId, fromDay, toDay] = key.split('|');
          return readTrailingCreditUse(em, organizationId, fromDay, toDay);
        }),
      ),
    ),
    /** Usage aggregates by `usageAggregateKey`: the license and the invoice preview share one read. */
    usageAggregate: new DataLoader<string, UsageAggregate | null>(async (keys) => {
      const wanted = keys.map((key) => key.split('|') as [string, string, LicenseKind]);
      const rows = await em.find(UsageAggregate, {
        where: wanted.map(([organizationId, periodId, kind]) => ({ organizationId, periodId, kind })),
      });
      const byKey = new Map(rows.map((row) => [usageAggregateKey(row.organizationId, row.periodId, row.kind), row]));
      return keys.map((key) => byKey.get(key) ?? null);
    }),
  };
  return reads satisfies RequestReads;
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
    ...createRequestReads(em),
    location: byColumn(em, Location, 'id'),
    /** R25: alerts by id (resolves / resolvedBy). */
    billingAlert: byColumn(em, BillingAlert, 'id'),
    /** R26: alert rules by id (BillingAlert.rule). */
    alertRule: byColumn(em, AlertRule, 'id'),
    user: byColumn(em, User, 'id'),
    /** Lines of issued invoices, in order. */
    invoiceLines: new DataLoader<string, InvoiceLineItem[]>(async (invoiceIds) => {
      const lines = await services.invoices.lineItems(em, invoiceIds);
      return invoiceIds.map((id) => lines.filter((l) => l.invoiceId === id));
    }),
    /** R30: pages of issued invoices' frozen evidence: an invoice list's license lines in one statement. */
    invoiceEvidence: new DataLoader<FrozenPageRequest, Page<InvoiceLineEvidence>, string>(
      (requests) => services.peakEvidence.frozenPages(em, requests),
      { cacheKeyFn: frozenPageKey },
    ),
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
  return loaders satisfies RequestReads;
}

export type Loaders = ReturnType<typeof createLoaders>;

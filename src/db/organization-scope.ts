import { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Organization, OrganizationStatus } from '../../entities';
import { findInOrganization, findVisible, Owned, OwnedEntity, targetOrganizationId } from '../auth/tenancy';
import type { Viewer } from '../auth/viewer';
import { notFound, organizationTerminated } from '../errors/errors';

/**
 * What an organization-scoped change acts on:
 * - `{ organizationId }`: the organization a mutation names (users: their own; operators must name one), or
 * - `{ owner, id }`: the organization owning that row (a user, a location, an invoice…).
 * Either way anything the viewer may not see is NOT_FOUND (R5).
 */
export type OrganizationTarget = { organizationId?: string | null } | { owner: OwnedEntity; id: string };

export interface ScopeOptions {
  /** R21: the change survives termination (payments, billing contacts, reminders, expiry). */
  allowTerminated?: boolean;
}

/** The handle an organization-scoped change gets: the locked organization, and reads filtered to it. */
export interface OrganizationScope {
  /** The organization row, read under its write lock. */
  readonly organization: Organization;
  readonly organizationId: string;
  /** A row of this organization, read in the transaction; another organization's (or none) is NOT_FOUND (R5). */
  find<E extends Owned>(entity: OwnedEntity<E>, id: string): Promise<E>;
  /** A query over this organization's rows of `entity` (already filtered: add conditions with andWhere). */
  query<E extends ObjectLiteral & { organizationId: string }>(
    entity: new () => E,
    alias: string,
  ): SelectQueryBuilder<E>;
}

/** R27: hears each organization a committed transaction changed through a scope (once per transaction). */
export type OrganizationChangeListener = (organizationId: string) => void;

/** The transaction's context (viewer, em, afterCommit) with the scope on top. */
export type Scoped<C> = C & OrganizationScope;

interface TxContext {
  viewer: Viewer;
  em: EntityManager;
  afterCommit?: (task: () => void | Promise<void>) => void;
}

/**
 * Opens the scope inside an open transaction: resolves the target for the viewer (R5), takes the organization's
 * write lock — serializing its writers until commit — and refuses a terminated organization (R21) unless the
 * change survives termination. Only UnitOfWork.forOrganization calls it.
 */
export async function openScope<C extends TxContext>(
  tx: C,
  target: OrganizationTarget,
  options: ScopeOptions,
  isSqlite: boolean,
  onCommitted?: OrganizationChangeListener,
): Promise<Scoped<C>> {
  const organizationId =
    'owner' in target
      ? (await findVisible(tx, target.owner, target.id)).organizationId
      : targetOrganizationId(tx.viewer, target.organizationId);
  const organization = await lockOrganization(tx.em, organizationId, isSqlite);
  if (organization.status === OrganizationStatus.TERMINATED && !options.allowTerminated) throw organizationTerminated();
  await touchOrganization(tx.em, organizationId);
  if (onCommitted) announceAfterCommit(tx, organizationId, onCommitted);
  const scope: OrganizationScope = {
    organization,
    organizationId,
    find: (entity, id) => findInOrganization(tx.em, entity, id, organizationId),
    query: (entity, alias) =>
      tx.em
        .createQueryBuilder(entity, alias)
        .where(`${alias}.organizationId = :scopeOrganizationId`, { scopeOrganizationId: organizationId }),
  };
  return Object.assign(Object.create(tx) as C, scope);
}

/**
 * Counts a change of the organization's state, in the changing transaction (so it commits, or rolls back, with it):
 * answers cached for the previous count are no longer served (src/server/read-cache.ts). Every organization-scoped
 * change calls it through `openScope`; the outbox, which changes notifications outside a scope, calls it too.
 */
export async function touchOrganization(em: EntityManager, organizationId: string): Promise<void> {
  await em.increment(Organization, { id: organizationId }, 'stateVersion', 1);
}

/** The organizations each open transaction (keyed by its afterCommit) will announce. */
const announcing = new WeakMap<object, Set<string>>();

/**
 * R27: every organization-scoped change — mutations and scheduled jobs alike — announces "organization X changed"
 * once its transaction has committed (nothing on rollback), once per transaction however many scopes it opened.
 */
function announceAfterCommit(tx: TxContext, organizationId: string, onCommitted: OrganizationChangeListener): void {
  if (!tx.afterCommit) return;
  const organizations = announcing.get(tx.afterCommit) ?? new Set<string>();
  announcing.set(tx.afterCommit, organizations);
  if (organizations.has(organizationId)) return;
  organizations.add(organizationId);
  tx.afterCommit(() => onCommitted(organizationId));
}

/** One statement: MariaDB `SELECT … FOR UPDATE` returns the row it locked; SQLite has one writer and needs no lock. */
async function lockOrganization(em: EntityManager, organizationId: string, isSqlite: boolean): Promise<Organization> {
  const org = isSqlite
    ? await em.findOne(Organization, { where: { id: organizationId } })
    : await em.findOne(Organization, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
  if (!org) throw notFound('Organization', organizationId);
  return org;
}

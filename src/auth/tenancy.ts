import { EntityManager, FindOptionsWhere } from 'typeorm';
import { Organization } from '../../entities';
import { requestReads } from '../db/request-reads';
import { notFound } from '../errors/errors';
import { requireAuthenticated } from './guards';
import type { Viewer } from './viewer';

/**
 * R5 tenancy, in one place: a user sees its own organization only, an operator sees every organization, and
 * anything not visible answers NOT_FOUND — never FORBIDDEN, so no id of another organization leaks.
 * Mutations reach these through the organization scope (db/organization-scope.ts); queries call them directly.
 */

/** A row owned by one organization. */
export interface Owned {
  id: string;
  organizationId: string;
}

/** An entity class whose rows are owned by one organization. */
export type OwnedEntity<E extends Owned = Owned> = new () => E;

/** The name NOT_FOUND uses for a row of `entity` (the API's name where it differs from the class). */
const LABELS: Record<string, string> = { TrainingAssignment: 'Assignment' };
const labelOf = (entity: { name: string }): string => LABELS[entity.name] ?? entity.name;

/** The organization a request acts on. A user acts on its own (another id answers NOT_FOUND); an operator names one. */
export function targetOrganizationId(viewer: Viewer, requested?: string | null): string {
  requireAuthenticated(viewer);
  if (viewer.isOperator) {
    if (!requested) throw notFound('Organization', '(none given: operators must pass organizationId)');
    return requested;
  }
  if (requested && requested !== viewer.organizationId) throw notFound('Organization', requested);
  return viewer.organizationId!;
}

/** No id → the viewer's own organization (null for an operator, who has none); another one's id → operators only. */
export async function findOrganizationForViewer(
  ctx: { viewer: Viewer; em: EntityManager },
  id?: string | null,
): Promise<Organization | null> {
  requireAuthenticated(ctx.viewer);
  const wanted = id ?? ctx.viewer.organizationId;
  if (!wanted) return null;
  if (!ctx.viewer.isOperator && wanted !== ctx.viewer.organizationId) throw notFound('Organization', wanted);
  // Through the operation's shared reads when there are some: its contract and open period come with it.
  const reads = requestReads(ctx.em);
  const org = reads
    ? await reads.organization.load(wanted)
    : await ctx.em.findOne(Organization, { where: { id: wanted } });
  if (!org) throw notFound('Organization', wanted);
  return org;
}

/** A row of the viewer's organization (of any, for operators); anything else is NOT_FOUND. */
export async function findVisible<E extends Owned>(
  ctx: { viewer: Viewer; em: EntityManager },
  entity: OwnedEntity<E>,
  id: string,
): Promise<E> {
  requireAuthenticated(ctx.viewer);
  const row = await ctx.em.findOne(entity, { where: { id } as FindOptionsWhere<E> });
  if (!row || (!ctx.viewer.isOperator && row.organizationId !== ctx.viewer.organizationId))
    throw notFound(labelOf(entity), id);
  return row;
}

/** A row of `organizationId` (already resolved for the viewer); anything else is NOT_FOUND. */
export async function findInOrganization<E extends Owned>(
  em: EntityManager,
  entity: OwnedEntity<E>,
  id: string,
  organizationId: string,
): Promise<E> {
  const row = await em.findOne(entity, { where: { id, organizationId } as FindOptionsWhere<E> });
  if (!row) throw notFound(labelOf(entity), id);
  return row;
}

import { Permission } from '../../entities';
import { forbidden, notFound, unauthenticated } from '../errors/errors';
import type { Viewer } from './viewer';

export function requireAuthenticated(viewer: Viewer): void {
  if (!viewer.authenticated) throw unauthenticated();
}

/** Operator mutations: platform operators alone (R5). */
export function requireOperator(viewer: Viewer): void {
  requireAuthenticated(viewer);
  if (!viewer.isOperator) throw forbidden('Only platform operators may do this');
}

/** R4: the viewer must hold the permission in the organization concerned (operators hold all). */
export function requirePermission(viewer: Viewer, permission: Permission, organizationId?: string | null): void {
  requireAuthenticated(viewer);
  if (viewer.isOperator) return;
  if (organizationId && organizationId !== viewer.organizationId) throw forbidden(`Requires ${permission} in this organization`);
  if (!viewer.permissions.has(permission)) throw forbidden(`Requires the ${permission} permission`);
}

/**
 * R5 tenancy: the organization a request acts on. A user acts on its own (another id answers NOT_FOUND, never
 * FORBIDDEN); an operator names one.
 */
export function targetOrganizationId(viewer: Viewer, requested?: string | null): string {
  requireAuthenticated(viewer);
  if (viewer.isOperator) {
    if (!requested) throw notFound('Organization', '(none given: operators must pass organizationId)');
    return requested;
  }
  if (requested && requested !== viewer.organizationId) throw notFound('Organization', requested);
  return viewer.organizationId!;
}

/** R3 no escalation: a viewer grants (or takes away) only permissions it holds itself. */
export function requireHolds(viewer: Viewer, permissions: Iterable<Permission>): void {
  if (viewer.isOperator) return;
  for (const p of permissions) {
    if (!viewer.permissions.has(p)) throw forbidden(`You cannot grant or revoke ${p}: you do not hold it yourself`);
  }
}

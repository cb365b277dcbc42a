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

/**
 * R4: the viewer must hold the permission in the organization concerned (operators hold all). Called by the
 * `@hasPermission` directive alone (schema/auth-directives.ts). Another organization's object is NOT_FOUND
 * (R5), never FORBIDDEN: nothing about it leaks.
 */
export function requirePermission(viewer: Viewer, permission: Permission, organizationId?: string | null): void {
  requireAuthenticated(viewer);
  if (viewer.isOperator) return;
  if (organizationId && organizationId !== viewer.organizationId) throw notFound('Organization', organizationId);
  if (!viewer.permissions.has(permission)) throw forbidden(`Requires the ${permission} permission`);
}

/**
 * R14: who may start a training — the assignee itself, a holder of ASSIGN_CONTENT, or an operator. The one
 * permission rule the directive cannot express (it depends on the assignment), so startTraining has no directive.
 */
export function requireAssigneeOrAssignContent(viewer: Viewer, assignment: { userId: string }): void {
  requireAuthenticated(viewer);
  if (viewer.isOperator || viewer.subject === assignment.userId || viewer.permissions.has(Permission.ASSIGN_CONTENT))
    return;
  throw forbidden('Only the assignee, a holder of ASSIGN_CONTENT or an operator may start this training');
}

/** R3 no escalation: a viewer grants (or takes away) only permissions it holds itself. */
export function requireHolds(viewer: Viewer, permissions: Iterable<Permission>): void {
  if (viewer.isOperator) return;
  for (const p of permissions) {
    if (!viewer.permissions.has(p)) throw forbidden(`You cannot grant or revoke ${p}: you do not hold it yourself`);
  }
}

import { ALL_PERMISSIONS, Permission } from '../../entities/enums';
import { requireAssigneeOrAssignContent, requirePermission } from '../../src/auth/guards';
import type { Viewer } from '../../src/auth/viewer';
import { BillingError } from '../../src/errors/errors';
import { operatorViewer } from '../support/viewers';

const user = (permissions: readonly Permission[], organizationId = 'org-a', subject = 'user-1'): Viewer => ({
  authenticated: true,
  isOperator: false,
  subject,
  user: null,
  organizationId,
  permissions: new Set(permissions),
});
const operator: Viewer = operatorViewer('op');
const anonymous: Viewer = {
  authenticated: false,
  isOperator: false,
  subject: null,
  user: null,
  organizationId: null,
  permissions: new Set(),
};

function codeOf(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (error) {
    return String((error as BillingError).extensions.code);
  }
}

describe('guards', () => {
  it("R5: another organization's object answers NOT_FOUND, never FORBIDDEN — even to a holder of every permission", () => {
    expect(codeOf(() => requirePermission(user(ALL_PERMISSIONS), Permission.MANAGE_BILLING, 'org-b'))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(() => requirePermission(user([]), Permission.MANAGE_BILLING, 'org-b'))).toBe('NOT_FOUND');
  });

  it('R4: in its own organization (or at the root) the viewer must hold the permission; operators hold all', () => {
    expect(codeOf(() => requirePermission(user([Permission.MANAGE_USERS]), Permission.MANAGE_BILLING, 'org-a'))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(() => requirePermission(user([Permission.MANAGE_USERS]), Permission.MANAGE_BILLING))).toBe(
      'FORBIDDEN',
    );
    expect(
      codeOf(() => requirePermission(user([Permission.MANAGE_BILLING]), Permission.MANAGE_BILLING, 'org-a')),
    ).toBeNull();
    expect(codeOf(() => requirePermission(operator, Permission.MANAGE_BILLING, 'org-b'))).toBeNull();
    expect(codeOf(() => requirePermission(anonymous, Permission.MANAGE_BILLING))).toBe('UNAUTHENTICATED');
  });

  it('R14: a training is started by its assignee, a holder of ASSIGN_CONTENT, or an operator', () => {
    const assignment = { userId: 'user-1' };
    expect(codeOf(() => requireAssigneeOrAssignContent(user([], 'org-a', 'user-1'), assignment))).toBeNull();
    expect(
      codeOf(() => requireAssigneeOrAssignContent(user([Permission.ASSIGN_CONTENT], 'org-a', 'user-2'), assignment)),
    ).toBeNull();
    expect(codeOf(() => requireAssigneeOrAssignContent(operator, assignment))).toBeNull();
    expect(
      codeOf(() => requireAssigneeOrAssignContent(user([Permission.MANAGE_BILLING], 'org-a', 'user-2'), assignment)),
    ).toBe('FORBIDDEN');
    expect(codeOf(() => requireAssigneeOrAssignContent(anonymous, assignment))).toBe('UNAUTHENTICATED');
  });
});

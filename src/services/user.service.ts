import { declareMoved, movedByLicenseChange } from './moved-metrics';
import { LicenseKind, Location, LocationStatus, Permission, Role, User, UserStatus } from '../../entities';
import { EntityManager } from 'typeorm';
import { requireHolds } from '../auth/guards';
import { Page, PageArgs, pageOfOrganization } from '../db/paginate';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput, conflict, lastBillingManager, notFound } from '../errors/errors';
import { Clock } from '../common/clock';
import type { LicenseService } from './license.service';
import { roleGrants } from '../auth/permissions';
import { PermissionService } from './permission.service';
import type { ServiceContext } from './service-context';
import { AuditAction } from '../../entities';
import { type AuditLog, changedFields, createdFields } from './audit-log';
import { requiredText } from './text';
import type { UsageService } from './usage.service';
import { ALL_PERMISSIONS } from '../../entities/enums';

export interface AddUserInput {
  email: string;
  name: string;
  role?: Role | null;
  locationId?: string | null;
}

/** Users of an organization: R1–R3 for who may change them, R8 for what activation means. */
export class UserService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly permissions: PermissionService,
    private readonly usage: UsageService,
    private readonly licenses: LicenseService,
    private readonly audit: AuditLog,
  ) {}

  list(
    em: EntityManager,
    organizationId: string,
    status: UserStatus | null | undefined,
    page: PageArgs,
  ): Promise<Page<User>> {
    return pageOfOrganization(em, User, organizationId, status, page, { column: 'createdAt' });
  }

  async add(ctx: ServiceContext, input: AddUserInput, organizationIdArg?: string | null): Promise<User> {
    const role = input.role ?? Role.EMPLOYEE;
    return this.uow.forOrganization(ctx, { organizationId: organizationIdArg }, {}, async (tx) => {
      const { organizationId } = tx;
      // R3: giving someone a role gives its permissions; only what the viewer holds may be given.
      const roleOverrides = await this.permissions.roleOverrides(tx.em, organizationId);
      requireHolds(
        ctx.viewer,
        ALL_PERMISSIONS.filter((p) => roleGrants(role, p, roleOverrides)),
      );
      const email = input.email.trim().toLowerCase();
      if (await tx.em.exists(User, { where: { email } })) throw conflict(`A user with email ${email} already exists`);
      // Any locationId given is checked ("" included): an unchecked one would reach the foreign key as a database error.
      if (input.locationId != null) await this.requireActiveLocation(tx.em, organizationId, input.locationId);
      const now = this.clock.now();
      const user = await tx.em.save(
        tx.em.create(User, {
          organizationId,
          email,
          name: requiredText('name', input.name),
          role,
          status: UserStatus.ACTIVE,
          locationId: input.locationId ?? null,
          createdAt: now,
          activatedAt: now,
          deactivatedAt: null,
        }),
      );
      // R8/R9: the activation is on the usage timeline; R11: beyond the contract it alerts or is refused. R31: its
      // audit event is issued with the timeline's writes (independent statements, sent back to back).
      await Promise.all([
        this.usage.record(tx, {
          organizationId,
          kind: LicenseKind.USER,
          subjectId: user.id,
          delta: 1,
          occurredAt: now,
        }),
        this.audit.record(tx, {
          action: AuditAction.USER_ADDED,
          targetType: 'User',
          targetId: user.id,
          changes: createdFields({ email, name: user.name, role, status: user.status, locationId: user.locationId }),
          at: now,
        }),
      ]);
      const { inUse, billedMayChange } = await this.licenses.afterActivation(
        tx,
        organizationId,
        { kind: LicenseKind.USER, userId: user.id },
        now,
      );
      declareMoved(tx, movedByLicenseChange(LicenseKind.USER, inUse, billedMayChange));
      return user;
    });
  }

  /** R8: frees the user's seat. R3: never the last active billing manager. */
  async deactivate(ctx: ServiceContext, id: string): Promise<User> {
    return this.uow.forOrganization(ctx, { owner: User, id }, {}, async (tx) => {
      const fresh = await tx.find(User, id);
      if (fresh.status === UserStatus.DEACTIVATED) throw conflict('The user is already deactivated');
      const before = { status: fresh.status, deactivatedAt: fresh.deactivatedAt };
      fresh.status = UserStatus.DEACTIVATED;
      const now = this.clock.now();
      fresh.deactivatedAt = now;
      await tx.em.save(fresh);
      await this.usage.record(tx, {
        organizationId: fresh.organizationId,
        kind: LicenseKind.USER,
        subjectId: id,
        delta: -1,
        occurredAt: now,
      });
      await this.assertBillingManagerRemains(tx, tx.organizationId);
      // R25: back within the contract ends the overage condition.
      await this.licenses.resolveOverage(tx, tx.organizationId, LicenseKind.USER);
      await this.audit.record(tx, {
        action: AuditAction.USER_DEACTIVATED,
        targetType: 'User',
        targetId: id,
        changes: changedFields(before, fresh, ['status', 'deactivatedAt']),
        at: now,
      });
      declareMoved(tx, movedByLicenseChange(LicenseKind.USER, null, false));
      return fresh;
    });
  }

  /** R8: takes a seat again, with no new purchase. */
  async reactivate(ctx: ServiceContext, id: string): Promise<User> {
    return this.uow.forOrganization(ctx, { owner: User, id }, {}, async (tx) => {
      const fresh = await tx.find(User, id);
      if (fresh.status === UserStatus.ACTIVE) throw conflict('The user is already active');
      // R3: reactivating gives the user its permissions back; only what the viewer holds may be given.
      requireHolds(ctx.viewer, await this.permissions.forUser(tx.em, { ...fresh, status: UserStatus.ACTIVE }));
      const before = { status: fresh.status, activatedAt: fresh.activatedAt, deactivatedAt: fresh.deactivatedAt };
      fresh.status = UserStatus.ACTIVE;
      const now = this.clock.now();
      fresh.activatedAt = now;
      fresh.deactivatedAt = null;
      const saved = await tx.em.save(fresh);
      await this.usage.record(tx, {
        organizationId: fresh.organizationId,
        kind: LicenseKind.USER,
        subjectId: id,
        delta: 1,
        occurredAt: now,
      });
      const { inUse, billedMayChange } = await this.licenses.afterActivation(
        tx,
        fresh.organizationId,
        { kind: LicenseKind.USER, userId: id },
        now,
      );
      await this.audit.record(tx, {
        action: AuditAction.USER_REACTIVATED,
        targetType: 'User',
        targetId: id,
        changes: changedFields(before, fresh, ['status', 'activatedAt', 'deactivatedAt']),
        at: now,
      });
      declareMoved(tx, movedByLicenseChange(LicenseKind.USER, inUse, billedMayChange));
      return saved;
    });
  }

  /** R3: checked after a change inside its transaction, so a refused change rolls back whole. */
  async assertBillingManagerRemains(tx: ServiceContext, organizationId: string): Promise<void> {
    const holders = await this.permissions.activeHolders(tx.em, organizationId, Permission.MANAGE_BILLING);
    if (holders.length === 0) throw lastBillingManager();
  }

  private async requireActiveLocation(em: EntityManager, organizationId: string, locationId: string): Promise<void> {
    const location = await em.findOne(Location, { where: { id: locationId, organizationId } });
    if (!location) throw notFound('Location', locationId);
    if (location.status !== LocationStatus.ACTIVE) throw badInput('locationId', 'The location is inactive');
  }
}

/**
 * R3 for R32's preview of `count` deactivations among the `active` users, none of them named: a billing manager can
 * stay whenever anyone stays active (an organization always has one, and the ones deactivated can be others), so
 * only deactivating every active user — or more — is refused, with deactivateUser's own error (LAST_BILLING_MANAGER:
 * deactivating them one by one fails there first).
 */
export function assertDeactivationsLeaveBillingManager(active: number, count: number): void {
  if (count >= active) throw lastBillingManager();
}

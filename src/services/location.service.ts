import { declareMoved, movedByLicenseChange } from './moved-metrics';
import { EntityManager } from 'typeorm';
import { AuditAction, LicenseKind, Location, LocationStatus } from '../../entities';
import { type AuditLog, changedFields, createdFields } from './audit-log';
import { UnitOfWork } from '../db/unit-of-work';
import { conflict } from '../errors/errors';
import { Clock } from '../common/clock';
import type { LicenseService } from './license.service';
import type { ServiceContext } from './service-context';
import { requiredText } from './text';
import type { UsageService } from './usage.service';

/** Locations of an organization (R10: under the LOCATION model, each active one is a license). */
export class LocationService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly usage: UsageService,
    private readonly licenses: LicenseService,
    private readonly audit: AuditLog,
  ) {}

  list(em: EntityManager, organizationId: string, status?: LocationStatus | null): Promise<Location[]> {
    return em.find(Location, {
      where: status ? { organizationId, status } : { organizationId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async add(ctx: ServiceContext, input: { name: string }, organizationIdArg?: string | null): Promise<Location> {
    return this.uow.forOrganization(ctx, { organizationId: organizationIdArg }, {}, async (tx) => {
      const { organizationId } = tx;
      const name = requiredText('name', input.name);
      if (await tx.em.exists(Location, { where: { organizationId, name, status: LocationStatus.ACTIVE } })) {
        throw conflict(`An active location named "${name}" already exists`);
      }
      const now = this.clock.now();
      const location = await tx.em.save(
        tx.em.create(Location, {
          organizationId,
          name,
          status: LocationStatus.ACTIVE,
          createdAt: now,
          deactivatedAt: null,
        }),
      );
      // R10/R9: the addition is on the usage timeline; R11: beyond the contract it alerts or is refused.
      await this.usage.record(tx, {
        organizationId,
        kind: LicenseKind.LOCATION,
        subjectId: location.id,
        delta: 1,
        occurredAt: now,
      });
      const { inUse, billedMayChange } = await this.licenses.afterActivation(
        tx,
        organizationId,
        { kind: LicenseKind.LOCATION, location },
        now,
      );
      await this.audit.record(tx, {
        action: AuditAction.LOCATION_ADDED,
        targetType: 'Location',
        targetId: location.id,
        changes: createdFields({ name, status: location.status }),
        at: now,
      });
      declareMoved(tx, movedByLicenseChange(LicenseKind.LOCATION, inUse, billedMayChange));
      return location;
    });
  }

  async deactivate(ctx: ServiceContext, id: string): Promise<Location> {
    return this.uow.forOrganization(ctx, { owner: Location, id }, {}, async (tx) => {
      const fresh = await tx.find(Location, id);
      if (fresh.status === LocationStatus.INACTIVE) throw conflict('The location is already inactive');
      const before = { status: fresh.status, deactivatedAt: fresh.deactivatedAt };
      fresh.status = LocationStatus.INACTIVE;
      const now = this.clock.now();
      fresh.deactivatedAt = now;
      const saved = await tx.em.save(fresh);
      await this.usage.record(tx, {
        organizationId: fresh.organizationId,
        kind: LicenseKind.LOCATION,
        subjectId: id,
        delta: -1,
        occurredAt: now,
      });
      // R25: back within the contract ends the overage condition.
      await this.licenses.resolveOverage(tx, tx.organizationId, LicenseKind.LOCATION);
      await this.audit.record(tx, {
        action: AuditAction.LOCATION_DEACTIVATED,
        targetType: 'Location',
        targetId: id,
        changes: changedFields(before, fresh, ['status', 'deactivatedAt']),
        at: now,
      });
      declareMoved(tx, movedByLicenseChange(LicenseKind.LOCATION, null, false));
      return saved;
    });
  }
}

/**
 * R32's preview of `count` location deactivations among the `active` locations: more than are active is refused with
 * deactivateLocation's error for a location that is not active (CONFLICT).
 */
export function assertLocationsToDeactivate(active: number, count: number): void {
  if (count > active)
    throw conflict(`Only ${active} location${active === 1 ? ' is' : 's are'} active: ${count} cannot be deactivated`);
}

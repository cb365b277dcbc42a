import { EntityManager } from 'typeorm';
import { Location, LocationStatus, Permission } from '../../entities';
import { requirePermission, targetOrganizationId } from '../auth/guards';
import { UnitOfWork } from '../db/unit-of-work';
import { conflict, notFound } from '../errors/errors';
import { Clock } from './clock';
import { OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';
import { requiredText } from './text';

/** Locations of an organization (R10: under the LOCATION model, each active one is a license). */
export class LocationService {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly organizations: OrganizationService) {}

  list(em: EntityManager, organizationId: string, status?: LocationStatus | null): Promise<Location[]> {
    return em.find(Location, { where: status ? { organizationId, status } : { organizationId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async add(ctx: ServiceContext, input: { name: string }, organizationIdArg?: string | null): Promise<Location> {
    const organizationId = targetOrganizationId(ctx.viewer, organizationIdArg);
    requirePermission(ctx.viewer, Permission.MANAGE_USERS, organizationId);
    return this.uow.run(ctx, async (tx) => {
      await this.organizations.lockForChange(tx, organizationId);
      const name = requiredText('name', input.name);
      if (await tx.em.exists(Location, { where: { organizationId, name, status: LocationStatus.ACTIVE } })) {
        throw conflict(`An active location named "${name}" already exists`);
      }
      return tx.em.save(tx.em.create(Location, { organizationId, name, status: LocationStatus.ACTIVE, createdAt: this.clock.now(), deactivatedAt: null }));
    });
  }

  async deactivate(ctx: ServiceContext, id: string): Promise<Location> {
    return this.uow.run(ctx, async (tx) => {
      const location = await this.findVisible(tx, id);
      requirePermission(ctx.viewer, Permission.MANAGE_USERS, location.organizationId);
      await this.organizations.lockForChange(tx, location.organizationId);
      const fresh = await tx.em.findOneByOrFail(Location, { id });
      if (fresh.status === LocationStatus.INACTIVE) throw conflict('The location is already inactive');
      fresh.status = LocationStatus.INACTIVE;
      fresh.deactivatedAt = this.clock.now();
      return tx.em.save(fresh);
    });
  }

  /** R5: a location of the viewer's organization (any, for operators); anything else is NOT_FOUND. */
  async findVisible(ctx: ServiceContext, id: string): Promise<Location> {
    const location = await ctx.em.findOne(Location, { where: { id } });
    if (!location || (!ctx.viewer.isOperator && location.organizationId !== ctx.viewer.organizationId)) throw notFound('Location', id);
    return location;
  }
}

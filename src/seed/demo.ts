import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { ALL_PERMISSIONS, LicenseKind, Organization, Role } from '../../entities';
import type { Viewer } from '../auth/viewer';
import type { Services } from '../services';

export const DEMO_ADMIN_EMAIL = 'admin@acme.example';

const seeder: Viewer = {
  authenticated: true,
  isOperator: true,
  subject: 'demo-seed',
  user: null,
  organizationId: null,
  permissions: new Set(ALL_PERMISSIONS),
  system: true,
};

/**
 * An empty embedded database gets a demo organization (USER model, 5 seats): an admin, a manager, three
 * employees and two locations — made through the same services, so the same rules apply.
 */
export async function seedDemoIfEmpty(services: Services, dataSource: DataSource, log: Logger): Promise<void> {
  if ((await dataSource.manager.count(Organization)) > 0) return;
  const ctx = { viewer: seeder, em: dataSource.manager };
  const org = await services.organizations.create(ctx, {
    name: 'Acme Logistics',
    admin: { email: DEMO_ADMIN_EMAIL, name: 'Ada Admin' },
    contract: {
      licenseModel: LicenseKind.USER,
      contractedSeats: 5,
      seatPriceCents: 1500,
      locationPriceCents: 9900,
      contractedLocations: 2,
      creditUnitPriceCents: 1000,
      paymentTermsDays: 30,
    },
  });
  const [warehouse, store] = [
    await services.locations.add(ctx, { name: 'Main Warehouse' }, org.id),
    await services.locations.add(ctx, { name: 'Downtown Store' }, org.id),
  ];
  await services.users.add(
    ctx,
    { email: 'manager@acme.example', name: 'Max Manager', role: Role.MANAGER, locationId: warehouse.id },
    org.id,
  );
  await services.users.add(
    ctx,
    { email: 'emma@acme.example', name: 'Emma Employee', role: Role.EMPLOYEE, locationId: warehouse.id },
    org.id,
  );
  await services.users.add(
    ctx,
    { email: 'eli@acme.example', name: 'Eli Employee', role: Role.EMPLOYEE, locationId: store.id },
    org.id,
  );
  await services.users.add(
    ctx,
    { email: 'eve@acme.example', name: 'Eve Employee', role: Role.EMPLOYEE, locationId: store.id },
    org.id,
  );
  log.info({ organization: org.name }, 'seeded the demo organization');
}

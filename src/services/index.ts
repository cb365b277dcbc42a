import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import { UnitOfWork } from '../db/unit-of-work';
import type { BillingPubSub } from '../pubsub/pubsub';
import { AccessService } from './access.service';
import { AlertService } from './alert.service';
import { AlertStreamService } from './alert-stream.service';
import { Clock, systemClock } from './clock';
import { LicenseService } from './license.service';
import { LocationService } from './location.service';
import { OrganizationService } from './organization.service';
import { PermissionService } from './permission.service';
import { UsageService } from './usage.service';
import { UserService } from './user.service';

/** Every service of one server instance, wired once at start. */
export function createServices(deps: { dataSource: DataSource; config: AppConfig; log: Logger; pubSub: BillingPubSub; clock?: Clock }) {
  const clock = deps.clock ?? systemClock;
  const uow = new UnitOfWork(deps.dataSource, deps.log);
  const permissions = new PermissionService();
  const usage = new UsageService();
  const organizations = new OrganizationService(uow, clock, usage);
  const alerts = new AlertService(clock, deps.pubSub, uow, organizations);
  const alertStream = new AlertStreamService(deps.dataSource.manager, deps.pubSub, permissions);
  const licenses = new LicenseService(organizations, usage, alerts);
  const users = new UserService(uow, clock, organizations, permissions, usage, licenses);
  const locations = new LocationService(uow, clock, organizations, usage, licenses);
  const access = new AccessService(uow, organizations, permissions, users);
  return { clock, uow, pubSub: deps.pubSub, permissions, alerts, alertStream, usage, licenses, organizations, users, locations, access };
}

export type Services = ReturnType<typeof createServices>;

import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import { UnitOfWork } from '../db/unit-of-work';
import type { BillingPubSub } from '../pubsub/pubsub';
import { AccessService } from './access.service';
import { AlertService } from './alert.service';
import { Clock, systemClock } from './clock';
import { LocationService } from './location.service';
import { OrganizationService } from './organization.service';
import { PermissionService } from './permission.service';
import { UserService } from './user.service';
import { BillingContactsService } from './billing-contacts.service';
import { InvoiceService } from './invoice.service';
import { NotificationService } from './notification.service';

/** Every service of one server instance, wired once at start. */
export function createServices(deps: { dataSource: DataSource; config: AppConfig; log: Logger; pubSub: BillingPubSub; clock?: Clock }) {
  const clock = deps.clock ?? systemClock;
  const uow = new UnitOfWork(deps.dataSource, deps.log);
  const permissions = new PermissionService();
  const alerts = new AlertService(clock, deps.pubSub);
  const organizations = new OrganizationService(uow, clock);
  const users = new UserService(uow, clock, organizations, permissions);
  const locations = new LocationService(uow, clock, organizations);
  const access = new AccessService(uow, organizations, permissions, users);
  const contacts = new BillingContactsService(uow, organizations, permissions);
  const notifications = new NotificationService(clock);
  const invoices = new InvoiceService(uow, clock, deps.config, organizations, contacts, notifications, []);
  return { clock, uow, pubSub: deps.pubSub, permissions, alerts, organizations, users, locations, access, contacts, notifications, invoices };
}

export type Services = ReturnType<typeof createServices>;

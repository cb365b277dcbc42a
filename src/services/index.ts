import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import { UnitOfWork } from '../db/unit-of-work';
import type { BillingPubSub } from '../pubsub/pubsub';
import { AccessService } from './access.service';
import type { PaymentProvider } from '../payments/payment-provider';
import { SandboxPaymentProvider } from '../payments/sandbox-provider';
import { AlertService } from './alert.service';
import { AssignmentService } from './assignment.service';
import { Clock, systemClock } from './clock';
import { CreditService } from './credit.service';
import { IdempotencyService } from './idempotency.service';
import { LocationService } from './location.service';
import { OrganizationService } from './organization.service';
import { PermissionService } from './permission.service';
import { UserService } from './user.service';

/** Every service of one server instance, wired once at start. */
export function createServices(deps: { dataSource: DataSource; config: AppConfig; log: Logger; pubSub: BillingPubSub; clock?: Clock; paymentProvider?: PaymentProvider }) {
  const clock = deps.clock ?? systemClock;
  const uow = new UnitOfWork(deps.dataSource, deps.log);
  const permissions = new PermissionService();
  const alerts = new AlertService(clock, deps.pubSub);
  const organizations = new OrganizationService(uow, clock);
  const users = new UserService(uow, clock, organizations, permissions);
  const locations = new LocationService(uow, clock, organizations);
  const access = new AccessService(uow, organizations, permissions, users);
  // R20: the sandbox provider unless a real adapter is injected (createApp options)
  const paymentProvider = deps.paymentProvider ?? new SandboxPaymentProvider(clock);
  const idempotency = new IdempotencyService(clock);
  const credits = new CreditService(uow, clock, organizations, alerts, idempotency, paymentProvider);
  const assignments = new AssignmentService(uow, clock, organizations, users, credits);
  return {
    clock, uow, pubSub: deps.pubSub, permissions, alerts, organizations, users, locations, access,
    paymentProvider, idempotency, credits, assignments,
  };
}

export type Services = ReturnType<typeof createServices>;

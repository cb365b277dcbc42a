import { AuditAction, Organization, OrganizationStatus, NotificationKind } from '../../entities';
import { type AuditLog, changedFields } from './audit-log';
import { requireOperator } from '../auth/guards';
import type { AppConfig } from '../config/config';
import { UnitOfWork } from '../db/unit-of-work';
import { conflict, organizationTerminated } from '../errors/errors';
import { terminationMail } from '../notifications/templates';
import { BillingContactsService } from './billing-contacts.service';
import { Clock } from '../common/clock';
import { InvoiceService } from './invoice.service';
import { OutboxWriter } from './outbox-writer';
import { OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';

/**
 * R21: the end of an organization's contract — requested by the organization, finalized by an operator into a
 * last invoice. A terminated organization is then refused by the organization scope (unless `allowTerminated`).
 */
export class OrganizationLifecycleService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: Pick<AppConfig, 'supportEmail' | 'billingPortalUrl'>,
    private readonly organizations: OrganizationService,
    private readonly invoices: InvoiceService,
    private readonly contacts: BillingContactsService,
    private readonly outboxWriter: OutboxWriter,
    private readonly audit: AuditLog,
  ) {}

  /** R21: the organization asks to end its contract; support and the billing recipients are told. */
  async requestTermination(ctx: ServiceContext, reason: string | null | undefined): Promise<Organization> {
    return this.uow.forOrganization(ctx, { organizationId: null }, {}, async (tx) => {
      const { organization: org, organizationId } = tx;
      if (org.status !== OrganizationStatus.ACTIVE) throw conflict('Termination has already been requested');
      const before = { status: org.status, terminationRequestedAt: org.terminationRequestedAt };
      org.status = OrganizationStatus.TERMINATION_REQUESTED;
      org.terminationRequestedAt = this.clock.now();
      org.terminationReason = reason?.trim() || null;
      await tx.em.save(org);
      await this.audit.record(tx, {
        action: AuditAction.TERMINATION_REQUESTED,
        targetType: 'Organization',
        targetId: organizationId,
        changes: changedFields(before, org, ['status', 'terminationRequestedAt']),
        reason: org.terminationReason,
        at: org.terminationRequestedAt!,
      });
      const recipients = [
        ...new Set([
          this.config.supportEmail.toLowerCase(),
          ...(await this.contacts.recipients(tx.em, organizationId, org)),
        ]),
      ];
      await this.outboxWriter.enqueue(tx, {
        organizationId,
        kind: NotificationKind.TERMINATION_REQUESTED,
        recipients,
        mail: terminationMail(org.name, org.id, org.terminationReason, this.config.billingPortalUrl),
      });
      return org;
    });
  }

  /** R21, operators: closes the last period into a final invoice and ends the organization. Open invoices stay payable. */
  async finalizeTermination(ctx: ServiceContext, organizationId: string): Promise<Organization> {
    requireOperator(ctx.viewer);
    return this.uow.forOrganization(ctx, { organizationId }, {}, async (tx) => {
      const org = tx.organization;
      if (org.status === OrganizationStatus.TERMINATED) throw organizationTerminated(); // (the scope refuses it already)
      const period = await this.organizations.currentPeriod(tx.em, organizationId);
      if (period) await this.invoices.closePeriod(tx, org, period, this.clock.now(), { final: true });
      const before = { status: org.status, terminatedAt: org.terminatedAt };
      org.status = OrganizationStatus.TERMINATED;
      org.terminatedAt = this.clock.now();
      org.terminationRequestedAt ??= org.terminatedAt;
      const saved = await tx.em.save(org);
      await this.audit.record(tx, {
        action: AuditAction.TERMINATION_FINALIZED,
        targetType: 'Organization',
        targetId: organizationId,
        changes: changedFields(before, org, ['status', 'terminatedAt']),
        reason: org.terminationReason,
        at: org.terminatedAt,
      });
      return saved;
    });
  }
}

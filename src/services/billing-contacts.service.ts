import { EntityManager } from 'typeorm';
import { isEmail } from 'class-validator';
import { AuditAction, Organization, Permission } from '../../entities';
import { type AuditLog, changedFields } from './audit-log';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput } from '../errors/errors';
import { PermissionService } from './permission.service';
import type { ServiceContext } from './service-context';
import { MAX_ADDITIONAL_EMAILS } from './bounds';
import { checkText } from './text';
import { MAX_LENGTH } from '../../entities/lengths';

export interface BillingContacts {
  pointOfContactEmail: string | null;
  additionalEmails: string[];
  recipients: string[];
}

/** R22: who invoice notifications go to. */
export class BillingContactsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly permissions: PermissionService,
    private readonly audit: AuditLog,
  ) {}

  async contacts(em: EntityManager, organizationId: string): Promise<BillingContacts> {
    const org = await em.findOneByOrFail(Organization, { id: organizationId });
    return {
      pointOfContactEmail: org.pointOfContactEmail,
      additionalEmails: org.additionalBillingEmails ?? [],
      recipients: await this.recipients(em, organizationId, org),
    };
  }

  /** The point of contact, the additional emails and every active user holding MANAGE_BILLING — lower-cased, each once. */
  async recipients(em: EntityManager, organizationId: string, loaded?: Organization): Promise<string[]> {
    const org = loaded ?? (await em.findOneByOrFail(Organization, { id: organizationId }));
    const holders = await this.permissions.activeHolders(em, organizationId, Permission.MANAGE_BILLING);
    const all = [org.pointOfContactEmail, ...(org.additionalBillingEmails ?? []), ...holders.map((u) => u.email)];
    return [...new Set(all.filter((e): e is string => Boolean(e)).map((e) => e.trim().toLowerCase()))];
  }

  /**
   * Fields left out keep their value; `pointOfContactEmail: ""` (or null) clears it. Allowed after termination
   * (R21: payment obligations survive, so the invoices must still reach someone).
   */
  async update(
    ctx: ServiceContext,
    input: { pointOfContactEmail?: string | null; additionalEmails?: string[] | null },
    organizationIdArg?: string | null,
  ): Promise<BillingContacts> {
    const poc =
      input.pointOfContactEmail === undefined
        ? undefined
        : normalizeEmail('pointOfContactEmail', input.pointOfContactEmail);
    let additional: string[] | undefined;
    if (input.additionalEmails !== undefined && input.additionalEmails !== null) {
      if (input.additionalEmails.length > MAX_ADDITIONAL_EMAILS)
        throw badInput('additionalEmails', `At most ${MAX_ADDITIONAL_EMAILS} additional emails`);
      additional = [
        ...new Set(input.additionalEmails.map((e, i) => normalizeEmail(`additionalEmails.${i}`, e)!).filter(Boolean)),
      ];
    }
    return this.uow.forOrganization(
      ctx,
      { organizationId: organizationIdArg },
      { allowTerminated: true },
      async (tx) => {
        const { organization: org, organizationId } = tx;
        const before = {
          pointOfContactEmail: org.pointOfContactEmail,
          additionalEmails: org.additionalBillingEmails ?? [],
        };
        if (poc !== undefined) org.pointOfContactEmail = poc;
        if (additional !== undefined) org.additionalBillingEmails = additional;
        await tx.em.save(org);
        await this.audit.record(tx, {
          action: AuditAction.BILLING_CONTACTS_UPDATED,
          targetType: 'Organization',
          targetId: organizationId,
          changes: changedFields(
            before,
            { pointOfContactEmail: org.pointOfContactEmail, additionalEmails: org.additionalBillingEmails ?? [] },
            ['pointOfContactEmail', 'additionalEmails'],
          ),
        });
        return this.contacts(tx.em, organizationId);
      },
    );
  }
}

function normalizeEmail(field: string, value: string | null): string | null {
  if (value === null || value.trim() === '') return null;
  checkText(field, value, { max: MAX_LENGTH.email }); // R34: the column's length, no control or invisible characters
  const email = value.trim().toLowerCase();
  if (email.length > MAX_LENGTH.email || !isEmail(email))
    throw badInput(field, `${value} is not a valid email address`);
  return email;
}

import {
  AuditAction,
  BillingInterval,
  BillingPeriod,
  Contract,
  LicenseKind,
  Organization,
  OrganizationStatus,
  Role,
  User,
  UserStatus,
} from '../../entities';
import { EntityManager } from 'typeorm';
import { requireOperator } from '../auth/guards';
import { requestReads } from '../db/request-reads';
import { UnitOfWork } from '../db/unit-of-work';
import { conflict, notFound } from '../errors/errors';
import { periodEnd } from './billing-calendar';
import { Clock } from '../common/clock';
import type { ServiceContext } from './service-context';
import { requiredText } from './text';
import type { UsageService } from './usage.service';
import { type AuditLog, changedFields, createdFields } from './audit-log';

export interface ContractTerms {
  licenseModel: LicenseKind;
  billingInterval?: BillingInterval | null;
  seatPriceCents?: number | null;
  contractedSeats?: number | null;
  locationPriceCents?: number | null;
  contractedLocations?: number | null;
  creditUnitPriceCents?: number | null;
  allowOverage?: boolean | null;
  paymentTermsDays?: number | null;
}

/** Terms a new contract gets where the operator leaves them out. R12: list price $10.00 a credit. */
const CONTRACT_DEFAULTS = {
  billingInterval: BillingInterval.MONTHLY,
  seatPriceCents: 0,
  contractedSeats: 0,
  locationPriceCents: 0,
  contractedLocations: 0,
  creditUnitPriceCents: 1000,
  allowOverage: true,
  paymentTermsDays: 30,
} as const;

export interface CreateOrganizationInput {
  name: string;
  admin: { email: string; name: string };
  contract: ContractTerms;
}

export class OrganizationService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly usage: UsageService,
    private readonly audit: AuditLog,
  ) {}

  /** The organization's row (through the operation's shared reads when there are some). */
  async find(em: EntityManager, organizationId: string): Promise<Organization | null> {
    const reads = requestReads(em);
    return reads
      ? reads.organization.load(organizationId)
      : em.findOne(Organization, { where: { id: organizationId } });
  }

  /** The organization's contract (through the operation's shared reads when there are some). */
  async contract(em: EntityManager, organizationId: string): Promise<Contract | null> {
    const reads = requestReads(em);
    return reads ? reads.contract.load(organizationId) : em.findOne(Contract, { where: { organizationId } });
  }

  /** The organization's contract; NOT_FOUND when there is none (an unknown organization). */
  async requireContract(em: EntityManager, organizationId: string): Promise<Contract> {
    const contract = await this.contract(em, organizationId);
    if (!contract) throw notFound('Organization', organizationId);
    return contract;
  }

  /** The open billing period (through the operation's shared reads when there are some). */
  async currentPeriod(em: EntityManager, organizationId: string): Promise<BillingPeriod | null> {
    const reads = requestReads(em);
    return reads
      ? reads.openPeriod.load(organizationId)
      : em.findOne(BillingPeriod, { where: { openForOrganizationId: organizationId } });
  }

  /**
   * Opens the organization's next billing period, with its usage aggregates counted from the timeline. Every
   * period is opened here, inside the transaction (and, for an existing organization, the lock) of the change.
   */
  async openPeriod(
    em: EntityManager,
    fields: Pick<BillingPeriod, 'organizationId' | 'start' | 'end' | 'anchor' | 'anchorIndex'>,
  ): Promise<BillingPeriod> {
    const period = await em.save(
      em.create(BillingPeriod, { ...fields, openForOrganizationId: fields.organizationId, closedAt: null }),
    );
    await this.usage.startPeriod(em, period);
    return period;
  }

  /** Operators: a new organization with its contract, its admin and its first billing period. */
  async create(ctx: ServiceContext, input: CreateOrganizationInput): Promise<Organization> {
    requireOperator(ctx.viewer);
    return this.uow.run(ctx, async (tx) => {
      const now = this.clock.now();
      const email = input.admin.email.trim().toLowerCase();
      if (await tx.em.exists(User, { where: { email } })) throw conflict(`A user with email ${email} already exists`);
      const org = await tx.em.save(
        tx.em.create(Organization, {
          name: requiredText('name', input.name),
          status: OrganizationStatus.ACTIVE,
          createdAt: now,
        }),
      );
      const contract = tx.em.create(Contract, { organizationId: org.id, updatedAt: now, ...CONTRACT_DEFAULTS });
      applyTerms(contract, input.contract);
      await tx.em.save(contract);
      const admin = await tx.em.save(
        tx.em.create(User, {
          organizationId: org.id,
          email,
          name: requiredText('admin.name', input.admin.name),
          role: Role.ADMIN,
          status: UserStatus.ACTIVE,
          createdAt: now,
          activatedAt: now,
          deactivatedAt: null,
          locationId: null,
        }),
      );
      // R8: the admin's activation starts the usage timeline. No overage check here: the operator sets the
      // contract in the same call, and an organization cannot exist without its admin.
      await this.usage.record(tx, {
        organizationId: org.id,
        kind: LicenseKind.USER,
        subjectId: admin.id,
        delta: 1,
        occurredAt: now,
      });
      await this.openPeriod(tx.em, {
        organizationId: org.id,
        start: now,
        end: periodEnd(now, contract.billingInterval, 0),
        anchor: now,
        anchorIndex: 0,
      });
      // The new organization is not locked (nobody else can see it yet): its scope for the writer is the transaction.
      await this.audit.record(
        { viewer: tx.viewer, em: tx.em, requestId: tx.requestId, organizationId: org.id },
        {
          action: AuditAction.ORGANIZATION_CREATED,
          targetType: 'Organization',
          targetId: org.id,
          changes: createdFields({
            name: org.name,
            status: org.status,
            adminUserId: admin.id,
            ...contractFields(contract),
          }),
          at: now,
        },
      );
      return org;
    });
  }

  /** Operators: change the terms; fields left out keep their value. */
  async updateContract(ctx: ServiceContext, organizationId: string, terms: ContractTerms): Promise<Contract> {
    requireOperator(ctx.viewer);
    return this.uow.forOrganization(ctx, { organizationId }, {}, async (tx) => {
      const contract = await tx.em.findOneOrFail(Contract, { where: { organizationId } });
      const before = contractFields(contract);
      applyTerms(contract, terms);
      contract.updatedAt = this.clock.now();
      const saved = await tx.em.save(contract);
      await this.audit.record(tx, {
        action: AuditAction.CONTRACT_UPDATED,
        targetType: 'Contract',
        targetId: contract.id,
        changes: changedFields<string>(before, contractFields(contract), CONTRACT_FIELDS),
        at: contract.updatedAt,
      });
      return saved;
    });
  }
}

/** R32: the contract as `updateContract` would leave it with `terms` — a copy; nothing is stored. */
export function contractWithTerms(contract: Contract, terms: ContractTerms): Contract {
  const next: Contract = { ...contract };
  applyTerms(next, terms);
  return next;
}

/** The terms of a contract the audit log records (R31). */
const CONTRACT_FIELDS: ReadonlyArray<keyof Contract & string> = [
  'licenseModel',
  ...(Object.keys(CONTRACT_DEFAULTS) as Array<keyof typeof CONTRACT_DEFAULTS>),
];

function contractFields(contract: Contract): Record<string, unknown> {
  return Object.fromEntries(CONTRACT_FIELDS.map((key) => [key, contract[key]]));
}

function applyTerms(contract: Contract, terms: ContractTerms): void {
  contract.licenseModel = terms.licenseModel;
  for (const key of Object.keys(CONTRACT_DEFAULTS) as Array<keyof typeof CONTRACT_DEFAULTS>) {
    const value = terms[key];
    if (value !== undefined && value !== null) (contract as unknown as Record<string, unknown>)[key] = value;
  }
}

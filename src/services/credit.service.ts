import { EntityManager, In } from 'typeorm';
import { CreditLedgerEntry, CreditLot, TrainingAssignment } from '../../entities';
import { ALL_PERMISSIONS } from '../../entities/enums';
import type { Viewer } from '../auth/viewer';
import { Page, PageArgs, paginate } from '../db/paginate';
import { sqlInstant } from '../db/sql';
import { DbContext, UnitOfWork } from '../db/unit-of-work';
import { Clock } from '../common/clock';
import { CreditLedger } from './credit-ledger';
import { consumptionOrder, lotsOfOpenPeriod } from './credit-lots';
import { periodCreditUse } from './credit-tallies';
import { multiplyCents, sumCents } from '../common/money';
import { forEachIsolated, IsolationOptions } from './job-isolation';
import { OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';

/** Who scheduled jobs act as: they are not requests, and check no permission. */
export const SYSTEM_VIEWER: Viewer = Object.freeze({
  authenticated: true,
  isOperator: true,
  subject: 'system:scheduler',
  user: null,
  organizationId: null,
  permissions: new Set(ALL_PERMISSIONS),
  system: true,
});

export interface CreditBalanceView {
  organizationId: string;
  available: number;
  lots: CreditLot[];
  consumedThisPeriod: number;
  overageThisPeriod: number;
  overageChargeCents: number;
  unitPriceCents: number;
}

/**
 * Credits as an organization sees them (R15, R16): the balance, the ledger, and the expiry of lots (a scheduled
 * job). Purchases and grants are `CreditPurchaseService`; consumption at training start is `CreditLedger.consume`.
 */
export class CreditService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly organizations: OrganizationService,
    private readonly ledgerWriter: CreditLedger,
  ) {}

  // ---------------------------------------------------------------- expiry

  /**
   * Expires every lot past its expiresAt as of `asOf` with credits left: an EXPIRY entry for what remained, and
   * the lot stops counting. For the scheduler (a system job: no viewer check). Safe on several instances at once:
   * each organization is handled under its lock and re-reads its due lots there, so each lot is expired once.
   * Returns how many lots it expired.
   */
  async expireLots(db: DbContext, asOf: Date, options: IsolationOptions = {}): Promise<number> {
    const ctx: ServiceContext = { viewer: SYSTEM_VIEWER, ...db };
    const rows: Array<{ organizationId: string }> = await ctx.em
      .createQueryBuilder(CreditLot, 'l')
      .select('DISTINCT l.organizationId', 'organizationId')
      .where('l.expiredAt IS NULL AND l.remaining > 0 AND l.expiresAt <= :asOf', { asOf: sqlInstant(ctx.em, asOf) })
      .orderBy('l.organizationId', 'ASC')
      .getRawMany();
    let expired = 0;
    // R35: one transaction per organization; one that fails keeps its lots for the next run, the others expire theirs.
    await forEachIsolated(
      rows,
      ({ organizationId }) => ({ organizationId }),
      async ({ organizationId }) => {
        expired += await this.uow.forOrganization(ctx, { organizationId }, { allowTerminated: true }, (tx) =>
          this.ledgerWriter.expireDue(tx, asOf),
        );
      },
      options,
    );
    return expired;
  }

  // ---------------------------------------------------------------- reads

  /** R15, R16: the balance as of now: unexpired lots with credits left in consumption order, and this period's use. */
  async balance(em: EntityManager, organizationId: string): Promise<CreditBalanceView> {
    const now = this.clock.now();
    const [contract, period] = await Promise.all([
      this.organizations.requireContract(em, organizationId),
      this.organizations.currentPeriod(em, organizationId),
    ]);
    const lots = (await this.liveLots(em, organizationId, period?.start ?? null)).filter(
      (l) => !l.expiresAt || l.expiresAt.getTime() > now.getTime(),
    );
    let consumed = 0;
    let overage = 0;
    let overageChargeCents = 0;
    if (period) {
      // The period's tallies kept on write (a few rows), not SUMs over its ledger entries.
      const use = await periodCreditUse(em, organizationId, period.id);
      consumed = use.consumedFromBalance;
      for (const { unitPriceCents, credits } of use.overage) {
        overage += credits;
        overageChargeCents = sumCents([overageChargeCents, multiplyCents(unitPriceCents, credits)]);
      }
    }
    return {
      organizationId,
      lots,
      available: lots.reduce((sum, l) => sum + l.remaining, 0),
      // "consumed" = every credit used by trainings started this period, from the balance or as overage
      consumedThisPeriod: consumed + overage,
      overageThisPeriod: overage,
      overageChargeCents,
      unitPriceCents: contract.creditUnitPriceCents,
    };
  }

  /** R16: the ledger, newest entry first (keyset over the gapless sequence), with each entry's lot and assignment. */
  async ledger(em: EntityManager, organizationId: string, args: PageArgs): Promise<Page<CreditLedgerEntry>> {
    const qb = em
      .createQueryBuilder(CreditLedgerEntry, 'e')
      .where('e.organizationId = :organizationId', { organizationId });
    const page = await paginate(qb, args, { column: 'sequence', direction: 'DESC', unique: true });
    const nodes = page.nodes;
    const lotIds = [...new Set(nodes.map((e) => e.lotId).filter((id): id is string => !!id))];
    const assignmentIds = [...new Set(nodes.map((e) => e.assignmentId).filter((id): id is string => !!id))];
    const [lots, assignments] = await Promise.all([
      lotIds.length ? em.find(CreditLot, { where: { id: In(lotIds) } }) : [],
      assignmentIds.length ? em.find(TrainingAssignment, { where: { id: In(assignmentIds) } }) : [],
    ]);
    const lotById = new Map(lots.map((l) => [l.id, l]));
    const assignmentById = new Map(assignments.map((a) => [a.id, a]));
    for (const e of nodes) {
      e.lot = e.lotId ? (lotById.get(e.lotId) ?? null) : null;
      e.assignment = e.assignmentId ? (assignmentById.get(e.assignmentId) ?? null) : null;
    }
    return page;
  }

  // ---------------------------------------------------------------- internals

  /** Lots that still hold credits and have no EXPIRY entry, in consumption order (few per organization). */
  private async liveLots(em: EntityManager, organizationId: string, periodStart: Date | null): Promise<CreditLot[]> {
    if (periodStart) return [...(await lotsOfOpenPeriod(em, organizationId, periodStart)).live].sort(consumptionOrder);
    const lots = await em
      .createQueryBuilder(CreditLot, 'l')
      .where('l.organizationId = :organizationId AND l.expiredAt IS NULL AND l.remaining > 0', { organizationId })
      .getMany();
    return lots.sort(consumptionOrder);
  }
}

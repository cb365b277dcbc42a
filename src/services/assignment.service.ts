import { EntityManager } from 'typeorm';
import { AssignmentStatus, TrainingAssignment, User, UserStatus } from '../../entities';
import { requireAssigneeOrAssignContent, requireAuthenticated } from '../auth/guards';
import { findVisible } from '../auth/tenancy';
import type { Viewer } from '../auth/viewer';
import { Page, PageArgs, paginate } from '../db/paginate';
import { execute } from '../db/execute';
import { sqlInstant } from '../db/sql';
import type { Scoped } from '../db/organization-scope';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput, conflict, notFound } from '../errors/errors';
import { MAX_BILLED_CREDITS_PER_PERIOD } from './bounds';
import { Clock } from '../common/clock';
import { CreditService } from './credit.service';
import type { ServiceContext } from './service-context';
import { checkText } from './text';
import { MAX_LENGTH } from '../../entities/lengths';

export const MAX_ASSIGNMENT_CREDITS = 1000;
/** Starts of one organization combined into one transaction at most (a bound on lock time and statement size). */
export const MAX_STARTS_PER_TRANSACTION = 100;

interface StartRequest {
  assignmentId: string;
  viewer: Viewer;
}

interface PendingStart extends StartRequest {
  resolve(assignment: TrainingAssignment): void;
  reject(error: unknown): void;
}

export const MAX_CONTENT_ID_LENGTH = MAX_LENGTH.contentId;

export interface AssignPremiumContentInput {
  userId: string;
  contentId: string;
  credits?: number | null;
}

/**
 * Premium content (R14, R15): assigning consumes nothing; starting consumes the assignment's credits exactly once,
 * however many times and places it is called — the organization lock serializes the callers and the first one
 * moves the assignment to STARTED, so every later (or concurrent) caller reads that result.
 */
export class AssignmentService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly credits: CreditService,
  ) {}

  list(em: EntityManager, organizationId: string, status: AssignmentStatus | null | undefined, page: PageArgs): Promise<Page<TrainingAssignment>> {
    const qb = em.createQueryBuilder(TrainingAssignment, 'a').where('a.organizationId = :organizationId', { organizationId });
    if (status) qb.andWhere('a.status = :status', { status });
    return paginate(qb, page, { column: 'assignedAt', direction: 'DESC' });
  }

  /** R14: assigns premium content to an active user of the same organization; consumes nothing. */
  async assign(ctx: ServiceContext, input: AssignPremiumContentInput): Promise<TrainingAssignment> {
    requireAuthenticated(ctx.viewer);
    const credits = input.credits ?? 1;
    if (!Number.isInteger(credits) || credits < 1 || credits > MAX_ASSIGNMENT_CREDITS) {
      throw badInput('credits', `credits must be a whole number from 1 to ${MAX_ASSIGNMENT_CREDITS}`);
    }
    const contentId = (input.contentId ?? '').trim();
    if (contentId.length < 1 || contentId.length > MAX_CONTENT_ID_LENGTH) throw badInput('contentId', `contentId must be 1 to ${MAX_CONTENT_ID_LENGTH} characters`);
    checkText('contentId', contentId, { max: MAX_CONTENT_ID_LENGTH, min: 1 }); // R34: no control or invisible characters
    return this.uow.forOrganization(ctx, { owner: User, id: input.userId }, {}, async (tx) => {
      const user = await tx.find(User, input.userId);
      if (user.status !== UserStatus.ACTIVE) throw badInput('userId', 'Premium content can only be assigned to an active user');
      const assignment = tx.em.create(TrainingAssignment, {
        organizationId: tx.organizationId, userId: user.id, contentId, credits, status: AssignmentStatus.ASSIGNED,
        assignedAt: this.clock.now(), startedAt: null, cancelledAt: null, creditsFromBalance: 0, creditsOverage: 0,
      });
      await tx.em.insert(TrainingAssignment, assignment);
      return assignment;
    });
  }

  /**
   * R14: the assignee begins training: consumes the credits, exactly once. The assignee, a holder of ASSIGN_CONTENT
   * or an operator may call it; the assignee must be active. Calling it again (also concurrently, on any instance)
   * returns the started assignment and consumes nothing.
   *
   * Starts of one organization queue on its row lock anyway, so an instance combines the starts that arrive while
   * one is running into the next transaction (one lock, one round of reads, one round of writes for the whole
   * batch). Each start keeps its own outcome: an error of one (cancelled, assignee deactivated) does not touch the
   * others; only a failure of the transaction itself (e.g. ORGANIZATION_TERMINATED) answers every start of it.
   */
  async start(ctx: ServiceContext, assignmentId: string): Promise<TrainingAssignment> {
    requireAuthenticated(ctx.viewer);
    // Users act in their own organization (another organization's assignment is NOT_FOUND, checked in the batch);
    // operators name none, so their assignment's organization is looked up first.
    const organizationId = ctx.viewer.isOperator ? (await findVisible(ctx, TrainingAssignment, assignmentId)).organizationId : ctx.viewer.organizationId!;
    const request: StartRequest = { assignmentId, viewer: ctx.viewer };
    if (ctx.afterCommit) {
      // already inside a unit of work: start right there, in the caller's transaction
      const [outcome] = await this.uow.forOrganization(ctx, { organizationId }, {}, (scope) => this.startBatch(scope, [request]));
      if (outcome instanceof Error) throw outcome;
      return outcome;
    }
    return new Promise<TrainingAssignment>((resolve, reject) => {
      const pending: PendingStart = { ...request, resolve, reject };
      const queue = this.startQueues.get(organizationId);
      if (queue) {
        queue.push(pending); // the running leader takes it into its next batch
        return;
      }
      this.startQueues.set(organizationId, [pending]);
      void this.drainStarts({ viewer: ctx.viewer, em: this.rootEm(ctx) }, organizationId);
    });
  }

  private readonly startQueues = new Map<string, PendingStart[]>();

  /** Runs batches of queued starts of one organization until its queue is empty. */
  private async drainStarts(ctx: ServiceContext, organizationId: string): Promise<void> {
    const queue = this.startQueues.get(organizationId)!;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, MAX_STARTS_PER_TRANSACTION);
        try {
          const outcomes = await this.uow.forOrganization(ctx, { organizationId }, {}, (scope) => this.startBatch(scope, batch));
          batch.forEach((p, i) => {
            const outcome = outcomes[i];
            if (outcome instanceof Error) p.reject(outcome);
            else p.resolve(outcome);
          });
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.startQueues.delete(organizationId);
    }
  }

  /**
   * One transaction starting the requested assignments of one organization, in order, under its lock. Returns,
   * per request, the started assignment or the error that refused it (NOT_FOUND for another organization's or an
   * unknown assignment, FORBIDDEN, CONFLICT).
   */
  private async startBatch(tx: Scoped<ServiceContext>, requests: StartRequest[]): Promise<Array<TrainingAssignment | Error>> {
    const { organizationId } = tx;
    const startedAt = this.clock.now();
    const ids = [...new Set(requests.map((r) => r.assignmentId))];
    // Hot path (R14): one round of reads under the lock — the assignments with their assignees' status, and the
    // credit ledger head.
    const [rows, head] = await Promise.all([
      tx.query(TrainingAssignment, 'a')
        .leftJoin('a.user', 'u').addSelect(['u.id', 'u.status'])
        .andWhere('a.id IN (:...ids)', { ids })
        .getMany(),
      this.credits.readHead(tx, organizationId, startedAt),
    ]);
    const byId = new Map(rows.map((a) => [a.id, a]));
    const startedHere = new Set<TrainingAssignment>();
    const outcomes: Array<TrainingAssignment | Error> = [];
    for (const { assignmentId, viewer } of requests) {
      const assignment = byId.get(assignmentId);
      if (!assignment) { outcomes.push(notFound('Assignment', assignmentId)); continue; }
      try {
        requireAssigneeOrAssignContent(viewer, assignment);
      } catch (refused) {
        outcomes.push(refused as Error);
        continue;
      }
      if (assignment.status === AssignmentStatus.STARTED) { outcomes.push(assignment); continue; } // started before, or earlier in this batch
      if (assignment.status === AssignmentStatus.CANCELLED) { outcomes.push(conflict('The assignment was cancelled; it cannot be started')); continue; }
      if (assignment.user?.status !== UserStatus.ACTIVE) { outcomes.push(conflict('The assignee is deactivated; only active users can start training')); continue; }
      // R34: overage is billed on the period's invoice, whose credit lines are bounded (bounds.ts).
      const overageCredits = this.credits.overageIfConsumed(head, assignment.credits);
      if (overageCredits > 0 && !(await this.credits.reserveBilledCredits(tx.em, head, overageCredits))) {
        outcomes.push(conflict(`At most ${MAX_BILLED_CREDITS_PER_PERIOD.toLocaleString('en-US')} credits can be used at zero balance in one billing period: buy credits first`));
        continue;
      }
      const { fromBalance, overage } = this.credits.planConsumption(tx, head, assignment, startedAt);
      Object.assign(assignment, { status: AssignmentStatus.STARTED, startedAt, creditsFromBalance: fromBalance, creditsOverage: overage });
      startedHere.add(assignment);
      outcomes.push(assignment);
    }
    // One round of writes: lots, ledger entries and the STARTED transitions (guarded: only from ASSIGNED).
    await this.credits.flush(tx, head, [...startedHere].map((a) => async () => {
      const affected = await execute(
        tx.em,
        'UPDATE training_assignment SET status = ?, startedAt = ?, creditsFromBalance = ?, creditsOverage = ? WHERE id = ? AND status = ?',
        [AssignmentStatus.STARTED, sqlInstant(tx.em, startedAt), a.creditsFromBalance, a.creditsOverage, a.id, AssignmentStatus.ASSIGNED],
      );
      if (affected !== 1) throw new Error(`assignment ${a.id} changed outside the organization lock`);
    }));
    for (const a of rows) delete a.user;
    return outcomes;
  }

  /** The data source's manager: batches outlive the request that started them, never its transaction. */
  private rootEm(ctx: ServiceContext): EntityManager {
    return ctx.em.queryRunner ? ctx.em.connection.manager : ctx.em;
  }

  /** R14: cancelling before start costs nothing; after start it is refused (CONFLICT) and nothing is refunded. */
  async cancel(ctx: ServiceContext, assignmentId: string): Promise<TrainingAssignment> {
    return this.uow.forOrganization(ctx, { owner: TrainingAssignment, id: assignmentId }, {}, async (tx) => {
      const fresh = await tx.find(TrainingAssignment, assignmentId);
      if (fresh.status === AssignmentStatus.CANCELLED) return fresh;
      if (fresh.status === AssignmentStatus.STARTED) throw conflict('Training has started: the assignment can no longer be cancelled and its credits are not refunded');
      fresh.status = AssignmentStatus.CANCELLED;
      fresh.cancelledAt = this.clock.now();
      await tx.em.update(TrainingAssignment, { id: fresh.id }, { status: fresh.status, cancelledAt: fresh.cancelledAt });
      return fresh;
    });
  }
}

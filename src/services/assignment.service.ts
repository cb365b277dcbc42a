import { declareMoved, movedByConsumption } from './moved-metrics';
import { EntityManager } from 'typeorm';
import { AssignmentStatus, AuditAction, TrainingAssignment, User, UserStatus } from '../../entities';
import { type AuditLog, changedFields } from './audit-log';
import { requireAssigneeOrAssignContent, requireAuthenticated } from '../auth/guards';
import { findVisible } from '../auth/tenancy';
import type { Viewer } from '../auth/viewer';
import { Page, PageArgs, pageOfOrganization } from '../db/paginate';
import { execute } from '../db/execute';
import { sqlInstant } from '../db/sql';
import type { Scoped } from '../db/organization-scope';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput, conflict, notFound } from '../errors/errors';
import { Clock } from '../common/clock';
import { CreditLedger } from './credit-ledger';
import type { ServiceContext } from './service-context';
import { checkText } from './text';
import {
  DEFAULT_ASSIGNMENT_CREDITS,
  MAX_ASSIGNMENT_CREDITS,
  MAX_CONTENT_ID_LENGTH,
  MAX_STARTS_PER_TRANSACTION,
  MIN_ASSIGNMENT_CREDITS,
} from './bounds';

interface StartRequest {
  assignmentId: string;
  viewer: Viewer;
  /** R31: the asking request's id (a batch runs in one transaction for many requests). */
  requestId?: string;
}

interface PendingStart extends StartRequest {
  resolve(assignment: TrainingAssignment): void;
  reject(error: unknown): void;
}

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
    private readonly credits: CreditLedger,
    private readonly audit: AuditLog,
  ) {}

  list(
    em: EntityManager,
    organizationId: string,
    status: AssignmentStatus | null | undefined,
    page: PageArgs,
  ): Promise<Page<TrainingAssignment>> {
    return pageOfOrganization(em, TrainingAssignment, organizationId, status, page, {
      column: 'assignedAt',
      direction: 'DESC',
    });
  }

  /** R14: assigns premium content to an active user of the same organization; consumes nothing. */
  async assign(ctx: ServiceContext, input: AssignPremiumContentInput): Promise<TrainingAssignment> {
    requireAuthenticated(ctx.viewer);
    const credits = input.credits ?? DEFAULT_ASSIGNMENT_CREDITS;
    if (!Number.isInteger(credits) || credits < MIN_ASSIGNMENT_CREDITS || credits > MAX_ASSIGNMENT_CREDITS) {
      throw badInput(
        'credits',
        `credits must be a whole number from ${MIN_ASSIGNMENT_CREDITS} to ${MAX_ASSIGNMENT_CREDITS}`,
      );
    }
    const contentId = (input.contentId ?? '').trim();
    if (contentId.length < 1 || contentId.length > MAX_CONTENT_ID_LENGTH)
      throw badInput('contentId', `contentId must be 1 to ${MAX_CONTENT_ID_LENGTH} characters`);
    checkText('contentId', contentId, { max: MAX_CONTENT_ID_LENGTH, min: 1 }); // R34: no control or invisible characters
    return this.uow.forOrganization(ctx, { owner: User, id: input.userId }, {}, async (tx) => {
      const user = await tx.find(User, input.userId);
      if (user.status !== UserStatus.ACTIVE)
        throw badInput('userId', 'Premium content can only be assigned to an active user');
      const assignment = tx.em.create(TrainingAssignment, {
        organizationId: tx.organizationId,
        userId: user.id,
        contentId,
        credits,
        status: AssignmentStatus.ASSIGNED,
        assignedAt: this.clock.now(),
        startedAt: null,
        cancelledAt: null,
        creditsFromBalance: 0,
        creditsOverage: 0,
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
    const organizationId = ctx.viewer.isOperator
      ? (await findVisible(ctx, TrainingAssignment, assignmentId)).organizationId
      : ctx.viewer.organizationId!;
    const request: StartRequest = { assignmentId, viewer: ctx.viewer, requestId: ctx.requestId };
    if (ctx.afterCommit) {
      // already inside a unit of work: start right there, in the caller's transaction
      const [outcome] = await this.uow.forOrganization(ctx, { organizationId }, {}, (scope) =>
        this.startBatch(scope, [request]),
      );
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
          const outcomes = await this.uow.forOrganization(ctx, { organizationId }, {}, (scope) =>
            this.startBatch(scope, batch),
          );
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
  private async startBatch(
    tx: Scoped<ServiceContext>,
    requests: StartRequest[],
  ): Promise<Array<TrainingAssignment | Error>> {
    const startedAt = this.clock.now();
    const ids = [...new Set(requests.map((r) => r.assignmentId))];
    const rows = await tx
      .query(TrainingAssignment, 'a')
      .leftJoin('a.user', 'u')
      .addSelect(['u.id', 'u.status'])
      .andWhere('a.id IN (:...ids)', { ids })
      .getMany();
    const byId = new Map(rows.map((a) => [a.id, a]));
    // Per request: its refusal, the assignment (started before), or its place among the assignments to start.
    const decided: Array<TrainingAssignment | Error | number> = [];
    const toStart: TrainingAssignment[] = [];
    const askedBy = new Map<string, StartRequest>(); // R31: the first request asking to start each assignment
    for (const request of requests) {
      const { assignmentId, viewer } = request;
      const assignment = byId.get(assignmentId);
      if (!assignment) {
        decided.push(notFound('Assignment', assignmentId));
        continue;
      }
      try {
        requireAssigneeOrAssignContent(viewer, assignment);
      } catch (refused) {
        decided.push(refused as Error);
        continue;
      }
      const queued = toStart.indexOf(assignment);
      if (queued >= 0) {
        decided.push(queued);
        continue;
      } // asked twice in this batch: one start, one outcome
      if (assignment.status === AssignmentStatus.STARTED) {
        decided.push(assignment);
        continue;
      }
      if (assignment.status === AssignmentStatus.CANCELLED) {
        decided.push(conflict('The assignment was cancelled; it cannot be started'));
        continue;
      }
      if (assignment.user?.status !== UserStatus.ACTIVE) {
        decided.push(conflict('The assignee is deactivated; only active users can start training'));
        continue;
      }
      askedBy.set(assignment.id, request);
      decided.push(toStart.push(assignment) - 1);
    }
    // R15: the credits, consumed in request order (a start refused by the ledger writes nothing).
    const { outcomes: consumed, balanceAfter, overageCredits } = await this.credits.consume(tx, toStart, startedAt);
    const started = toStart.filter((assignment, i) => {
      const consumption = consumed[i];
      if (consumption instanceof Error) return false;
      Object.assign(assignment, {
        status: AssignmentStatus.STARTED,
        startedAt,
        creditsFromBalance: consumption.fromBalance,
        creditsOverage: consumption.overage,
      });
      return true;
    });
    // The STARTED transitions and their audit events (R31), issued together (guarded: only from ASSIGNED).
    await Promise.all([
      ...started.map(async (a) => {
        const affected = await execute(
          tx.em,
          'UPDATE training_assignment SET status = ?, startedAt = ?, creditsFromBalance = ?, creditsOverage = ? WHERE id = ? AND status = ?',
          [
            AssignmentStatus.STARTED,
            sqlInstant(tx.em, startedAt),
            a.creditsFromBalance,
            a.creditsOverage,
            a.id,
            AssignmentStatus.ASSIGNED,
          ],
        );
        if (affected !== 1) throw new Error(`assignment ${a.id} changed outside the organization lock`);
      }),
      ...started.map((a) => {
        const { viewer, requestId } = askedBy.get(a.id)!;
        return this.audit.record(tx, {
          action: AuditAction.TRAINING_STARTED,
          targetType: 'TrainingAssignment',
          targetId: a.id,
          changes: {
            status: { before: AssignmentStatus.ASSIGNED, after: AssignmentStatus.STARTED },
            creditsFromBalance: { before: null, after: a.creditsFromBalance },
            creditsOverage: { before: null, after: a.creditsOverage },
          },
          at: startedAt,
          requestedBy: { viewer, requestId },
        });
      }),
    ]);
    const outcomes = decided.map((d) => {
      if (typeof d !== 'number') return d;
      const consumption = consumed[d];
      return consumption instanceof Error ? consumption : toStart[d];
    });
    for (const a of rows) delete a.user;
    declareMoved(tx, movedByConsumption(balanceAfter, overageCredits > 0));
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
      if (fresh.status === AssignmentStatus.STARTED)
        throw conflict(
          'Training has started: the assignment can no longer be cancelled and its credits are not refunded',
        );
      const before = { status: fresh.status, cancelledAt: fresh.cancelledAt };
      fresh.status = AssignmentStatus.CANCELLED;
      fresh.cancelledAt = this.clock.now();
      await tx.em.update(
        TrainingAssignment,
        { id: fresh.id },
        { status: fresh.status, cancelledAt: fresh.cancelledAt },
      );
      await this.audit.record(tx, {
        action: AuditAction.ASSIGNMENT_CANCELLED,
        targetType: 'TrainingAssignment',
        targetId: fresh.id,
        changes: changedFields(before, fresh, ['status', 'cancelledAt']),
        at: fresh.cancelledAt,
      });
      return fresh;
    });
  }
}

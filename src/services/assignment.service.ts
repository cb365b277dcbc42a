import { EntityManager } from 'typeorm';
import { AssignmentStatus, Permission, TrainingAssignment, User, UserStatus } from '../../entities';
import { requireAuthenticated, requirePermission } from '../auth/guards';
import { Page, PageArgs, paginate } from '../db/paginate';
import { execute } from '../db/execute';
import { sqlInstant } from '../db/sql';
import { UnitOfWork } from '../db/unit-of-work';
import { badInput, conflict, forbidden, notFound } from '../errors/errors';
import { Clock } from './clock';
import { CreditService } from './credit.service';
import { OrganizationService } from './organization.service';
import type { ServiceContext } from './service-context';
import { UserService } from './user.service';

export const MAX_ASSIGNMENT_CREDITS = 1000;

export const MAX_CONTENT_ID_LENGTH = 200;

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
    private readonly organizations: OrganizationService,
    private readonly users: UserService,
    private readonly credits: CreditService,
  ) {}

  list(em: EntityManager, organizationId: string, status: AssignmentStatus | null | undefined, page: PageArgs): Promise<Page<TrainingAssignment>> {
    const qb = em.createQueryBuilder(TrainingAssignment, 'a').where('a.organizationId = :organizationId', { organizationId });
    if (status) qb.andWhere('a.status = :status', { status });
    return paginate(qb, page, 'assignedAt', 'DESC');
  }

  /** R5: an assignment of the viewer's organization (any, for operators); anything else is NOT_FOUND. */
  async findVisible(ctx: ServiceContext, id: string): Promise<TrainingAssignment> {
    requireAuthenticated(ctx.viewer);
    const assignment = await ctx.em.findOne(TrainingAssignment, { where: { id } });
    if (!assignment || (!ctx.viewer.isOperator && assignment.organizationId !== ctx.viewer.organizationId)) throw notFound('Assignment', id);
    return assignment;
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
    return this.uow.run(ctx, async (tx) => {
      const user = await this.users.findVisible(tx, input.userId);
      requirePermission(ctx.viewer, Permission.ASSIGN_CONTENT, user.organizationId);
      await this.organizations.lockForChange(tx, user.organizationId);
      const fresh = await tx.em.findOneByOrFail(User, { id: user.id });
      if (fresh.status !== UserStatus.ACTIVE) throw badInput('userId', 'Premium content can only be assigned to an active user');
      const assignment = tx.em.create(TrainingAssignment, {
        organizationId: user.organizationId, userId: user.id, contentId, credits, status: AssignmentStatus.ASSIGNED,
        assignedAt: this.clock.now(), startedAt: null, cancelledAt: null, creditsFromBalance: 0, creditsOverage: 0,
      });
      await tx.em.insert(TrainingAssignment, assignment);
      return assignment;
    });
  }

  /**
   * R14: the assignee begins training: consumes the credits, exactly once. The assignee, a holder of ASSIGN_CONTENT
   * or an operator may call it; the assignee must be active. Calling it again (also concurrently) returns the
   * started assignment and consumes nothing.
   */
  async start(ctx: ServiceContext, assignmentId: string): Promise<TrainingAssignment> {
    return this.uow.run(ctx, async (tx) => {
      const assignment = await this.findVisible(tx, assignmentId);
      const viewer = ctx.viewer;
      if (!viewer.isOperator && viewer.subject !== assignment.userId && !viewer.permissions.has(Permission.ASSIGN_CONTENT)) {
        throw forbidden('Only the assignee, a holder of ASSIGN_CONTENT or an operator may start this training');
      }
      await this.organizations.lockForChange(tx, assignment.organizationId);
      // Hot path (R14): while the organization lock is held, one round of reads and one round of writes.
      const startedAt = this.clock.now();
      const [[current], head] = await Promise.all([
        tx.em.query('SELECT a.status AS status, u.status AS userStatus FROM training_assignment a JOIN `user` u ON u.id = a.userId WHERE a.id = ?', [assignmentId]) as Promise<
          Array<{ status: AssignmentStatus; userStatus: UserStatus }>
        >,
        this.credits.readHead(tx, assignment.organizationId, startedAt),
      ]);
      if (current.status === AssignmentStatus.STARTED) return tx.em.findOneByOrFail(TrainingAssignment, { id: assignmentId });
      if (current.status === AssignmentStatus.CANCELLED) throw conflict('The assignment was cancelled; it cannot be started');
      if (current.userStatus !== UserStatus.ACTIVE) throw conflict('The assignee is deactivated; only active users can start training');
      const { fromBalance, overage } = await this.credits.consume(tx, head, assignment, startedAt, async (c) => {
        const affected = await execute(
          tx.em,
          'UPDATE training_assignment SET status = ?, startedAt = ?, creditsFromBalance = ?, creditsOverage = ? WHERE id = ? AND status = ?',
          [AssignmentStatus.STARTED, sqlInstant(tx.em, startedAt), c.fromBalance, c.overage, assignmentId, AssignmentStatus.ASSIGNED],
        );
        if (affected !== 1) throw new Error(`assignment ${assignmentId} changed outside the organization lock`);
      });
      // contentId, credits and userId never change: the row read before the lock is the assignment
      return Object.assign(assignment, { status: AssignmentStatus.STARTED, startedAt, creditsFromBalance: fromBalance, creditsOverage: overage });
    });
  }

  /** R14: cancelling before start costs nothing; after start it is refused (CONFLICT) and nothing is refunded. */
  async cancel(ctx: ServiceContext, assignmentId: string): Promise<TrainingAssignment> {
    return this.uow.run(ctx, async (tx) => {
      const assignment = await this.findVisible(tx, assignmentId);
      requirePermission(ctx.viewer, Permission.ASSIGN_CONTENT, assignment.organizationId);
      await this.organizations.lockForChange(tx, assignment.organizationId);
      const fresh = await tx.em.findOneByOrFail(TrainingAssignment, { id: assignmentId });
      if (fresh.status === AssignmentStatus.CANCELLED) return fresh;
      if (fresh.status === AssignmentStatus.STARTED) throw conflict('Training has started: the assignment can no longer be cancelled and its credits are not refunded');
      fresh.status = AssignmentStatus.CANCELLED;
      fresh.cancelledAt = this.clock.now();
      await tx.em.update(TrainingAssignment, { id: fresh.id }, { status: fresh.status, cancelledAt: fresh.cancelledAt });
      return fresh;
    });
  }
}

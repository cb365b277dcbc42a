import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Permission, TrainingAssignment } from '../entities';
import type { RequestContext } from '../src/server/context';
import { HasPermission } from './types/directives';
import { AssignPremiumContentInput, TrainingAssignmentType } from './types/credit.type';
import { UserType } from './types/organization.type';
import { IdArg } from './types/validation';

@Resolver(() => TrainingAssignmentType)
export class AssignmentResolver {
  @FieldResolver(() => UserType)
  async user(@Root() assignment: TrainingAssignment, @Ctx() ctx: RequestContext) {
    return ctx.loaders.user.load(assignment.userId);
  }

  @Mutation(() => TrainingAssignmentType, {
    description: 'R14: assigns premium content to an active user of the organization; consumes nothing.',
  })
  @HasPermission(Permission.ASSIGN_CONTENT)
  assignPremiumContent(
    @Ctx() ctx: RequestContext,
    @Arg('input', () => AssignPremiumContentInput, { description: 'The user, the content and its credits.' })
    input: AssignPremiumContentInput,
  ) {
    return ctx.services.assignments.assign(ctx, input);
  }

  @Mutation(() => TrainingAssignmentType, {
    description:
      'R14, R15: the assignee begins training; consumes the credits exactly once however often it is called (soonest-expiring lot first, then overage). The assignee, a holder of ASSIGN_CONTENT or an operator may call it.',
  })
  startTraining(
    @Ctx() ctx: RequestContext,
    @IdArg('assignmentId', { description: 'The assignment.' }) assignmentId: string,
  ) {
    return ctx.services.assignments.start(ctx, assignmentId);
  }

  @Mutation(() => TrainingAssignmentType, {
    description:
      'R14: cancels an assignment before training starts, at no cost; CONFLICT once started (nothing is refunded).',
  })
  @HasPermission(Permission.ASSIGN_CONTENT)
  cancelAssignment(
    @Ctx() ctx: RequestContext,
    @IdArg('assignmentId', { description: 'The assignment.' }) assignmentId: string,
  ) {
    return ctx.services.assignments.cancel(ctx, assignmentId);
  }
}

import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context';
import { OperatorOnly } from './types/directives';
import { JobRunReportType } from './types/job-run-report.type';

@Resolver()
export class SchedulerResolver {
  @Mutation(() => JobRunReportType, {
    description:
      'Runs every scheduled job as of this instant; refused unless the server runs with BILLING_TEST_CLOCK=1. An organization a job could not process is listed in failures (R35); the run still answers, and the others proceed.',
  })
  @OperatorOnly()
  runScheduledJobs(
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => Date, {
      description:
        'The instant to run as of: closes periods ended by then, queues the reminders due then (R23) and delivers the outbox (R24).',
    })
    asOf: Date,
  ) {
    return ctx.services.scheduler.runForTestClock(ctx, asOf);
  }
}

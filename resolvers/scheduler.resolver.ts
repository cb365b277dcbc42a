import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../src/server/context';
import { OperatorOnly } from './types/directives';
import { JobRunReportType } from './types/job-run-report.type';

const RUN_SCHEDULED_JOBS_DESCRIPTION =
  'Runs every scheduled job as of this instant; refused unless the server runs with ' +
  'BILLING_TEST_CLOCK=1. An organization a job could not process is listed in failures (R35); the run ' +
  'still answers, and the others proceed.';

// ESLint's no-useless-assignment does not see a read inside a parameter decorator when no statement follows the
// class (eslint/eslint#20947), so it calls this constant unused.
// eslint-disable-next-line no-useless-assignment
const RUN_SCHEDULED_JOBS_AS_OF_DESCRIPTION =
  'The instant to run as of: closes periods ended by then, queues the reminders due then (R23) and ' +
  'delivers the outbox (R24).';

@Resolver()
export class SchedulerResolver {
  @Mutation(() => JobRunReportType, {
    description: RUN_SCHEDULED_JOBS_DESCRIPTION,
  })
  @OperatorOnly()
  runScheduledJobs(
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => Date, {
      description: RUN_SCHEDULED_JOBS_AS_OF_DESCRIPTION,
    })
    asOf: Date,
  ) {
    return ctx.services.scheduler.runForTestClock(ctx, asOf);
  }
}

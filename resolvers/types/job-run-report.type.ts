import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('JobFailure', {
  description:
    'R35: an organization a scheduled job could not process in this run. The other organizations went on; the next run retries this one.',
})
class JobFailureType {
  @Field(() => String, {
    description:
      'The job: closeDuePeriods, expireCreditLots, purgeIdempotencyKeys, queueInvoiceReminders or deliverOutbox.',
  })
  job: string;
  @Field(() => ID, {
    nullable: true,
    description: 'The organization that failed; null when the job failed as a whole (it could not list its work).',
  })
  organizationId: string | null;
  @Field(() => String, {
    description:
      'A stable error code (those of the API, e.g. ORGANIZATION_TERMINATED), or INTERNAL_SERVER_ERROR for an unexpected failure, whose details are in the server log.',
  })
  code: string;
}

@ObjectType('JobRunReport', {
  description: 'What one run of the scheduled jobs did (the test clock, runScheduledJobs).',
})
export class JobRunReportType {
  @Field(() => Date, { description: 'The instant the jobs ran as of ("now" for every job).' }) asOf: Date;
  @Field(() => Int, {
    description:
      'Invoice reminders queued in this run: 15, 7, 3 or 1 days before the due date, each at most once (R23).',
  })
  remindersQueued: number;
  @Field(() => Int, { description: 'Notifications this run delivered from the outbox (R24).' })
  notificationsSent: number;
  @Field(() => Int, { description: 'Billing periods that had ended and were closed into invoices (R17).' })
  periodsClosed: number;
  @Field(() => Int, { description: 'Expired credit lots (R13).' }) lotsExpired: number;
  @Field(() => [JobFailureType], {
    description:
      'R35: what failed in this run, one entry per job and organization (empty when everything went through). A failure never stops the other organizations.',
  })
  failures: JobFailureType[];
}

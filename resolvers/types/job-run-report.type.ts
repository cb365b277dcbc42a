import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('JobRunReport', { description: 'What one run of the scheduled jobs did (the test clock, runScheduledJobs).' })
export class JobRunReportType {
  @Field(() => Date, { description: 'The instant the jobs ran as of ("now" for every job).' }) asOf: Date;
  @Field(() => Int, { description: 'Invoice reminders queued in this run: 15, 7, 3 or 1 days before the due date, each at most once (R23).' }) remindersQueued: number;
  @Field(() => Int, { description: 'Notifications this run delivered from the outbox (R24).' }) notificationsSent: number;
  @Field(() => Int, { description: 'Billing periods that had ended and were closed into invoices (R17).' }) periodsClosed: number;
  @Field(() => Int, { description: 'Expired credit lots (R13).' }) lotsExpired: number;
}

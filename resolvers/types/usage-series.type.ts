import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { UsageBucket } from '../../src/services/usage-series';

registerEnumType(UsageBucket, {
  name: 'UsageBucket',
  description: 'R29: the width of a usage series\u2019 buckets, aligned to UTC boundaries.',
  valuesConfig: {
    HOUR: { description: 'UTC hours (at most 800 points: a month of hours fits).' },
    DAY: { description: 'UTC days (midnight to midnight).' },
  },
});

const USAGE_POINT_START_DESCRIPTION =
  'The bucket\u2019s UTC boundary. A `from` inside a bucket keeps that bucket, measured from `from` on (R29).';

@ObjectType('UsagePoint', { description: 'R29: in use during one UTC bucket of a license\u2019s usage series.' })
export class UsagePointType {
  @Field(() => Date, { description: USAGE_POINT_START_DESCRIPTION })
  start: Date;
  @Field(() => Int, { description: 'Most in use at any moment of the bucket.' })
  peak: number;
  @Field(() => Int, { description: 'In use at the end of the bucket (or now, for the current one).' })
  end: number;
}

import { Args, ArgsType, Ctx, Field, FieldResolver, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../src/server/context';
import type { LicenseView } from '../src/services/license.service';
import { UsageBucket, UsagePoint } from '../src/services/usage-series';
import { LicenseType } from './types/license.type';
import { UsagePointType } from './types/usage-series.type';

const SERIES_DESCRIPTION =
  'In use per UTC bucket from `from` (default: the period start) to `to` (default: now), at most 800 points (R29).';

const SERIES_FROM_DESCRIPTION =
  'The first instant measured (inclusive), within the current period; default the period start. Its bucket is the ' +
  'first point.';

const SERIES_TO_DESCRIPTION =
  'The last instant measured (inclusive), within the current period; default now. A `to` after now ends the series ' +
  'at now.';

@ArgsType()
class SeriesArgs {
  @Field(() => UsageBucket, { description: 'HOUR or DAY (UTC).' }) bucket: UsageBucket;
  @Field(() => Date, { nullable: true, description: SERIES_FROM_DESCRIPTION }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: SERIES_TO_DESCRIPTION }) to?: Date | null;
}

/** License.series (R29). */
@Resolver(() => LicenseType)
export class LicenseSeriesResolver {
  @FieldResolver(() => [UsagePointType], { description: SERIES_DESCRIPTION })
  series(
    @Root() license: LicenseView,
    @Ctx() ctx: RequestContext,
    @Args() { bucket, from, to }: SeriesArgs,
  ): Promise<UsagePoint[]> {
    return ctx.services.usageSeries.series(ctx.em, license.organizationId, license.kind, { bucket, from, to });
  }
}

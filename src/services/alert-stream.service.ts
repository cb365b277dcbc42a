import { Repeater } from '@repeaterjs/repeater';
import { EntityManager, In, MoreThan, LessThanOrEqual, And } from 'typeorm';
import { BillingAlert, Location, Organization, Permission } from '../../entities';
import { requireAuthenticated } from '../auth/guards';
import { targetOrganizationId } from '../auth/tenancy';
import type { Viewer } from '../auth/viewer';
import { forbidden, notFound } from '../errors/errors';
import type { AlertRaisedEvent, BillingPubSub } from '../pubsub/pubsub';
import type { PermissionService } from './permission.service';

/** An alert as a subscriber receives it: the row plus its location, read once per event (no request loaders). */
export type AlertView = BillingAlert & { location: Location | null };

/** Alerts read per query when replaying or filling a gap. */
const REPLAY_PAGE = 500;

/**
 * Redis confirms a new SUBSCRIBE asynchronously: an alert committed after the replay read but before the
 * subscription took effect would be neither replayed nor heard. This long after subscribing, the stream reads the
 * database once more for anything it has not delivered.
 */
export const LIVE_SETTLE_MS = 1000;
const SETTLED = Symbol('settled');

/** How long the reads shared by every local subscriber of one event are kept (they all resume within it). */
const SHARED_READ_TTL_MS = 10_000;

interface SharedRead<T> {
  value: Promise<T>;
}

/**
 * Subscription.billingAlerts (R11, R4, R5): one stream per subscriber, over the per-organization ALERT_RAISED
 * topic of the pub/sub (in-process, or Redis across instances).
 *
 * - Authorization is read from the database at subscribe time and again before every event: a user who lost
 *   MANAGE_BILLING or was deactivated gets a FORBIDDEN error that ends the subscription. Operators hold every
 *   permission. Per event, the user rows and permission overrides of every local subscriber of the organization
 *   are read in one batch shared by those subscribers (a per-event read, not a request-scoped DataLoader).
 * - Ordering: alerts carry a gapless per-organization sequence. The stream subscribes to the live topic first
 *   (buffered), then replays from the database every alert after `sinceAlertId` (or, without it, starts after the
 *   latest one), then delivers live events, dropping what it already delivered and filling any gap from the
 *   database — in order, no gap, no duplicate, even when events from two instances arrive out of order.
 */
export class AlertStreamService {
  /** organizationId → userId → number of local subscriptions. */
  private readonly subscribers = new Map<string, Map<string, number>>();
  /** organizationId → open streams on this instance (users and operators). */
  private readonly open = new Map<string, number>();
  private readonly alertReads = new Map<string, SharedRead<AlertView | null>>();
  private readonly grantReads = new Map<
    string,
    SharedRead<{ users: ReadonlySet<string>; granted: ReadonlySet<string> }>
  >();

  constructor(
    private readonly em: EntityManager,
    private readonly pubSub: BillingPubSub,
    private readonly permissions: PermissionService,
  ) {}

  /**
   * Checks everything that can be refused up front (so the refusal is the subscribe call's error), starts
   * listening, and returns the stream.
   */
  async subscribe(
    viewer: Viewer,
    organizationIdArg?: string | null,
    sinceAlertId?: string | null,
  ): Promise<AsyncIterableIterator<AlertView>> {
    requireAuthenticated(viewer);
    const organizationId = targetOrganizationId(viewer, organizationIdArg);
    if (viewer.isOperator) {
      if (!(await this.em.exists(Organization, { where: { id: organizationId } })))
        throw notFound('Organization', organizationId);
    } else if (!(await this.holdsBillingNow(viewer.subject!, organizationId))) {
      throw forbidden('Requires the MANAGE_BILLING permission');
    }

    // Validated up front so that an unknown cursor is the subscribe call's error, like every other refusal.
    let since: number | null = null;
    if (sinceAlertId) {
      const alert = await this.em.findOne(BillingAlert, { where: { id: sinceAlertId } });
      if (!alert || alert.organizationId !== organizationId) throw notFound('BillingAlert', sinceAlertId);
      since = alert.sequence;
    }
    const userId = viewer.isOperator ? null : viewer.subject!;

    // Every resource of the stream is taken in the executor, which runs on the first next(): a stream returned
    // before it was ever read holds nothing, and `stop` (a client's "complete", a closed socket, the end of the
    // stream or its error) releases everything it took.
    return new Repeater<AlertView>(async (push, stop) => {
      // Live first: from here on every published event is buffered, so the replay cannot leave a gap.
      const live = this.pubSub.subscribe('ALERT_RAISED', organizationId);
      const firstLive = live.next();
      if (userId) this.register(organizationId, userId);
      this.open.set(organizationId, (this.open.get(organizationId) ?? 0) + 1);
      const pump = (async () => {
        // push resolves once the subscriber has taken the alert: the stream reads no further ahead than that.
        for await (const alert of this.deliver(organizationId, userId, live, firstLive, since)) await push(alert);
      })();
      pump.then(
        () => stop(),
        (error: unknown) => stop(error),
      );
      await stop;
      if (userId) this.unregister(organizationId, userId);
      const left = (this.open.get(organizationId) ?? 1) - 1;
      if (left > 0) this.open.set(organizationId, left);
      else this.open.delete(organizationId);
      await live.return(undefined); // settles a pending live.next(), so the delivery ends now
      await pump.catch(() => undefined);
    });
  }

  /** Streams of the organization open on this instance (health checks, tests). */
  openStreams(organizationId: string): number {
    return this.open.get(organizationId) ?? 0;
  }

  private async *deliver(
    organizationId: string,
    userId: string | null,
    live: AsyncIterator<AlertRaisedEvent>,
    firstLive: Promise<IteratorResult<AlertRaisedEvent>>,
    since: number | null,
  ): AsyncGenerator<AlertView> {
    // Without a cursor the stream starts after the latest alert, read once the live topic is already buffering.
    let delivered = since ?? (await this.latestSequence(organizationId));
    if (since !== null) {
      for await (const alert of this.stored(organizationId, delivered, null)) {
        yield alert;
        delivered = alert.sequence;
      }
    }
    const settled = new Promise<typeof SETTLED>((resolve) =>
      setTimeout(() => resolve(SETTLED), LIVE_SETTLE_MS).unref(),
    );
    let awaitingSettle = true;
    for (let pending = firstLive; ; pending = live.next()) {
      let arrived = awaitingSettle ? await Promise.race([pending, settled]) : await pending;
      if (arrived === SETTLED) {
        awaitingSettle = false;
        let checked = false;
        for await (const alert of this.stored(organizationId, delivered, null)) {
          if (!checked && userId && !(await this.holdsBillingNow(userId, organizationId))) {
            throw forbidden('MANAGE_BILLING was revoked or the user deactivated: this subscription has ended');
          }
          checked = true;
          yield alert;
          delivered = alert.sequence;
        }
        arrived = await pending;
      }
      const { value: event, done } = arrived;
      if (done) return;
      if (event.sequence <= delivered) continue; // already replayed or delivered
      if (userId && !(await this.holdsBillingForEvent(event, organizationId, userId))) {
        throw forbidden('MANAGE_BILLING was revoked or the user deactivated: this subscription has ended');
      }
      // The usual case: the next alert, read once for every local subscriber. Otherwise fill the gap in order.
      const next = event.sequence === delivered + 1 ? await this.sharedAlert(event) : null;
      for await (const alert of next ? [next] : this.stored(organizationId, delivered, event.sequence)) {
        yield alert;
        delivered = alert.sequence;
      }
    }
  }

  /** Stored alerts with after < sequence ≤ upTo (null: no bound), in order, a page at a time. */
  private async *stored(organizationId: string, after: number, upTo: number | null): AsyncGenerator<AlertView> {
    for (;;) {
      const page = await this.alertsBetween(organizationId, after, upTo);
      yield* page;
      if (page.length < REPLAY_PAGE) return;
      after = page[page.length - 1].sequence;
    }
  }

  private async latestSequence(organizationId: string): Promise<number> {
    const row = await this.em
      .createQueryBuilder(BillingAlert, 'a')
      .select('MAX(a.sequence)', 'max')
      .where('a.organizationId = :organizationId', { organizationId })
      .getRawOne<{ max: number | string | null }>();
    return Number(row?.max ?? 0);
  }

  /** Alerts with after < sequence ≤ upTo (no bound: all later ones), in order, with their locations. */
  private async alertsBetween(organizationId: string, after: number, upTo: number | null): Promise<AlertView[]> {
    const alerts = await this.em.find(BillingAlert, {
      where: {
        organizationId,
        sequence: upTo === null ? MoreThan(after) : And(MoreThan(after), LessThanOrEqual(upTo)),
      },
      order: { sequence: 'ASC' },
      take: REPLAY_PAGE,
    });
    return this.withLocations(alerts);
  }

  private async withLocations(alerts: BillingAlert[]): Promise<AlertView[]> {
    const ids = [...new Set(alerts.map((a) => a.locationId).filter((id): id is string => Boolean(id)))];
    const locations = ids.length ? await this.em.find(Location, { where: { id: In(ids) } }) : [];
    const byId = new Map(locations.map((l) => [l.id, l]));
    return alerts.map((a) => Object.assign(a, { location: a.locationId ? (byId.get(a.locationId) ?? null) : null }));
  }

  /** One read of an event's alert for every local subscriber that receives it. */
  private sharedAlert(event: AlertRaisedEvent): Promise<AlertView | null> {
    return this.shared(this.alertReads, event.alertId, async () => {
      const alert = await this.em.findOne(BillingAlert, { where: { id: event.alertId } });
      return alert && alert.organizationId === event.organizationId ? (await this.withLocations([alert]))[0] : null;
    });
  }

  /**
   * Per event: does this user still hold MANAGE_BILLING in the organization? One batched read of every local
   * subscriber of the organization, shared by them; a subscriber that registered after that read reads alone.
   */
  private async holdsBillingForEvent(
    event: AlertRaisedEvent,
    organizationId: string,
    userId: string,
  ): Promise<boolean> {
    const batch = await this.shared(this.grantReads, event.alertId, async () => {
      const users = [...(this.subscribers.get(organizationId)?.keys() ?? [])];
      return { users: new Set(users), granted: await this.billingHolders(organizationId, users) };
    });
    if (batch.users.has(userId)) return batch.granted.has(userId);
    return this.holdsBillingNow(userId, organizationId);
  }

  private async holdsBillingNow(userId: string, organizationId: string): Promise<boolean> {
    return (await this.billingHolders(organizationId, [userId])).has(userId);
  }

  /** R2: the users among `userIds` that are active members of the organization holding MANAGE_BILLING. */
  private billingHolders(organizationId: string, userIds: readonly string[]): Promise<Set<string>> {
    return this.permissions.holdersAmong(this.em, organizationId, userIds, Permission.MANAGE_BILLING);
  }

  private shared<T>(cache: Map<string, SharedRead<T>>, key: string, read: () => Promise<T>): Promise<T> {
    let entry = cache.get(key);
    if (!entry) {
      entry = { value: read() };
      cache.set(key, entry);
      entry.value.catch(() => undefined).finally(() => setTimeout(() => cache.delete(key), SHARED_READ_TTL_MS).unref());
    }
    return entry.value;
  }

  private register(organizationId: string, userId: string): void {
    const users = this.subscribers.get(organizationId) ?? new Map<string, number>();
    users.set(userId, (users.get(userId) ?? 0) + 1);
    this.subscribers.set(organizationId, users);
  }

  private unregister(organizationId: string, userId: string): void {
    const users = this.subscribers.get(organizationId);
    if (!users) return;
    const count = (users.get(userId) ?? 0) - 1;
    if (count > 0) users.set(userId, count);
    else users.delete(userId);
    if (users.size === 0) this.subscribers.delete(organizationId);
  }
}

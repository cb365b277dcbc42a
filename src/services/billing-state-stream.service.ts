import { performance } from 'node:perf_hooks';
import { Repeater } from '@repeaterjs/repeater';
import { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { Organization, Permission } from '../../entities';
import { requireAuthenticated } from '../auth/guards';
import { targetOrganizationId } from '../auth/tenancy';
import type { Viewer } from '../auth/viewer';
import type { Clock } from '../common/clock';
import { forbidden, notFound } from '../errors/errors';
import type { Metrics } from '../observability/metrics';
import type { BillingPubSub, OrganizationChangedEvent } from '../pubsub/pubsub';
import { LIVE_SETTLE_MS } from './alert-stream.service';
import { BillingStateService, BillingStateView, sameCounters } from './billing-state.service';
import type { PermissionService } from './permission.service';

/** R27: at most one push per this many milliseconds per subscriber (and one computation per organization). */
export const BILLING_STATE_INTERVAL_MS = 250;

type Push = (state: BillingStateView) => Promise<unknown>;

/**
 * One subscription: receives every state its organization's hub computes and sends it on — only when its counters
 * moved, at most once per BILLING_STATE_INTERVAL_MS, and the latest one always (trailing edge). It never holds more
 * than one state: a newer one replaces a state still waiting, and nothing is sent while the client has not taken the
 * previous one.
 */
class StateSubscriber {
  private sent: BillingStateView | null = null;
  private sentAt = -Infinity;
  private waiting: BillingStateView | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sending = false;
  private closed = false;

  constructor(
    /** null for an operator (holds every permission). */
    readonly userId: string | null,
    private readonly push: Push,
    private readonly stop: (error?: unknown) => void,
    private readonly onPush: () => void,
  ) {}

  offer(state: BillingStateView): void {
    if (this.closed) return;
    this.waiting = state;
    this.flush();
  }

  /** Ends the subscription with `error` (R4: the permission was lost). */
  fail(error: unknown): void {
    this.close();
    this.stop(error);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiting = null;
  }

  private flush(): void {
    if (this.closed || this.sending || this.timer || !this.waiting) return;
    if (this.sent && sameCounters(this.waiting, this.sent)) {
      this.waiting = null; // a committed change that moved none of the counters
      return;
    }
    const wait = this.sentAt + BILLING_STATE_INTERVAL_MS - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
      return;
    }
    const state = this.waiting;
    this.waiting = null;
    this.sent = state;
    this.sentAt = performance.now();
    this.sending = true;
    this.onPush();
    this.push(state).then(
      () => {
        this.sending = false;
        this.flush();
      },
      () => this.close(),
    );
  }
}

interface HubDeps {
  pubSub: BillingPubSub;
  clock: Clock;
  log?: Logger;
  read: (organizationId: string, at: Date) => Promise<BillingStateView>;
  billingHolders: (organizationId: string, userIds: readonly string[]) => Promise<Set<string>>;
}

/**
 * R27: one per organization with subscribers on this instance. It listens to the organization's ORGANIZATION_CHANGED
 * topic, computes the state ONCE per coalesced push — at most one computation per BILLING_STATE_INTERVAL_MS, the
 * last change always followed by one — and hands the result to every local subscriber. The same read re-checks, in
 * one batch, that every subscribed user still holds MANAGE_BILLING (R4).
 */
class OrganizationHub {
  readonly subscribers = new Set<StateSubscriber>();
  private state: BillingStateView | null = null;
  /** A change was announced since the last read began (or nothing was read yet). */
  private stale = true;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly settle: NodeJS.Timeout;
  private lastRunAt = -Infinity;
  /** The latest commit heard of (ms since the epoch). */
  private lastCommitAt: number | null = null;
  private closed = false;
  private readonly live: AsyncIterableIterator<OrganizationChangedEvent>;
  private readonly listening: Promise<void>;

  constructor(
    readonly organizationId: string,
    private readonly deps: HubDeps,
  ) {
    this.live = deps.pubSub.subscribe(
      'ORGANIZATION_CHANGED',
      organizationId,
    ) as AsyncIterableIterator<OrganizationChangedEvent>;
    this.listening = this.listen();
    this.schedule(); // the first state, at once
    // Redis confirms a SUBSCRIBE asynchronously: a change committed before it took effect would go unheard. Reading
    // once more after it has settled catches it (and pushes nothing when nothing moved).
    this.settle = setTimeout(() => this.changed(null), LIVE_SETTLE_MS);
    this.settle.unref();
  }

  add(subscriber: StateSubscriber): void {
    this.subscribers.add(subscriber);
    // At once: the latest state read (a change announced since is read next and follows).
    if (this.state) subscriber.offer(this.state);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.settle);
    if (this.timer) clearTimeout(this.timer);
    await this.live.return?.();
    await this.listening;
  }

  private async listen(): Promise<void> {
    try {
      for await (const event of this.live) this.changed(event.committedAt);
    } catch (error) {
      this.deps.log?.error({ err: error, organizationId: this.organizationId }, 'billing state: change feed failed');
    }
  }

  private changed(committedAt: number | null): void {
    if (this.closed) return;
    if (committedAt !== null) this.lastCommitAt = Math.max(this.lastCommitAt ?? committedAt, committedAt);
    this.stale = true;
    this.schedule();
  }

  /** The next read: now if the last one began BILLING_STATE_INTERVAL_MS ago, else then (changes meanwhile coalesce). */
  private schedule(): void {
    if (this.closed || this.running || this.timer || !this.stale) return;
    const wait = Math.max(0, this.lastRunAt + BILLING_STATE_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
  }

  private async run(): Promise<void> {
    if (this.closed) return;
    this.running = true;
    this.stale = false;
    this.lastRunAt = performance.now();
    // The commit this state reflects: the latest one heard of before reading; before any, the read includes every
    // commit up to the instant it began.
    const at = new Date(this.lastCommitAt ?? this.deps.clock.now().getTime());
    const subscribers = [...this.subscribers];
    const users = new Set(subscribers.map((s) => s.userId).filter((id): id is string => id !== null));
    try {
      const [state, holders] = await Promise.all([
        this.deps.read(this.organizationId, at),
        this.deps.billingHolders(this.organizationId, [...users]),
      ]);
      this.state = state;
      for (const subscriber of [...this.subscribers]) {
        // R4, per push: a user who lost MANAGE_BILLING or was deactivated gets FORBIDDEN and nothing more. One who
        // subscribed during the read was checked at subscribe time.
        if (subscriber.userId && users.has(subscriber.userId) && !holders.has(subscriber.userId)) {
          subscriber.fail(forbidden('MANAGE_BILLING was revoked or the user deactivated: this subscription has ended'));
        } else {
          subscriber.offer(state);
        }
      }
    } catch (error) {
      this.deps.log?.error({ err: error, organizationId: this.organizationId }, 'billing state: read failed');
      // Nobody has a state yet: they get the error. Otherwise the next change reads again.
      if (!this.state) for (const subscriber of [...this.subscribers]) subscriber.fail(error);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}

/**
 * Subscription.billingState (R27, R4, R5). Every organization-scoped commit announces ORGANIZATION_CHANGED on the
 * pub/sub (in-process, or Redis across instances: services/index.ts); one hub per organization per instance reads
 * the state once per coalesced push and fans it out to its subscribers.
 */
export class BillingStateStream {
  private readonly hubs = new Map<string, OrganizationHub>();
  private readonly hubDeps: HubDeps;

  constructor(
    private readonly em: EntityManager,
    pubSub: BillingPubSub,
    permissions: PermissionService,
    states: BillingStateService,
    clock: Clock,
    log?: Logger,
    private readonly metrics?: Pick<Metrics, 'billingStatePushes'>,
  ) {
    this.hubDeps = {
      pubSub,
      clock,
      log,
      read: (organizationId, at) => states.read(organizationId, at),
      billingHolders: (organizationId, userIds) =>
        permissions.holdersAmong(em, organizationId, userIds, Permission.MANAGE_BILLING),
    };
  }

  /**
   * Checks what can be refused up front — R5: another organization's id is NOT_FOUND, an operator must name one
   * that exists; R4 (MANAGE_BILLING, read at subscribe) is the directive's — and returns the stream. Its resources
   * are taken on the first read and released when the client unsubscribes or disconnects.
   */
  async subscribe(viewer: Viewer, organizationIdArg?: string | null): Promise<AsyncIterableIterator<BillingStateView>> {
    requireAuthenticated(viewer);
    const organizationId = targetOrganizationId(viewer, organizationIdArg);
    if (viewer.isOperator && !(await this.em.exists(Organization, { where: { id: organizationId } })))
      throw notFound('Organization', organizationId);
    const userId = viewer.isOperator ? null : viewer.subject!;
    return new Repeater<BillingStateView>(async (push, stop) => {
      const subscriber = new StateSubscriber(userId, push, stop, () => this.metrics?.billingStatePushes.inc());
      const hub = this.hubFor(organizationId);
      hub.add(subscriber);
      await stop;
      subscriber.close();
      hub.subscribers.delete(subscriber);
      if (hub.subscribers.size === 0 && this.hubs.get(organizationId) === hub) {
        this.hubs.delete(organizationId);
        await hub.close();
      }
    });
  }

  /** billingState streams of the organization open on this instance (tests, health). */
  openStreams(organizationId: string): number {
    return this.hubs.get(organizationId)?.subscribers.size ?? 0;
  }

  private hubFor(organizationId: string): OrganizationHub {
    let hub = this.hubs.get(organizationId);
    if (!hub) this.hubs.set(organizationId, (hub = new OrganizationHub(organizationId, this.hubDeps)));
    return hub;
  }
}

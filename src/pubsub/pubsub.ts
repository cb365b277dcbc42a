import { setMaxListeners } from 'node:events';
import Redis from 'ioredis';
import { createPubSub, PubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';

/** What travels between instances: ids only; subscribers read the row themselves (fresh, per event). */
export interface AlertRaisedEvent {
  organizationId: string;
  alertId: string;
  sequence: number;
}

/** R27: a change of the organization committed (any organization-scoped unit of work); subscribers read the state. */
export interface OrganizationChangedEvent {
  organizationId: string;
  /** When the change committed (ms since the epoch, the committing instance's clock). */
  committedAt: number;
}

export type BillingEvents = {
  /** Keyed per organization, so events never cross organizations. */
  ALERT_RAISED: [organizationId: string, event: AlertRaisedEvent];
  /** Keyed per organization like ALERT_RAISED (R27). */
  ORGANIZATION_CHANGED: [organizationId: string, event: OrganizationChangedEvent];
};

export type BillingPubSub = PubSub<BillingEvents>;

/**
 * In-process by default; with REDIS_URL every instance publishes to and hears from Redis, so an event raised
 * on one instance reaches subscribers on all of them (docs/operations.md).
 */
export function createPubSubFor(redisUrl?: string): { pubSub: BillingPubSub; close: () => Promise<void> } {
  if (!redisUrl) {
    // One listener per live subscription on a topic: thousands of dashboards are normal, not a leak.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { pubSub: createPubSub<BillingEvents>({ eventTarget: eventTarget as never }), close: async () => {} };
  }
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient });
  return {
    pubSub: createPubSub<BillingEvents>({ eventTarget: eventTarget as never }),
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}

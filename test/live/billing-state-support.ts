import type { Client } from 'graphql-ws';
import { ok, TestServer } from '../support/harness';
import { waitForValue } from '../support/wait';

export const BILLING_STATE = /* GraphQL */ `
  subscription ($organizationId: ID) {
    billingState(organizationId: $organizationId) {
      organizationId
      licenseKind
      contracted
      inUse
      peakThisPeriod
      peakAt
      creditsAvailable
      creditOverageThisPeriod
      upcomingInvoiceTotal {
        cents
        currency
        formatted
      }
      at
    }
  }
`;

/** What the dashboard's queries answer, in the shape of a BillingState (without `at`). */
export const DASHBOARD = /* GraphQL */ `
  query ($id: ID) {
    organization(id: $id) {
      id
      license {
        kind
        contracted
        inUse
        peakThisPeriod
        peakAt
      }
      creditBalance {
        available
        overageThisPeriod
      }
      upcomingInvoice {
        total {
          cents
          currency
          formatted
        }
      }
    }
  }
`;

export type Counters = Record<string, unknown>;

/** The dashboard's `license`, `creditBalance` and `upcomingInvoice` of the organization, as BillingState counters. */
export async function dashboardCounters(server: TestServer, organizationId: string): Promise<Counters> {
  const { organization: o } = await ok(server.gql(DASHBOARD, { id: organizationId }, server.operatorToken));
  return {
    organizationId: o.id,
    licenseKind: o.license.kind,
    contracted: o.license.contracted,
    inUse: o.license.inUse,
    peakThisPeriod: o.license.peakThisPeriod,
    peakAt: o.license.peakAt,
    creditsAvailable: o.creditBalance.available,
    creditOverageThisPeriod: o.creditBalance.overageThisPeriod,
    upcomingInvoiceTotal: o.upcomingInvoice.total,
  };
}

/** A state without its `at`: the counters to compare. */
export const countersOf = (state: Record<string, unknown>): Counters => {
  const { at: _at, ...counters } = state;
  return counters;
};

/** Key order and realm aside (HTTP answers are parsed outside jest's realm), the same counters. */
export function sameCounters(a: Counters, b: Counters): boolean {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([x], [y]) => x.localeCompare(y))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export interface ReceivedState {
  /** Date.now() on arrival. */
  at: number;
  state: any;
}

/** A live billingState subscription over the real graphql-ws client, recording each state and when it arrived. */
export class StateWatcher {
  readonly received: ReceivedState[] = [];
  readonly errors: any[] = [];
  completed = false;
  private readonly unsubscribe: () => void;

  constructor(client: Client, variables: { organizationId?: string } = {}) {
    this.unsubscribe = client.subscribe<any>(
      { query: BILLING_STATE, variables },
      {
        next: (value) => {
          if (value.errors) this.errors.push(...value.errors);
          if (value.data?.billingState) this.received.push({ at: Date.now(), state: value.data.billingState });
        },
        error: (error) => {
          this.errors.push(...(Array.isArray(error) ? error : [error]));
        },
        complete: () => {
          this.completed = true;
        },
      },
    );
  }

  get latest(): any {
    return this.received.at(-1)?.state;
  }

  get errorCodes(): string[] {
    return this.errors.map((e) => e?.extensions?.code ?? String(e?.message ?? e));
  }

  /** Resolves once `count` states have arrived; fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 2000): Promise<void> {
    await waitForValue(
      () => this.received.length,
      (arrived) => arrived >= count,
      { timeoutMs, intervalMs: 5, what: `${count} billingState pushes` },
    );
  }

  /** Resolves with the arrival time of the first state whose counters equal `expected`; fails after `timeoutMs`. */
  async waitForCounters(expected: Counters, timeoutMs = 1000): Promise<number> {
    const found = await waitForValue(
      () => this.received.find((r) => sameCounters(countersOf(r.state), expected)),
      (r) => r !== undefined,
      {
        timeoutMs,
        intervalMs: 5,
        what: `a billingState of ${JSON.stringify(expected)} (received: ${JSON.stringify(this.received.map((r) => countersOf(r.state)))})`,
      },
    );
    return found!.at;
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** Waits until the server has `count` billingState streams open for the organization (the subscribe round trip). */
export async function stateStreamsOpen(server: TestServer, organizationId: string, count: number): Promise<void> {
  await waitForValue(
    () => server.app.services.billingStateStream.openStreams(organizationId),
    (open) => open === count,
    { timeoutMs: 5000, intervalMs: 10, what: `${count} open billingState streams` },
  );
}

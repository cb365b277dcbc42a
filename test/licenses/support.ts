import type { Client } from 'graphql-ws';
import { TestServer } from '../support/harness';
import { waitForValue } from '../support/wait';

export const BILLING_ALERTS = /* GraphQL */ `
  subscription ($organizationId: ID, $sinceAlertId: ID) {
    billingAlerts(organizationId: $organizationId, sinceAlertId: $sinceAlertId) {
      id
      sequence
      kind
      message
      contracted
      inUse
      estimatedAdditionalCharge {
        cents
        formatted
      }
      location {
        id
        name
      }
    }
  }
`;

export const LICENSE = /* GraphQL */ `
  query ($id: ID) {
    organization(id: $id) {
      license {
        kind
        contracted
        inUse
        available
        overage
        peakThisPeriod
        peakAt
        unitPrice {
          cents
        }
      }
    }
  }
`;

export const ALERTS = /* GraphQL */ `
  query ($id: ID, $unacknowledgedOnly: Boolean, $first: Int, $after: String) {
    organization(id: $id) {
      alerts(unacknowledgedOnly: $unacknowledgedOnly, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          sequence
          kind
          message
          contracted
          inUse
          acknowledgedAt
          estimatedAdditionalCharge {
            cents
            formatted
          }
          location {
            id
            name
          }
        }
      }
    }
  }
`;

export const ADD_LOCATION = /* GraphQL */ `
  mutation ($name: String!, $org: ID) {
    addLocation(input: { name: $name }, organizationId: $org) {
      id
      name
    }
  }
`;

export interface Received {
  at: number;
  alert: any;
}

/** A live billingAlerts subscription over the real graphql-ws client, recording what arrives and when. */
export class AlertSubscriber {
  readonly received: Received[] = [];
  readonly errors: any[] = [];
  completed = false;
  private readonly unsubscribe: () => void;

  constructor(
    client: Client,
    variables: { organizationId?: string; sinceAlertId?: string } = {},
    query: string = BILLING_ALERTS,
  ) {
    this.unsubscribe = client.subscribe<any>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) this.errors.push(...value.errors);
          if (value.data?.billingAlerts) this.received.push({ at: Date.now(), alert: value.data.billingAlerts });
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

  get sequences(): number[] {
    return this.received.map((r) => r.alert.sequence);
  }

  get errorCodes(): string[] {
    return this.errors.map((e) => e?.extensions?.code ?? String(e?.message ?? e));
  }

  /** Resolves once `count` alerts have arrived; fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 2000): Promise<void> {
    await waitForValue(
      () => this.received.length,
      (arrived) => arrived >= count,
      { timeoutMs, intervalMs: 10, what: `${count} billingAlerts` },
    );
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** Waits until the server has opened `count` billingAlerts streams for the organization (the subscribe round trip). */
export async function streamsOpen(server: TestServer, organizationId: string, count: number): Promise<void> {
  const openStreams = () => server.app.services.alertStream.openStreams(organizationId);
  await waitForValue(openStreams, (open) => open >= count, {
    timeoutMs: 5000,
    intervalMs: 10,
    what: `${count} open billingAlerts streams`,
  });
}

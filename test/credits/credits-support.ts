import {
  BillingAlert,
  CreditDailyUse,
  CreditEntryKind,
  CreditLedgerEntry,
  CreditLot,
  CreditOverageTally,
  CreditPeriodTally,
  TrainingAssignment,
} from '../../entities';
import { SandboxPaymentProvider } from '../../src/payments/sandbox-provider';
import { ok, TestServer } from '../support/harness';

export const sandboxOf = (server: TestServer) => server.app.services.paymentProvider as SandboxPaymentProvider;

export const BALANCE = /* GraphQL */ `
  query Balance {
    organization {
      creditBalance {
        available
        consumedThisPeriod
        overageThisPeriod
        overageCharge {
          cents
        }
        unitPrice {
          cents
        }
        lots {
          id
          source
          quantity
          remaining
          expiresAt
        }
        ledger(first: 50) {
          totalCount
          nodes {
            kind
            quantity
            balanceAfter
            lot {
              id
            }
            assignment {
              id
            }
          }
        }
      }
    }
  }
`;

export const PURCHASE = /* GraphQL */ `
  mutation Purchase($quantity: Int!, $key: String!, $organizationId: ID) {
    purchaseCredits(quantity: $quantity, idempotencyKey: $key, organizationId: $organizationId) {
      id
      quantity
      total {
        cents
      }
      lot {
        id
        source
        quantity
        remaining
        expiresAt
        unitPrice {
          cents
        }
      }
      payment {
        id
        status
        amount {
          cents
        }
        failureCode
      }
    }
  }
`;

export const GRANT = /* GraphQL */ `
  mutation Grant($organizationId: ID!, $quantity: Int!, $expiresAt: DateTime, $key: String!) {
    grantCredits(organizationId: $organizationId, quantity: $quantity, expiresAt: $expiresAt, idempotencyKey: $key) {
      id
      source
      quantity
      remaining
      expiresAt
      unitPrice {
        cents
      }
    }
  }
`;

export const ASSIGN = /* GraphQL */ `
  mutation Assign($input: AssignPremiumContentInput!) {
    assignPremiumContent(input: $input) {
      id
      status
      credits
      contentId
      user {
        id
      }
      creditsFromBalance
      creditsOverage
    }
  }
`;

export const START = /* GraphQL */ `
  mutation Start($id: ID!) {
    startTraining(assignmentId: $id) {
      id
      status
      startedAt
      creditsFromBalance
      creditsOverage
    }
  }
`;

export const CANCEL = /* GraphQL */ `
  mutation Cancel($id: ID!) {
    cancelAssignment(assignmentId: $id) {
      id
      status
    }
  }
`;

export const SET_CARD = /* GraphQL */ `
  mutation Card($token: String!, $organizationId: ID) {
    updatePaymentMethod(token: $token, organizationId: $organizationId) {
      brand
      last4
      expMonth
      expYear
    }
  }
`;

let keyCounter = 0;
export const newKey = (prefix = 'key') => `${prefix}-${Date.now().toString(36)}-${(keyCounter++).toString(36)}`;

/** Grants credits as an operator (no expiry unless given). Returns the lot id. */
export async function grant(
  server: TestServer,
  organizationId: string,
  quantity: number,
  expiresAt?: Date,
): Promise<string> {
  const data = await ok(
    server.gql(
      GRANT,
      { organizationId, quantity, expiresAt: expiresAt?.toISOString() ?? null, key: newKey('grant') },
      server.operatorToken,
    ),
  );
  return data.grantCredits.id;
}

export async function assign(server: TestServer, token: string, userId: string, credits = 1): Promise<string> {
  const data = await ok(server.gql(ASSIGN, { input: { userId, contentId: 'compliance-101', credits } }, token));
  return data.assignPremiumContent.id;
}

/** The database's view of an organization's credits: what the invariants of R16 are about. */
export async function creditState(server: TestServer, organizationId: string) {
  const em = server.app.dataSource.manager;
  const [lots, entries, assignments, alerts, periodTallies, overageTallies, dailyUse] = await Promise.all([
    em.find(CreditLot, { where: { organizationId } }),
    em.find(CreditLedgerEntry, { where: { organizationId }, order: { sequence: 'ASC' } }),
    em.find(TrainingAssignment, { where: { organizationId } }),
    em.find(BillingAlert, { where: { organizationId }, order: { sequence: 'ASC' } }),
    em.find(CreditPeriodTally, { where: { organizationId } }),
    em.find(CreditOverageTally, { where: { organizationId } }),
    em.find(CreditDailyUse, { where: { organizationId } }),
  ]);
  const lotRemainders = lots.reduce((s, l) => s + l.remaining, 0);
  const ledgerSum = entries.filter((e) => e.kind !== CreditEntryKind.OVERAGE).reduce((s, e) => s + e.quantity, 0);
  const lastBalance = entries.at(-1)?.balanceAfter ?? 0;
  const tallies = {
    periods: Object.fromEntries(periodTallies.map((t) => [t.periodId, t.consumedFromBalance])),
    overage: Object.fromEntries(overageTallies.map((t) => [`${t.periodId} at ${t.unitPriceCents}`, t.credits])),
    days: Object.fromEntries(dailyUse.map((t) => [t.day, t.credits])),
  };
  return { lots, entries, assignments, alerts, lotRemainders, ledgerSum, lastBalance, tallies };
}

/** R16: balance = Σ non-overage ledger quantities = Σ lot remainders ≥ 0, sequences gapless, balanceAfter a running sum. */
export function expectLedgerBalances(state: Awaited<ReturnType<typeof creditState>>): void {
  expect(state.ledgerSum).toBe(state.lotRemainders);
  expect(state.lastBalance).toBe(state.lotRemainders);
  expect(state.lotRemainders).toBeGreaterThanOrEqual(0);
  let running = 0;
  state.entries.forEach((e, i) => {
    expect(e.sequence).toBe(i + 1);
    if (e.kind !== CreditEntryKind.OVERAGE) running += e.quantity;
    expect(e.balanceAfter).toBe(running);
    expect(e.balanceAfter).toBeGreaterThanOrEqual(0);
  });
  for (const lot of state.lots) {
    expect(lot.remaining).toBeGreaterThanOrEqual(0);
    expect(lot.remaining).toBeLessThanOrEqual(lot.quantity);
  }
  expect(state.tallies).toEqual(talliesFromLedger(state.entries));
}

/** The credit tallies kept on write (credit-tallies.ts), summed the obvious way from the ledger itself. */
export function talliesFromLedger(entries: readonly CreditLedgerEntry[]) {
  const periods: Record<string, number> = {};
  const overage: Record<string, number> = {};
  const days: Record<string, number> = {};
  for (const e of entries) {
    if (e.kind !== CreditEntryKind.CONSUMPTION && e.kind !== CreditEntryKind.OVERAGE) continue;
    const used = e.kind === CreditEntryKind.CONSUMPTION ? -e.quantity : e.quantity;
    const day = e.createdAt.toISOString().slice(0, 10);
    days[day] = (days[day] ?? 0) + used;
    if (!e.periodId) continue;
    if (e.kind === CreditEntryKind.CONSUMPTION) periods[e.periodId] = (periods[e.periodId] ?? 0) + used;
    else
      overage[`${e.periodId} at ${e.unitPriceCents}`] = (overage[`${e.periodId} at ${e.unitPriceCents}`] ?? 0) + used;
  }
  return { periods, overage, days };
}

import fc from 'fast-check';
import { AssignmentStatus, CreditEntryKind, CreditLedgerEntry, LicenseKind, Role } from '../../entities';
import type { Viewer } from '../../src/auth/viewer';
import { BillingError } from '../../src/errors/errors';
import { SandboxPaymentProvider } from '../../src/payments/sandbox-provider';
import { DRIVERS, startServer, TestServer, uniqueEmail } from '../support/harness';
import { creditState, expectLedgerBalances } from './credits-support';
import { DAY, ManualClock } from '../support/clock';
import { operatorViewer } from '../support/viewers';

const operator: Viewer = operatorViewer('property-operator');

type Op =
  | { kind: 'purchase'; quantity: number; key: number }
  | { kind: 'grant'; quantity: number; expiresInDays: number | null; key: number }
  | { kind: 'assign'; user: number; credits: number }
  | { kind: 'start'; assignment: number }
  | { kind: 'startConcurrently'; assignments: number[] }
  | { kind: 'cancel'; assignment: number }
  | { kind: 'expire'; days: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('purchase' as const),
    quantity: fc.integer({ min: 1, max: 30 }),
    key: fc.integer({ min: 0, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('grant' as const),
    quantity: fc.integer({ min: 1, max: 30 }),
    expiresInDays: fc.option(fc.integer({ min: 1, max: 6 })),
    key: fc.integer({ min: 0, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('assign' as const),
    user: fc.integer({ min: 0, max: 1 }),
    credits: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({
    kind: fc.constant('assign' as const),
    user: fc.integer({ min: 0, max: 1 }),
    credits: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({ kind: fc.constant('start' as const), assignment: fc.nat(20) }),
  fc.record({
    kind: fc.constant('startConcurrently' as const),
    assignments: fc.array(fc.nat(20), { minLength: 2, maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant('cancel' as const), assignment: fc.nat(20) }),
  fc.record({ kind: fc.constant('expire' as const), days: fc.integer({ min: 0, max: 4 }) }),
);

/**
 * R14–R16 as properties: any sequence of purchases, grants, assignments, starts (also concurrent), cancels and
 * expiries keeps balance = Σ non-overage ledger quantities = Σ lot remainders ≥ 0, consumes exactly an assignment's
 * credits once it started (and nothing otherwise), and never changes a ledger entry once written.
 */
describe.each(DRIVERS)('credit invariants (property) on %s', (driver) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-06-01T12:00:00.000Z'));
  const sandbox = new SandboxPaymentProvider(clock);

  beforeAll(async () => {
    server = await startServer(driver, { appOptions: { clock, paymentProvider: sandbox } });
  });
  afterAll(() => server.close());

  it('R14–R16, R19: random operation sequences keep the ledger and the balance equal and entries immutable', async () => {
    const services = server.app.services;
    const ctx = () => ({ viewer: operator, em: server.app.dataSource.manager });
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: driver === 'sqlite' ? 30 : 20 }), async (ops) => {
        const org = await services.organizations.create(ctx(), {
          name: 'Prop',
          admin: { email: uniqueEmail('prop'), name: 'A' },
          contract: { licenseModel: LicenseKind.USER, contractedSeats: 10 },
        });
        const users = await Promise.all(
          [0, 1].map(() => services.users.add(ctx(), { email: uniqueEmail(), name: 'U', role: Role.EMPLOYEE }, org.id)),
        );
        await services.paymentMethods.update(ctx(), 'tok_visa', org.id);
        const assignments: string[] = [];
        const keys = new Map<
          string,
          { op: string; quantity: number; expiresInDays?: number | null; expiresAt?: Date | null }
        >();
        const seen = new Map<string, string>(); // ledger entry id → its JSON when first seen
        const runId = org.id.slice(0, 8);

        const expectRefused = async (promise: Promise<unknown>, code: string) => {
          await expect(promise).rejects.toBeInstanceOf(BillingError);
          await promise.catch((e: BillingError) => expect(e.code).toBe(code));
        };

        for (const op of ops) {
          switch (op.kind) {
            case 'purchase': {
              const key = `${runId}-k${op.key}`;
              const used = keys.get(key);
              const call = services.creditPurchases.purchaseCredits(ctx(), op.quantity, key, org.id);
              if (used && (used.op !== 'purchase' || used.quantity !== op.quantity))
                await expectRefused(call, 'IDEMPOTENCY_KEY_REUSED');
              else {
                await call;
                keys.set(key, { op: 'purchase', quantity: op.quantity });
              }
              break;
            }
            case 'grant': {
              const key = `${runId}-k${op.key}`;
              const used = keys.get(key);
              // A replay is the same absolute expiry: a later grant with fewer days can land on the same instant.
              const expiresAt = op.expiresInDays ? new Date(clock.now().getTime() + op.expiresInDays * DAY) : null;
              const call = services.creditPurchases.grantCredits(ctx(), org.id, op.quantity, expiresAt, key);
              if (
                used &&
                (used.op !== 'grant' ||
                  used.quantity !== op.quantity ||
                  (used.expiresAt?.getTime() ?? null) !== (expiresAt?.getTime() ?? null))
              )
                await expectRefused(call, 'IDEMPOTENCY_KEY_REUSED');
              else {
                await call;
                keys.set(key, { op: 'grant', quantity: op.quantity, expiresInDays: op.expiresInDays, expiresAt });
              }
              break;
            }
            case 'assign':
              assignments.push(
                (
                  await services.assignments.assign(ctx(), {
                    userId: users[op.user].id,
                    contentId: 'p',
                    credits: op.credits,
                  })
                ).id,
              );
              break;
            case 'start':
            case 'startConcurrently': {
              const picked = (op.kind === 'start' ? [op.assignment] : op.assignments)
                .filter((i) => i < assignments.length)
                .map((i) => assignments[i]);
              const results = await Promise.allSettled(picked.map((id) => services.assignments.start(ctx(), id)));
              for (const r of results) {
                if (r.status === 'rejected') expect((r.reason as BillingError).code).toBe('CONFLICT'); // a cancelled assignment
              }
              break;
            }
            case 'cancel': {
              if (op.assignment >= assignments.length) break;
              await services.assignments
                .cancel(ctx(), assignments[op.assignment])
                .catch((e: BillingError) => expect(e.code).toBe('CONFLICT'));
              break;
            }
            case 'expire':
              clock.advance(op.days * DAY);
              await services.credits.expireLots(ctx(), clock.now());
              break;
          }

          const state = await creditState(server, org.id);
          expectLedgerBalances(state);
          for (const e of state.entries) {
            const json = JSON.stringify(e);
            expect(seen.get(e.id) ?? json).toBe(json);
            seen.set(e.id, json);
          }
          expect(seen.size).toBe(state.entries.length); // nothing deleted
          const byAssignment = new Map<string, CreditLedgerEntry[]>();
          for (const e of state.entries)
            if (e.assignmentId) byAssignment.set(e.assignmentId, [...(byAssignment.get(e.assignmentId) ?? []), e]);
          for (const a of state.assignments) {
            const entries = byAssignment.get(a.id) ?? [];
            if (a.status === AssignmentStatus.STARTED) {
              expect(entries.reduce((s, e) => s + Math.abs(e.quantity), 0)).toBe(a.credits);
              expect(a.creditsFromBalance + a.creditsOverage).toBe(a.credits);
              expect(
                entries.filter((e) => e.kind === CreditEntryKind.CONSUMPTION).reduce((s, e) => s - e.quantity, 0),
              ).toBe(a.creditsFromBalance);
            } else {
              expect(entries).toEqual([]);
            }
          }
          const balance = await services.credits.balance(server.app.dataSource.manager, org.id);
          const now = clock.now().getTime();
          expect(balance.available).toBe(
            state.lots
              .filter((l) => !l.expiredAt && (!l.expiresAt || l.expiresAt.getTime() > now))
              .reduce((s, l) => s + l.remaining, 0),
          );
          expect(balance.available).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: driver === 'sqlite' ? 100 : 30, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
    );
  });
});

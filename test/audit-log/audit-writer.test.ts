import { ActorKind, AuditAction } from '../../entities';
import type { Viewer } from '../../src/auth/viewer';
import { AuditLog, AuditScope, changedFields, timeOrderedId } from '../../src/services/audit-log';

const NOW = new Date('2026-12-02T12:00:00.000Z');
const log = new AuditLog({ now: () => NOW });
const viewer = (fields: Partial<Viewer>): Viewer => ({
  authenticated: true,
  isOperator: false,
  subject: 'u-1',
  user: null,
  organizationId: 'org-1',
  permissions: new Set(),
  ...fields,
});
const scope = (v: Viewer, requestId?: string) =>
  ({ viewer: v, em: null as never, requestId, organizationId: 'org-1' }) as AuditScope;
const entry = { action: AuditAction.PAYMENT_METHOD_UPDATED, targetType: 'PaymentMethod', targetId: 'pm-1' };

describe('R31: the audit writer', () => {
  it('R31: a field named like a token, secret, password or card detail is never stored, however nested', () => {
    const event = log.eventOf(scope(viewer({})), {
      ...entry,
      changes: {
        paymentMethod: { before: 'none', after: 'set' },
        token: { before: null, after: 'tok_visa' },
        card: { before: null, after: { brand: 'Visa', last4: '4242' } },
        nested: { before: null, after: { providerToken: 'pm_sandbox_x', clientSecret: 's3cr3t', password: 'p' } },
      },
    });
    const json = JSON.stringify(event.changes);
    for (const secret of ['tok_visa', 'Visa', '4242', 'pm_sandbox_x', 's3cr3t', '"p"'])
      expect(json).not.toContain(secret);
    expect(event.changes.paymentMethod).toEqual({ before: 'none', after: 'set' });
    expect(event.changes.token).toBe('[redacted]');
  });

  it('R31: the actor comes from the viewer: USER (its id), OPERATOR (its subject), SYSTEM (neither)', () => {
    const user = { id: 'u-1' } as Viewer['user'];
    expect(log.eventOf(scope(viewer({ user }), 'req-1'), { ...entry, changes: {} })).toMatchObject({
      actorKind: ActorKind.USER,
      actorUserId: 'u-1',
      actorSubject: 'u-1',
      requestId: 'req-1',
      organizationId: 'org-1',
      createdAt: NOW,
    });
    expect(log.eventOf(scope(viewer({ isOperator: true, subject: 'op-7' })), { ...entry, changes: {} })).toMatchObject({
      actorKind: ActorKind.OPERATOR,
      actorUserId: null,
      actorSubject: 'op-7',
      requestId: null,
    });
    const system = viewer({ isOperator: true, subject: 'scheduler', system: true });
    expect(log.eventOf(scope(system), { ...entry, changes: {} })).toMatchObject({
      actorKind: ActorKind.SYSTEM,
      actorUserId: null,
      actorSubject: null,
    });
    // Time expiring a lot during a user's write: SYSTEM, with that write's request id.
    expect(log.eventOf(scope(viewer({ user }), 'req-2'), { ...entry, changes: {}, bySystem: true })).toMatchObject({
      actorKind: ActorKind.SYSTEM,
      requestId: 'req-2',
    });
  });

  it('R31: ids are time-ordered and strictly increasing, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => timeOrderedId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 3))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('R31: changedFields keeps only the fields that differ, compared by value', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(
      changedFields({ a: 1, b: [1, 2], c: at, d: null }, { a: 1, b: [1, 2], c: new Date(at), d: 'x' }, [
        'a',
        'b',
        'c',
        'd',
      ]),
    ).toEqual({ d: { before: null, after: 'x' } });
  });
});

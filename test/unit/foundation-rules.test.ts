import fc from 'fast-check';
import { ALL_PERMISSIONS, Permission, Role, UserStatus } from '../../entities/enums';
import { addCalendarMonths, periodEnd } from '../../src/services/billing-calendar';
import { formatUsd, multiplyCents } from '../../src/common/money';
import { effectivePermissions } from '../../src/auth/permissions';
import { BillingInterval } from '../../entities/enums';

describe('R1/R2 effective permissions', () => {
  const none = new Map();
  it('R1: role defaults', () => {
    expect(effectivePermissions({ role: Role.ADMIN, status: UserStatus.ACTIVE }, none, none)).toEqual(ALL_PERMISSIONS);
    expect(effectivePermissions({ role: Role.MANAGER, status: UserStatus.ACTIVE }, none, none)).toEqual([
      Permission.MANAGE_USERS,
      Permission.ASSIGN_CONTENT,
    ]);
    expect(effectivePermissions({ role: Role.EMPLOYEE, status: UserStatus.ACTIVE }, none, none)).toEqual([]);
  });

  it('R2: user override, else role override, else default; deactivated holds nothing (property)', () => {
    const override = fc.option(fc.boolean(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(Role)),
        fc.constantFrom(...Object.values(UserStatus)),
        fc.constantFrom(...ALL_PERMISSIONS),
        override,
        override,
        (role, status, permission, roleOverride, userOverride) => {
          const roles = new Map(roleOverride === undefined ? [] : [[`${role}:${permission}`, roleOverride]]);
          const users = new Map(userOverride === undefined ? [] : [[permission, userOverride]]);
          const defaults: Record<Role, Permission[]> = {
            ADMIN: ALL_PERMISSIONS.slice(),
            MANAGER: [Permission.MANAGE_USERS, Permission.ASSIGN_CONTENT],
            EMPLOYEE: [],
          };
          const expected =
            status === UserStatus.DEACTIVATED
              ? false
              : (userOverride ?? roleOverride ?? defaults[role].includes(permission));
          expect(effectivePermissions({ role, status }, roles, users).includes(permission)).toBe(expected);
        },
      ),
    );
  });
});

describe('billing calendar', () => {
  it.each([
    ['2026-01-31T10:00:00.000Z', 1, '2026-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00.000Z', 1, '2028-02-29T10:00:00.000Z'],
    ['2026-01-31T10:00:00.000Z', 2, '2026-03-31T10:00:00.000Z'],
    ['2026-11-26T04:41:53.123Z', 1, '2026-12-26T04:41:53.123Z'],
    ['2026-12-15T00:00:00.000Z', 1, '2027-01-15T00:00:00.000Z'],
    ['2026-02-28T00:00:00.000Z', 12, '2027-02-28T00:00:00.000Z'],
  ])('%s + %i months = %s (the anchor day is kept where the month has it)', (from, months, to) => {
    expect(addCalendarMonths(new Date(from), months).toISOString()).toBe(to);
  });

  it('periods follow the anchor, not the previous end (Jan 31 → Feb 28 → Mar 31)', () => {
    const anchor = new Date('2026-01-31T00:00:00.000Z');
    expect(periodEnd(anchor, BillingInterval.MONTHLY, 0).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(periodEnd(anchor, BillingInterval.MONTHLY, 1).toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(periodEnd(anchor, BillingInterval.ANNUAL, 0).toISOString()).toBe('2027-01-31T00:00:00.000Z');
  });
});

describe('money', () => {
  it.each([
    [0, '$0.00'],
    [5, '$0.05'],
    [123450, '$1,234.50'],
    [100000000, '$1,000,000.00'],
    [-2500, '-$25.00'],
  ])('%i cents is %s', (cents, text) => {
    expect(formatUsd(cents)).toBe(text);
  });
  it('refuses non-integer cents and unsafe products', () => {
    expect(() => formatUsd(1.5)).toThrow(RangeError);
    expect(() => multiplyCents(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
    expect(multiplyCents(1999, 3)).toBe(5997);
  });
});

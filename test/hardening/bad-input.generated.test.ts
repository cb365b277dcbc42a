import {
  addUser,
  createOrg,
  DRIVERS,
  GqlResult,
  ok,
  startServer,
  TestServer,
  uniqueEmail,
  wsOnce,
} from '../support/harness';

/**
 * R34, generated from the served schema: every argument of every mutation (and every field of its input objects,
 * recursively) gets boundary and hostile values, one at a time against an otherwise valid call, over HTTP and over
 * graphql-ws. No answer may be INTERNAL_SERVER_ERROR or carry a stack or SQL text, and a refused call writes nothing
 * (the row count of every table is unchanged).
 */

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface InputValue {
  name: string;
  type: TypeRef;
}
interface Introspection {
  mutation: Array<{ name: string; type: TypeRef; args: InputValue[] }>;
  inputs: Map<string, InputValue[]>;
  kinds: Map<string, string>;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const INTROSPECT = `{
  __schema {
    mutationType { fields { name type { ${TYPE_REF} } args { name type { ${TYPE_REF} } } } }
    types { name kind inputFields { name type { ${TYPE_REF} } } }
  }
}`;

const typeString = (t: TypeRef): string =>
  t.kind === 'NON_NULL' ? `${typeString(t.ofType!)}!` : t.kind === 'LIST' ? `[${typeString(t.ofType!)}]` : t.name!;
const namedType = (t: TypeRef): TypeRef => (t.ofType ? namedType(t.ofType) : t);
const isList = (t: TypeRef): boolean => (t.kind === 'NON_NULL' ? isList(t.ofType!) : t.kind === 'LIST');

/** One organization's objects, so every id argument has a valid value and another organization's counterpart. */
interface World {
  orgId: string;
  adminId: string;
  adminToken: string;
  userId: string;
  locationId: string;
  assignmentId: string;
  alertId: string;
  invoiceId: string;
  alertRuleId: string;
}

let serial = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(serial++).toString(36)}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** A valid call of each mutation on organization A, and who makes it; fresh each time (new keys and emails). */
const BASELINES: Record<string, { operator?: boolean; args: (a: World) => Record<string, unknown> }> = {
  acknowledgeAlert: { args: (a) => ({ id: a.alertId }) },
  createOrganization: {
    operator: true,
    args: () => ({
      input: {
        name: 'New Co',
        admin: { email: uniqueEmail('new'), name: 'Admin' },
        contract: { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1000 },
      },
    }),
  },
  updateContract: {
    operator: true,
    args: (a) => ({ organizationId: a.orgId, input: { licenseModel: 'USER', contractedSeats: 5 } }),
  },
  addLocation: { args: () => ({ input: { name: unique('Site') } }) },
  deactivateLocation: { args: (a) => ({ id: a.locationId }) },
  setRolePermission: { args: () => ({ role: 'EMPLOYEE', permission: 'ASSIGN_CONTENT', granted: true }) },
  addUser: { args: () => ({ input: { email: uniqueEmail(), name: 'New User' } }) },
  deactivateUser: { args: (a) => ({ id: a.userId }) },
  reactivateUser: { args: (a) => ({ id: a.userId }) },
  setUserPermission: { args: (a) => ({ userId: a.userId, permission: 'ASSIGN_CONTENT', granted: true }) },
  updateBillingContacts: {
    args: () => ({ input: { pointOfContactEmail: 'poc@example.test', additionalEmails: ['more@example.test'] } }),
  },
  payInvoice: { args: (a) => ({ invoiceId: a.invoiceId, idempotencyKey: unique('pay') }) },
  requestTermination: { args: () => ({ reason: 'Moving on' }) },
  closeBillingPeriod: { operator: true, args: (a) => ({ organizationId: a.orgId }) },
  finalizeTermination: { operator: true, args: (a) => ({ organizationId: a.orgId }) },
  runScheduledJobs: { operator: true, args: () => ({ asOf: new Date().toISOString() }) },
  assignPremiumContent: { args: (a) => ({ input: { userId: a.userId, contentId: 'course-101', credits: 1 } }) },
  startTraining: { args: (a) => ({ assignmentId: a.assignmentId }) },
  cancelAssignment: { args: (a) => ({ assignmentId: a.assignmentId }) },
  purchaseCredits: { args: () => ({ quantity: 1, idempotencyKey: unique('buy') }) },
  grantCredits: {
    operator: true,
    args: (a) => ({ organizationId: a.orgId, quantity: 10, idempotencyKey: unique('grant'), expiresAt: inDays(30) }),
  },
  updatePaymentMethod: { args: () => ({ token: 'tok_visa' }) },
  createAlertRule: { args: () => ({ input: { metric: 'CREDITS_AVAILABLE', direction: 'BELOW', threshold: 5 } }) },
  updateAlertRule: {
    args: (a) => ({
      id: a.alertRuleId,
      input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 1, channels: ['EMAIL'], enabled: true },
    }),
  },
  deleteAlertRule: { args: (a) => ({ id: a.alertRuleId }) },
  issueCreditNote: {
    operator: true,
    args: (a) => ({ invoiceId: a.invoiceId, amountCents: 1, reason: 'GOODWILL', idempotencyKey: unique('cn') }),
  },
};

const TEN_THOUSAND = 'x'.repeat(10_000);
const SQL = "' OR 1=1 --";
/** Hostile text: empty, huge, control (NUL, CR LF), bidi override, zero-width, SQL metacharacters. */
const STRINGS = [
  '',
  TEN_THOUSAND,
  'a\u0000b',
  'line\r\nbreak',
  '\u202Egnp.exe',
  'zero\u200Bwidth',
  SQL,
  "x'); DROP TABLE users; --",
];
/** Integers: negative, zero, the largest Int, 2^31 and 2^53 (the last two are no GraphQL Int). */
const INTS = [-1, 0, 2 ** 31 - 1, 2 ** 31, 2 ** 53];
/** DateTimes: outside years 2000–2999 (year 10000 cannot be stored), malformed, a number. */
const DATES = [
  '9999-12-31T23:59:59Z',
  '+010000-01-01T00:00:00Z',
  '1999-12-31T23:59:59Z',
  '3000-01-01T00:00:00Z',
  'yesterday',
  '',
  0,
];
/** Anything else (enums, Boolean, SafeInt, input objects): the wrong type. */
const WRONG_TYPE = [SQL, -1];

interface Case {
  mutation: string;
  /** Where the hostile value goes: argument name, then input field names. */
  path: string[];
  value: unknown;
}

/** Hostile values for a leaf of this type (ids also get another organization's counterpart of the baseline). */
function hostileValues(type: TypeRef, kinds: Map<string, string>, otherOrgId: string | undefined): unknown[] {
  const named = namedType(type);
  let values: unknown[];
  if (named.name === 'ID') values = [...STRINGS, '-1', '0', '2147483648', ...(otherOrgId ? [otherOrgId] : [])];
  else if (named.name === 'String') values = STRINGS;
  else if (named.name === 'Int') values = INTS;
  else if (named.name === 'DateTime') values = DATES;
  else if (kinds.get(named.name!) === 'INPUT_OBJECT') values = [SQL, {}];
  else values = WRONG_TYPE;
  return isList(type)
    ? [...values.map((v) => [v]), [], Array.from({ length: 21 }, (_, i) => `list${i}@example.test`)]
    : values;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    node[key] = typeof node[key] === 'object' && node[key] !== null ? node[key] : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
  return copy;
}

function getPath(target: Record<string, unknown>, path: string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    target,
  );
}

/** Every argument and input field of the mutation (recursively), with the hostile values for it. */
function casesFor(mutation: { name: string; args: InputValue[] }, schema: Introspection, a: World, b: World): Case[] {
  const baseline = BASELINES[mutation.name].args(a);
  const counterpart = (value: unknown) => {
    const key = (Object.keys(a) as Array<keyof World>).find((k) => a[k] === value);
    return key ? b[key] : b.orgId;
  };
  const cases: Case[] = [];
  const walk = (field: InputValue, path: string[], depth: number) => {
    for (const value of hostileValues(field.type, schema.kinds, counterpart(getPath(baseline, path))))
      cases.push({ mutation: mutation.name, path, value });
    const named = namedType(field.type);
    if (depth < 4 && !isList(field.type) && schema.kinds.get(named.name!) === 'INPUT_OBJECT') {
      for (const inner of schema.inputs.get(named.name!) ?? []) walk(inner, [...path, inner.name], depth + 1);
    }
  };
  for (const arg of mutation.args) walk(arg, [arg.name], 0);
  return cases;
}

/** Any sign of an internal error in a message: SQL, a driver's error names, a stack frame. */
const LEAK =
  /\b(SELECT|INSERT INTO|UPDATE\s+\S+\s+SET|DELETE FROM|FOREIGN KEY)\b|\bER_[A-Z_]+|SQLITE|QueryFailedError|TypeORM|constraint failed|\n\s*at\s|\bat .+\(.+:\d+:\d+\)/;

describe.each(DRIVERS)('R34: generated bad input to every mutation on %s', (driver) => {
  let server: TestServer;
  let schema: Introspection;
  let countRows: () => Promise<Record<string, number>>;
  const summary = { calls: 0, refused: 0, accepted: 0 };

  beforeAll(async () => {
    server = await startServer(driver, { config: { testClock: true } });
    const { __schema } = await ok(server.gql(INTROSPECT, {}, server.operatorToken));
    const types = __schema.types as Array<{ name: string; kind: string; inputFields: InputValue[] | null }>;
    schema = {
      mutation: __schema.mutationType.fields,
      inputs: new Map(types.filter((t) => t.inputFields).map((t) => [t.name, t.inputFields!])),
      kinds: new Map(types.map((t) => [t.name, t.kind])),
    };
    // One statement counting every table the entities map (both drivers accept backquoted names).
    const tables = server.app.dataSource.entityMetadatas.map((m) => m.tableName).sort();
    const sql = `SELECT ${tables.map((t, i) => `(SELECT COUNT(*) FROM \`${t}\`) AS c${i}`).join(', ')}`;
    countRows = async () => {
      const [row] = (await server.app.dataSource.query(sql)) as Array<Record<string, unknown>>;
      return Object.fromEntries(tables.map((t, i) => [t, Number(row[`c${i}`])]));
    };
  });
  afterAll(async () => {
    await server.close();
  });

  async function world(name: string): Promise<World> {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 1, seatPriceCents: 1500 }, name);
    const gql = (query: string, variables: Record<string, unknown>, token = org.adminToken) =>
      ok(server.gql(query, variables, token));
    const location = await gql(`mutation($i: AddLocationInput!) { addLocation(input: $i) { id } }`, {
      i: { name: `${name} HQ` },
    });
    // the second user exceeds the one contracted seat: a SEAT_OVERAGE alert
    const user = await addUser(server, org.adminToken, { locationId: location.addLocation.id });
    await gql(`mutation { updatePaymentMethod(token: "tok_visa") { last4 } }`, {});
    const assignment = await gql(
      `mutation($i: AssignPremiumContentInput!) { assignPremiumContent(input: $i) { id } }`,
      { i: { userId: user.id, contentId: 'course-1' } },
    );
    const alerts = await gql(`{ organization { alerts { nodes { id } } } }`, {});
    const rule = await gql(`mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }`, {
      i: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 10 },
    });
    const invoice = await gql(
      `mutation($id: ID!) { closeBillingPeriod(organizationId: $id) { id } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    return {
      orgId: org.orgId,
      adminId: org.adminId,
      adminToken: org.adminToken,
      userId: user.id,
      locationId: location.addLocation.id,
      assignmentId: assignment.assignPremiumContent.id,
      alertId: alerts.organization.alerts.nodes[0].id,
      invoiceId: invoice.closeBillingPeriod.id,
      alertRuleId: rule.createAlertRule.id,
    };
  }

  it('R34: every mutation of the served schema has a valid baseline call here (a new mutation must be added to BASELINES)', () => {
    const served = schema.mutation.map((m) => m.name).sort();
    expect(served.filter((m) => !BASELINES[m])).toEqual([]);
  });

  it('R34: hostile values in every argument and input field: never INTERNAL_SERVER_ERROR, no stack or SQL text, and a refusal writes nothing — over HTTP and graphql-ws', async () => {
    const failures: string[] = [];
    for (const mutation of schema.mutation) {
      const spec = BASELINES[mutation.name];
      if (!spec) continue;
      const a = await world(`A ${mutation.name}`);
      const b = await world(`B ${mutation.name}`);
      const token = spec.operator ? server.operatorToken : a.adminToken;
      const ws = server.ws(token);
      const declared = mutation.args.map((arg) => `$${arg.name}: ${typeString(arg.type)}`).join(', ');
      const passed = mutation.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
      // A scalar result (deleteAlertRule's ID) takes no selection.
      const selection = schema.kinds.get(namedType(mutation.type).name!) === 'SCALAR' ? '' : ' { __typename }';
      const query = `mutation Hostile${declared ? `(${declared})` : ''} { ${mutation.name}${passed ? `(${passed})` : ''}${selection} }`;

      for (const c of casesFor(mutation, schema, a, b)) {
        for (const transport of ['HTTP', 'graphql-ws'] as const) {
          // a fresh baseline per call: new idempotency keys and emails, so an accepted call never blocks the next one
          const variables = setPath(spec.args(a), c.path, c.value);
          const before = await countRows();
          const res: GqlResult =
            transport === 'HTTP' ? await server.gql(query, variables, token) : await wsOnce(ws, query, variables);
          summary.calls++;
          const label = `${mutation.name}(${c.path.join('.')} = ${JSON.stringify(c.value)?.slice(0, 40)}) over ${transport}`;
          for (const e of res.errors ?? []) {
            const code = e.extensions?.code;
            if (!code || code === 'INTERNAL_SERVER_ERROR')
              failures.push(`${label}: ${code ?? 'no code'} — ${e.message}`);
            if (LEAK.test(e.message) || LEAK.test(JSON.stringify(e.extensions ?? {})))
              failures.push(`${label}: leaks internals — ${e.message.slice(0, 200)}`);
            if (e.extensions?.stacktrace || e.extensions?.exception) failures.push(`${label}: carries a stack`);
          }
          const refused = Boolean(res.errors?.length) && (res.data?.[mutation.name] ?? null) === null;
          if (refused) {
            summary.refused++;
            const after = await countRows();
            const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
            if (changed.length)
              failures.push(
                `${label}: refused (${res.errors![0].extensions?.code}) but wrote rows in ${changed.join(', ')}`,
              );
          } else {
            summary.accepted++;
          }
        }
      }
      await ws.dispose();
    }
    expect(failures).toEqual([]);
    // the sweep really ran: most hostile values are refused, and some (SQL text as a reason, another id for an operator) are valid
    expect(summary.refused).toBeGreaterThan(800);
    expect(summary.accepted).toBeGreaterThan(0);
  }, 240_000);
});

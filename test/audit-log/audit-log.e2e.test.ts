import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import {
  addUser,
  codes,
  createOrg,
  DRIVERS,
  ok,
  startServer,
  TEST_SECRET,
  TestServer,
  uniqueEmail,
} from '../support/harness';
import { DAY } from '../support/clock';
import { ASSIGN, CANCEL, GRANT, newKey, PURCHASE, SET_CARD, START } from '../credits/credits-support';
import { CLOSE_PERIOD, DEACTIVATE_USER, REACTIVATE_USER, UPDATE_CONTRACT } from '../alerts/support';
import { ADD_LOCATION } from '../licenses/support';
import { runJobs } from '../scheduler/support';
import { StatementLog } from '../support/statement-log';

const EVENT_FIELDS =
  'id action actorKind actor { id } actorSubject targetType targetId changes reason requestId createdAt';
const AUDIT = /* GraphQL */ `
  query Audit(
    $org: ID
    $action: AuditAction
    $actorId: ID
    $targetId: ID
    $since: DateTime
    $first: Int
    $after: String
  ) {
    organization(id: $org) {
      auditLog(action: $action, actorId: $actorId, targetId: $targetId, since: $since, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { ${EVENT_FIELDS} } }
      }
    }
  }
`;
const DEACTIVATE_LOCATION = `mutation($id: ID!) { deactivateLocation(id: $id) { id } }`;
const SET_ROLE = `mutation($role: Role!, $permission: Permission!, $granted: Boolean!) { setRolePermission(role: $role, permission: $permission, granted: $granted) { granted } }`;
const SET_USER = `mutation($userId: ID!, $permission: Permission!, $granted: Boolean) { setUserPermission(userId: $userId, permission: $permission, granted: $granted) { id } }`;
const CONTACTS = `mutation($input: BillingContactsInput!) { updateBillingContacts(input: $input) { pointOfContactEmail } }`;
const CREATE_RULE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`;
const UPDATE_RULE = `mutation($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { id } }`;
const DELETE_RULE = `mutation($id: ID!) { deleteAlertRule(id: $id) }`;
const ALERTS = `{ organization { alerts(first: 10) { nodes { id kind } } } }`;
const ACK = `mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }`;
const PAY = `mutation($invoiceId: ID!, $key: String!) { payInvoice(invoiceId: $invoiceId, idempotencyKey: $key) { id status } }`;
const REQUEST_TERMINATION = `mutation($reason: String) { requestTermination(reason: $reason) { status } }`;
const FINALIZE = `mutation($org: ID!) { finalizeTermination(organizationId: $org) { status } }`;

describe.each(DRIVERS)('R31 audit log on %s', (driver) => {
  let server: TestServer;
  const logLines: Array<Record<string, any>> = [];
  const statements = new StatementLog();

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    server = await startServer(driver, {
      config: { testClock: true, logSampleRate: 1 },
      appOptions: { log: pino({ level: 'info' }, sink), databaseLogger: statements },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Every event of the organization, newest first (paging through it all). */
  const allEvents = async (token: string, org?: string): Promise<any[]> => {
    const events: any[] = [];
    let after: string | null = null;
    do {
      const page: any = (await ok(server.gql(AUDIT, { org, first: 100, after }, token))).organization.auditLog;
      events.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return events;
  };
  const auditLog = async (token: string, args: Record<string, unknown>) =>
    (await ok(server.gql(AUDIT, args, token))).organization.auditLog;
  const requestId = () => `req-${randomUUID()}`;
  const withId = (id: string) => ({ 'x-request-id': id });

  it('R31: every change writes one event — actor, target, { before, after }, reason, request id — newest first, never a token, card detail or secret', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 10, seatPriceCents: 1500 }, 'Audited');
    const admin = org.adminToken;
    const op = server.operatorToken;
    const ids: Record<string, string> = {};
    const gql = async (query: string, variables: Record<string, unknown>, token: string, label: string) => {
      ids[label] = requestId();
      return ok(server.gql(query, variables, token, withId(ids[label])));
    };

    const user = await addUser(server, admin, { name: 'Audited User' });
    await gql(DEACTIVATE_USER, { id: user.id }, admin, 'deactivate');
    await gql(REACTIVATE_USER, { id: user.id }, admin, 'reactivate');
    const location = (await gql(ADD_LOCATION, { name: 'Depot' }, admin, 'location')).addLocation;
    await gql(DEACTIVATE_LOCATION, { id: location.id }, admin, 'deactivateLocation');
    await gql(SET_ROLE, { role: 'EMPLOYEE', permission: 'ASSIGN_CONTENT', granted: true }, admin, 'role');
    await gql(SET_USER, { userId: user.id, permission: 'MANAGE_USERS', granted: false }, admin, 'userPermission');
    await gql(
      UPDATE_CONTRACT,
      { organizationId: org.orgId, input: { licenseModel: 'USER', contractedSeats: 20 } },
      op,
      'contract',
    );
    await gql(CONTACTS, { input: { pointOfContactEmail: 'Billing@Audited.test' } }, admin, 'contacts');
    await gql(SET_CARD, { token: 'tok_visa' }, admin, 'card');
    const purchase = (await gql(PURCHASE, { quantity: 10, key: newKey('buy') }, admin, 'purchase')).purchaseCredits;
    const lot = (await gql(GRANT, { organizationId: org.orgId, quantity: 5, key: newKey('grant') }, op, 'grant'))
      .grantCredits;
    const started = (
      await ok(server.gql(ASSIGN, { input: { userId: org.adminId, contentId: 'c-1', credits: 2 } }, admin))
    ).assignPremiumContent;
    await gql(START, { id: started.id }, admin, 'start');
    const cancelled = (
      await ok(server.gql(ASSIGN, { input: { userId: org.adminId, contentId: 'c-2', credits: 1 } }, admin))
    ).assignPremiumContent;
    await gql(CANCEL, { id: cancelled.id }, admin, 'cancel');
    const rule = (
      await gql(CREATE_RULE, { input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 0 } }, admin, 'rule')
    ).createAlertRule;
    await gql(
      UPDATE_RULE,
      { id: rule.id, input: { metric: 'SEATS_IN_USE', direction: 'ABOVE', threshold: 50 } },
      admin,
      'ruleUpdate',
    );
    await gql(DELETE_RULE, { id: rule.id }, admin, 'ruleDelete');
    const alert = (await ok(server.gql(ALERTS, {}, admin))).organization.alerts.nodes.find(
      (a: any) => a.kind === 'THRESHOLD_CROSSED',
    );
    await gql(ACK, { id: alert.id }, admin, 'ack');
    const invoice = (await gql(CLOSE_PERIOD, { organizationId: org.orgId }, op, 'close')).closeBillingPeriod;
    await gql(PAY, { invoiceId: invoice.id, key: newKey('pay') }, admin, 'pay');
    // A declined charge commits its FAILED payment, and its event.
    await gql(SET_CARD, { token: 'tok_chargeDeclined' }, admin, 'card2');
    ids.declined = requestId();
    const declined = await server.gql(PURCHASE, { quantity: 1, key: newKey('buy') }, admin, withId(ids.declined));
    expect(codes(declined)).toEqual(['PAYMENT_FAILED']);

    const events = await allEvents(admin);
    expect(events.map((e) => e.action)).toEqual(
      [
        'ORGANIZATION_CREATED',
        'USER_ADDED',
        'USER_DEACTIVATED',
        'USER_REACTIVATED',
        'LOCATION_ADDED',
        'LOCATION_DEACTIVATED',
        'ROLE_PERMISSION_SET',
        'USER_PERMISSION_SET',
        'CONTRACT_UPDATED',
        'BILLING_CONTACTS_UPDATED',
        'PAYMENT_METHOD_UPDATED',
        'CREDITS_PURCHASED',
        'CREDITS_GRANTED',
        'TRAINING_STARTED',
        'ASSIGNMENT_CANCELLED',
        'ALERT_RULE_CREATED',
        'ALERT_RULE_UPDATED',
        'ALERT_RULE_DELETED',
        'ALERT_ACKNOWLEDGED',
        'INVOICE_ISSUED',
        'INVOICE_PAID',
        'PAYMENT_METHOD_UPDATED',
        'PAYMENT_FAILED',
      ].reverse(),
    );
    const ids_ = events.map((e) => e.id);
    expect([...ids_].sort().reverse()).toEqual(ids_); // newest first is id order
    const byAction = (action: string) => events.filter((e) => e.action === action);
    const one = (action: string) => {
      const found = byAction(action);
      expect(found).toHaveLength(1);
      return found[0];
    };

    const asAdmin = { actorKind: 'USER', actor: { id: org.adminId }, actorSubject: org.adminId };
    const asOperator = { actorKind: 'OPERATOR', actor: null, actorSubject: 'operator-1' };
    expect(one('ORGANIZATION_CREATED')).toMatchObject({
      ...asOperator,
      targetType: 'Organization',
      targetId: org.orgId,
      changes: { name: { before: null, after: 'Audited' }, contractedSeats: { before: null, after: 10 } },
    });
    expect(one('USER_ADDED')).toMatchObject({
      ...asAdmin,
      targetType: 'User',
      targetId: user.id,
      changes: { name: { before: null, after: 'Audited User' }, status: { before: null, after: 'ACTIVE' } },
    });
    expect(one('USER_DEACTIVATED')).toMatchObject({
      ...asAdmin,
      targetId: user.id,
      requestId: ids.deactivate,
      changes: { status: { before: 'ACTIVE', after: 'DEACTIVATED' } },
    });
    expect(one('USER_REACTIVATED')).toMatchObject({
      requestId: ids.reactivate,
      changes: { status: { before: 'DEACTIVATED', after: 'ACTIVE' } },
    });
    expect(one('LOCATION_ADDED')).toMatchObject({
      targetType: 'Location',
      targetId: location.id,
      requestId: ids.location,
      changes: { name: { before: null, after: 'Depot' } },
    });
    expect(one('LOCATION_DEACTIVATED').changes.status).toEqual({ before: 'ACTIVE', after: 'INACTIVE' });
    expect(one('ROLE_PERMISSION_SET')).toMatchObject({
      targetType: 'Role',
      targetId: 'EMPLOYEE',
      changes: { ASSIGN_CONTENT: { before: false, after: true } },
    });
    expect(one('USER_PERMISSION_SET')).toMatchObject({
      targetType: 'User',
      targetId: user.id,
      changes: { MANAGE_USERS: { before: null, after: false } },
    });
    expect(one('CONTRACT_UPDATED')).toMatchObject({
      ...asOperator,
      targetType: 'Contract',
      requestId: ids.contract,
      changes: { contractedSeats: { before: 10, after: 20 } },
    });
    expect(Object.keys(one('CONTRACT_UPDATED').changes)).toEqual(['contractedSeats']); // only what changed
    expect(one('BILLING_CONTACTS_UPDATED').changes).toEqual({
      pointOfContactEmail: { before: null, after: 'billing@audited.test' },
    });
    expect(byAction('PAYMENT_METHOD_UPDATED').map((e) => e.changes)).toEqual([
      { paymentMethod: { before: 'set', after: 'set' } },
      { paymentMethod: { before: 'none', after: 'set' } },
    ]);
    expect(one('CREDITS_PURCHASED')).toMatchObject({
      ...asAdmin,
      targetType: 'CreditPurchase',
      targetId: purchase.id,
      changes: { quantity: { before: null, after: 10 }, totalCents: { before: null, after: purchase.total.cents } },
    });
    expect(one('CREDITS_GRANTED')).toMatchObject({
      ...asOperator,
      targetId: lot.id,
      changes: { quantity: { after: 5 } },
    });
    expect(one('TRAINING_STARTED')).toMatchObject({
      ...asAdmin,
      targetType: 'TrainingAssignment',
      targetId: started.id,
      requestId: ids.start,
      changes: { status: { before: 'ASSIGNED', after: 'STARTED' }, creditsFromBalance: { after: 2 } },
    });
    expect(one('ASSIGNMENT_CANCELLED')).toMatchObject({
      targetId: cancelled.id,
      changes: { status: { before: 'ASSIGNED', after: 'CANCELLED' } },
    });
    expect(one('ALERT_RULE_CREATED')).toMatchObject({ targetType: 'AlertRule', targetId: rule.id });
    expect(one('ALERT_RULE_UPDATED').changes).toEqual({ threshold: { before: 0, after: 50 } });
    expect(one('ALERT_RULE_DELETED').changes.threshold).toEqual({ before: 50, after: null });
    expect(one('ALERT_ACKNOWLEDGED')).toMatchObject({ targetType: 'BillingAlert', targetId: alert.id });
    expect(one('INVOICE_ISSUED')).toMatchObject({ ...asOperator, targetType: 'Invoice', targetId: invoice.id });
    expect(one('INVOICE_PAID')).toMatchObject({
      ...asAdmin,
      targetId: invoice.id,
      requestId: ids.pay,
      changes: { status: { before: 'OPEN', after: 'PAID' } },
    });
    expect(one('PAYMENT_FAILED')).toMatchObject({
      ...asAdmin,
      targetType: 'Payment',
      requestId: ids.declined,
      changes: { status: { after: 'FAILED' }, failureCode: { after: 'card_declined' } },
    });
    // Each request's events carry its X-Request-Id.
    for (const id of Object.values(ids)) expect(events.some((e) => e.requestId === id)).toBe(true);

    // Never a token, a card detail or a secret: not the JWTs of the actors, the payment tokens, the card, or the
    // provider's reference of it.
    const json = JSON.stringify(events);
    const providerRef = (
      await server.app.dataSource.manager.query('SELECT providerRef FROM payment_method WHERE organizationId = ?', [
        org.orgId,
      ])
    )[0].providerRef as string;
    for (const secret of [admin, op, 'tok_visa', 'tok_chargeDeclined', providerRef, 'pm_sandbox', 'Visa', TEST_SECRET])
      expect(json).not.toContain(secret);
    // The cards' last four digits, anywhere but inside the random hex of ids and request ids (where "0002" turns up).
    const withoutIds = json.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
    for (const last4 of ['4242', '0002']) expect(withoutIds).not.toContain(last4);
    expect(json).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT of any kind
    expect(json).not.toMatch(/last4|brand|expMonth|expYear|providerRef/);
  });

  it('R31: a termination records its reason; the final invoice and the end are the operator’s', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1000 });
    await ok(server.gql(REQUEST_TERMINATION, { reason: 'Moving to another vendor' }, org.adminToken));
    await ok(server.gql(FINALIZE, { org: org.orgId }, server.operatorToken));
    const events = await allEvents(server.operatorToken, org.orgId);
    expect(events.slice(0, 3).map((e) => [e.action, e.actorKind, e.reason])).toEqual([
      ['TERMINATION_FINALIZED', 'OPERATOR', 'Moving to another vendor'],
      ['INVOICE_ISSUED', 'OPERATOR', null],
      ['TERMINATION_REQUESTED', 'USER', 'Moving to another vendor'],
    ]);
    expect(events[2].changes.status).toEqual({ before: 'ACTIVE', after: 'TERMINATION_REQUESTED' });
    expect(events[1].changes.final).toEqual({ before: null, after: true });
    expect(events[0].changes.status).toEqual({ before: 'TERMINATION_REQUESTED', after: 'TERMINATED' });
  });

  it("R31: the scheduler's changes are SYSTEM, without subject or request, at the run's instant", async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 5, seatPriceCents: 1000 });
    const expiring = (
      await ok(
        server.gql(
          GRANT,
          {
            organizationId: org.orgId,
            quantity: 3,
            expiresAt: new Date(Date.now() + DAY).toISOString(),
            key: newKey(),
          },
          server.operatorToken,
        ),
      )
    ).grantCredits;
    const asOf = new Date(Date.now() + 40 * DAY);
    const report = await runJobs(server, asOf);
    expect(report.lotsExpired).toBeGreaterThanOrEqual(1);
    const events = await allEvents(org.adminToken);
    const system = events.filter((e) => e.actorKind === 'SYSTEM');
    expect(system.map((e) => e.action).sort()).toEqual(['CREDITS_EXPIRED', 'INVOICE_ISSUED']);
    for (const e of system) {
      expect(e).toMatchObject({ actor: null, actorSubject: null, requestId: null });
      expect(new Date(e.createdAt).getTime()).toBeLessThanOrEqual(asOf.getTime());
    }
    expect(system.find((e) => e.action === 'CREDITS_EXPIRED')).toMatchObject({
      targetType: 'CreditLot',
      targetId: expiring.id,
      changes: { remaining: { before: 3, after: 0 } },
    });
  });

  it("R31: the request id is the request log's and the response's X-Request-Id (generated when the client sends none)", async () => {
    const org = await createOrg(server);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body: JSON.stringify({
        query: `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`,
        variables: { input: { email: `${randomUUID()}@example.test`, name: 'Logged' } },
      }),
    });
    const body = (await response.json()) as any;
    const header = response.headers.get('x-request-id');
    expect(header).toMatch(/^[0-9a-f-]{36}$/);
    const [event] = (await auditLog(org.adminToken, { action: 'USER_ADDED' })).edges.map((e: any) => e.node);
    expect(event).toMatchObject({ targetId: body.data.addUser.id, requestId: header });
    const logged = logLines.filter((l) => l.msg === 'graphql request' && l.requestId === header);
    expect(logged).toHaveLength(1);
  });

  it('R31: filters by action, actor, target and since, each newest first, and keyset pages that see every event once', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 50, seatPriceCents: 100 });
    const manager = await addUser(server, org.adminToken, { role: 'MANAGER' });
    const added: string[] = [];
    for (let i = 0; i < 3; i++) added.push((await addUser(server, org.adminToken)).id);
    for (let i = 0; i < 2; i++) added.push((await addUser(server, manager.token)).id);
    await ok(server.gql(DEACTIVATE_USER, { id: added[0] }, org.adminToken));
    const all = await allEvents(org.adminToken);
    expect(all).toHaveLength(1 + 6 + 1);

    const byAction = await auditLog(org.adminToken, { action: 'USER_ADDED', first: 100 });
    expect(byAction.totalCount).toBe(6);
    expect(byAction.edges.map((e: any) => e.node.targetId)).toEqual([...added].reverse().concat(manager.id));
    const byActor = await auditLog(org.adminToken, { actorId: manager.id });
    expect(byActor.edges.map((e: any) => e.node.targetId)).toEqual([added[4], added[3]]);
    const byTarget = await auditLog(org.adminToken, { targetId: added[0] });
    expect(byTarget.edges.map((e: any) => e.node.action)).toEqual(['USER_DEACTIVATED', 'USER_ADDED']);
    const combined = await auditLog(org.adminToken, { targetId: added[0], action: 'USER_ADDED' });
    expect(combined.totalCount).toBe(1);
    const since = all[2].createdAt;
    const recent = await auditLog(org.adminToken, { since, first: 100 });
    expect(recent.edges.every((e: any) => e.node.createdAt >= since)).toBe(true);
    expect(recent.edges.map((e: any) => e.node.id)).toEqual(all.filter((e) => e.createdAt >= since).map((e) => e.id));

    // Keyset pages of 3: every event exactly once, in the same order as one page.
    const paged: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = await auditLog(org.adminToken, { first: 3, after });
      expect(page.totalCount).toBe(all.length);
      paged.push(...page.edges.map((e: any) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(paged).toEqual(all.map((e) => e.id));
    // A page keeps its place while events are added in front of it.
    const first = await auditLog(org.adminToken, { first: 2 });
    await addUser(server, org.adminToken);
    const second = await auditLog(org.adminToken, { first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((e: any) => e.node.id)).toEqual(all.slice(2, 4).map((e) => e.id));
  });

  // MariaDB's plan only: SQLite's EXPLAIN says nothing comparable (defined for MariaDB only, never skipped).
  const onMariaDb = driver === 'mariadb' ? it : () => undefined;
  onMariaDb('R31: the list and each filter read through an index ending in the id (EXPLAIN on MariaDB)', async () => {
    const org = await createOrg(server);
    const user = await addUser(server, org.adminToken);
    const indexes: Array<{ Key_name: string; Column_name: string; Seq_in_index: number }> =
      await server.app.dataSource.query('SHOW INDEX FROM audit_event');
    const indexOn = (columns: string[]) =>
      [...new Set(indexes.map((i) => i.Key_name))].find(
        (name) =>
          indexes
            .filter((i) => i.Key_name === name)
            .sort((a, b) => a.Seq_in_index - b.Seq_in_index)
            .map((i) => i.Column_name)
            .join() === columns.join(),
      );
    for (const [args, columns] of [
      [{}, ['organizationId', 'id']],
      [{ action: 'USER_ADDED' }, ['organizationId', 'action', 'id']],
      [{ actorId: org.adminId }, ['organizationId', 'actorUserId', 'id']],
      [{ targetId: user.id }, ['organizationId', 'targetId', 'id']],
    ] as const) {
      const index = indexOn([...columns]);
      expect(index).toBeDefined();
      const {
        result,
        statements: sent,
        parameters,
      } = await statements.during(() => server.gql(AUDIT, args, org.adminToken));
      expect(result.errors).toBeUndefined();
      const i = sent.findIndex((sql) => /FROM [`"]?audit_event/.test(sql) && !/COUNT\(/i.test(sql));
      expect(i).toBeGreaterThanOrEqual(0);
      const plan: Array<{ possible_keys: string | null; key: string | null }> = await server.app.dataSource.query(
        `EXPLAIN ${sent[i]}`,
        parameters[i],
      );
      expect(plan[0].possible_keys?.split(',')).toContain(index);
    }
  });

  it('R31: starts batched into one transaction are each recorded for the request and viewer that asked', async () => {
    const org = await createOrg(server, { licenseModel: 'USER', contractedSeats: 20, seatPriceCents: 100 });
    const assignees = [org, ...(await Promise.all([1, 2, 3].map(() => addUser(server, org.adminToken))))].map((a) =>
      'adminId' in a ? { id: a.adminId, token: a.adminToken } : a,
    );
    const assignments: string[] = [];
    for (const a of assignees)
      assignments.push(
        (await ok(server.gql(ASSIGN, { input: { userId: a.id, contentId: `c-${a.id}`, credits: 1 } }, org.adminToken)))
          .assignPremiumContent.id,
      );
    // Each assignee starts its own, all at once: the instance batches what arrives while a start runs.
    const asked = assignees.map((a, i) => ({ by: a.id, assignment: assignments[i], requestId: requestId() }));
    await Promise.all(
      asked.map((s, i) => ok(server.gql(START, { id: s.assignment }, assignees[i].token, withId(s.requestId)))),
    );
    const started = (await auditLog(org.adminToken, { action: 'TRAINING_STARTED' })).edges.map((e: any) => e.node);
    expect(started).toHaveLength(asked.length);
    for (const s of asked)
      expect(started.find((e: any) => e.targetId === s.assignment)).toMatchObject({
        actorKind: 'USER',
        actor: { id: s.by },
        actorSubject: s.by,
        requestId: s.requestId,
      });
  });

  it('R31: a failed mutation writes no event', async () => {
    const org = await createOrg(server);
    const before = (await auditLog(org.adminToken, {})).totalCount;
    const email = uniqueEmail();
    const user = await addUser(server, org.adminToken, { email });
    const duplicate = await server.gql(
      `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`,
      { input: { email, name: 'Again' } },
      org.adminToken,
    );
    expect(codes(duplicate)).toEqual(['CONFLICT']);
    // R3: deactivating the last billing manager is refused after the change was written: it all rolls back.
    const last = await server.gql(DEACTIVATE_USER, { id: org.adminId }, org.adminToken);
    expect(codes(last)).toEqual(['LAST_BILLING_MANAGER']);
    const declinedNoCard = await server.gql(PURCHASE, { quantity: 1, key: newKey() }, org.adminToken);
    expect(codes(declinedNoCard)).toEqual(['PAYMENT_FAILED']); // no card on file: nothing written
    const events = await allEvents(org.adminToken);
    expect(events).toHaveLength(before + 1);
    expect(events[0]).toMatchObject({ action: 'USER_ADDED', targetId: user.id });
  });

  it('R31: the database refuses to update or delete an audit event', async () => {
    const org = await createOrg(server);
    const [event] = await allEvents(org.adminToken);
    const em = server.app.dataSource.manager;
    await expect(em.query('UPDATE audit_event SET reason = ? WHERE id = ?', ['rewritten', event.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(em.query('DELETE FROM audit_event WHERE id = ?', [event.id])).rejects.toThrow(/append-only/);
    const [again] = await allEvents(org.adminToken);
    expect(again).toEqual(event);
  });

  it('R4/R5: FORBIDDEN without MANAGE_BILLING; another organization is NOT_FOUND', async () => {
    const org = await createOrg(server);
    const other = await createOrg(server);
    const employee = await addUser(server, org.adminToken);
    const forbidden = await server.gql(AUDIT, {}, employee.token);
    expect(codes(forbidden)).toEqual(['FORBIDDEN']);
    expect(forbidden.data?.organization.auditLog).toBeNull();
    const foreign = await server.gql(AUDIT, { org: other.orgId }, org.adminToken);
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    // An operator reads any organization's log.
    expect((await allEvents(server.operatorToken, other.orgId))[0].action).toBe('ORGANIZATION_CREATED');
  });

  it('R31: a malformed cursor, a cursor of another list, a since in the future or a malformed id is BAD_USER_INPUT', async () => {
    const org = await createOrg(server);
    const usersCursor = (
      await ok(server.gql(`{ organization { users(first: 1) { pageInfo { endCursor } } } }`, {}, org.adminToken))
    ).organization.users.pageInfo.endCursor;
    for (const args of [
      { after: 'garbage' },
      { after: usersCursor },
      { since: new Date(Date.now() + DAY).toISOString() },
      { first: 101 },
      { targetId: 'x'.repeat(100) }, // R34: an id is at most 64 characters
      { actorId: '' },
    ]) {
      const res = await server.gql(AUDIT, args, org.adminToken);
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

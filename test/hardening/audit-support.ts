import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { GqlResult, ok } from '../support/harness';
import { sleep } from '../support/wait';

/** The built audit CLI (`npm test` builds before jest runs). */
export const BUILT_AUDIT = resolve(__dirname, '../../dist/src/cli/audit.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/audit.js ...args` as an operator would, with `env` added to a clean environment. */
export function runAuditCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BUILT_AUDIT, ...args],
      { env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

export interface AuditJson {
  ok: boolean;
  violations: Array<{
    invariant: string;
    rules: string;
    organizationId: string | null;
    ids: Record<string, unknown>;
    message: string;
  }>;
  checks: Array<{ name: string; rules: string; skipped?: string; violations: unknown[] }>;
}

/** The audit's JSON report of a database (and its exit code). */
export async function auditJson(
  databaseUrl: string,
): Promise<{ code: number | null; report: AuditJson; stderr: string }> {
  const run = await runAuditCli([databaseUrl, '--json']);
  if (run.code === 2) throw new Error(`the audit could not run: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as AuditJson, stderr: run.stderr };
}

export type Gql = (query: string, variables?: Record<string, unknown>, token?: string | null) => Promise<GqlResult>;

export const Q = {
  createOrg: `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`,
  users: `query($id: ID) { organization(id: $id) { users { nodes { id email } } } }`,
  setCard: `mutation($token: String!) { updatePaymentMethod(token: $token) { last4 } }`,
  purchase: `mutation($quantity: Int!, $key: String!) { purchaseCredits(quantity: $quantity, idempotencyKey: $key) { id lot { id } payment { id } } }`,
  grant: `mutation($organizationId: ID!, $quantity: Int!, $key: String!) { grantCredits(organizationId: $organizationId, quantity: $quantity, idempotencyKey: $key) { id } }`,
  addUser: `mutation($input: AddUserInput!) { addUser(input: $input) { id } }`,
  deactivateUser: `mutation($id: ID!) { deactivateUser(id: $id) { id } }`,
  reactivateUser: `mutation($id: ID!) { reactivateUser(id: $id) { id } }`,
  addLocation: `mutation($input: AddLocationInput!) { addLocation(input: $input) { id } }`,
  deactivateLocation: `mutation($id: ID!) { deactivateLocation(id: $id) { id } }`,
  assign: `mutation($input: AssignPremiumContentInput!) { assignPremiumContent(input: $input) { id } }`,
  start: `mutation($id: ID!) { startTraining(assignmentId: $id) { id status } }`,
  cancel: `mutation($id: ID!) { cancelAssignment(assignmentId: $id) { id } }`,
  close: `mutation($organizationId: ID!) { closeBillingPeriod(organizationId: $organizationId) { id number status } }`,
  pay: `mutation($invoiceId: ID!, $key: String!) { payInvoice(invoiceId: $invoiceId, idempotencyKey: $key) { id status } }`,
  requestTermination: `mutation { requestTermination(reason: "moving on") { id } }`,
  finalizeTermination: `mutation($organizationId: ID!) { finalizeTermination(organizationId: $organizationId) { id status } }`,
};

let counter = 0;
export const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${process.pid}-${(counter++).toString(36)}`;
export const uniqueMail = (prefix: string) => `${unique(prefix)}@example.test`;

export interface OrgBooks {
  orgId: string;
  adminId: string;
  adminToken: string;
  activeUserId: string;
  deactivatedUserId: string;
  locationId: string;
  purchaseId: string;
  purchaseLotId: string;
  purchasePaymentId: string;
  grantLotId: string;
  startedAssignmentIds: string[];
  paidInvoiceId: string;
  openInvoiceId: string;
}

/**
 * One organization's realistic life through the API: a card, a dashboard purchase, an annual grant, users and a
 * location coming and going, trainings started (one beyond the balance: overage) and one cancelled, a period
 * closed and paid, another closed and left open.
 */
export async function realisticBooks(
  gql: Gql,
  operatorToken: string,
  tokenFor: (userId: string) => Promise<string>,
): Promise<OrgBooks> {
  const created = await ok(
    gql(
      Q.createOrg,
      {
        input: {
          name: 'Audited',
          admin: { email: uniqueMail('admin'), name: 'Admin' },
          contract: { licenseModel: 'USER', contractedSeats: 10, seatPriceCents: 1500 },
        },
      },
      operatorToken,
    ),
  );
  const orgId: string = created.createOrganization.id;
  const adminId: string = (await ok(gql(Q.users, { id: orgId }, operatorToken))).organization.users.nodes[0].id;
  const admin = await tokenFor(adminId);
  await ok(gql(Q.setCard, { token: 'tok_visa' }, admin));
  const purchase = (await ok(gql(Q.purchase, { quantity: 20, key: unique('buy') }, admin))).purchaseCredits;
  const grantLotId: string = (
    await ok(gql(Q.grant, { organizationId: orgId, quantity: 5, key: unique('grant') }, operatorToken))
  ).grantCredits.id;
  const activeUserId: string = (
    await ok(gql(Q.addUser, { input: { email: uniqueMail('user'), name: 'Active' } }, admin))
  ).addUser.id;
  const deactivatedUserId: string = (
    await ok(gql(Q.addUser, { input: { email: uniqueMail('user'), name: 'Leaver' } }, admin))
  ).addUser.id;
  await ok(gql(Q.deactivateUser, { id: deactivatedUserId }, admin));
  await ok(gql(Q.reactivateUser, { id: deactivatedUserId }, admin));
  await ok(gql(Q.deactivateUser, { id: deactivatedUserId }, admin));
  const locationId: string = (await ok(gql(Q.addLocation, { input: { name: 'Depot' } }, admin))).addLocation.id;
  const closedLocation: string = (await ok(gql(Q.addLocation, { input: { name: 'Kiosk' } }, admin))).addLocation.id;
  await ok(gql(Q.deactivateLocation, { id: closedLocation }, admin));
  const startedAssignmentIds: string[] = [];
  for (const credits of [2, 30]) {
    // 25 credits on hand: the second start takes 23 from lots and bills 7 as overage
    const id: string = (
      await ok(gql(Q.assign, { input: { userId: activeUserId, contentId: 'safety-101', credits } }, admin))
    ).assignPremiumContent.id;
    await ok(gql(Q.start, { id }, admin));
    await ok(gql(Q.start, { id }, admin)); // R14: again, consumes nothing
    startedAssignmentIds.push(id);
  }
  const cancelled: string = (
    await ok(gql(Q.assign, { input: { userId: activeUserId, contentId: 'safety-102', credits: 1 } }, admin))
  ).assignPremiumContent.id;
  await ok(gql(Q.cancel, { id: cancelled }, admin));
  const paidInvoiceId: string = (await ok(gql(Q.close, { organizationId: orgId }, operatorToken))).closeBillingPeriod
    .id;
  await ok(gql(Q.pay, { invoiceId: paidInvoiceId, key: unique('pay') }, admin));
  await sleep(5); // the next period must have begun before it can be closed
  const openInvoiceId: string = (await ok(gql(Q.close, { organizationId: orgId }, operatorToken))).closeBillingPeriod
    .id;
  return {
    orgId,
    adminId,
    adminToken: admin,
    activeUserId,
    deactivatedUserId,
    locationId,
    purchaseId: purchase.id,
    purchaseLotId: purchase.lot.id,
    purchasePaymentId: purchase.payment.id,
    grantLotId,
    startedAssignmentIds,
    paidInvoiceId,
    openInvoiceId,
  };
}

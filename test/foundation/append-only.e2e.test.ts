import { createOrg, DRIVERS, startServer, TestServer } from '../support/harness';

describe.each(DRIVERS)('append-only facts (R9, R16) on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server.close();
  });

  it('R16/R9: the database refuses to change or remove a credit ledger entry or a usage event', async () => {
    const org = await createOrg(server);
    const grant = await server.gql(
      `mutation($id: ID!) { grantCredits(organizationId: $id, quantity: 10, idempotencyKey: "g") { id } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(grant.errors).toBeUndefined();
    const db = server.app.dataSource;
    const ledger = async () =>
      db.query('SELECT id, kind, quantity, balanceAfter FROM credit_ledger_entry WHERE organizationId = ?', [
        org.orgId,
      ]);
    const usage = async () =>
      db.query('SELECT subjectId, delta FROM usage_event WHERE organizationId = ?', [org.orgId]);
    const [ledgerBefore, usageBefore] = [await ledger(), await usage()];
    expect(ledgerBefore).toHaveLength(1);
    expect(usageBefore).toHaveLength(1); // the admin's activation

    await expect(
      db.query('UPDATE credit_ledger_entry SET quantity = 1000 WHERE organizationId = ?', [org.orgId]),
    ).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM credit_ledger_entry WHERE organizationId = ?', [org.orgId])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query('UPDATE usage_event SET delta = -1 WHERE organizationId = ?', [org.orgId])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query('DELETE FROM usage_event WHERE organizationId = ?', [org.orgId])).rejects.toThrow(
      /append-only/,
    );
    expect(await ledger()).toEqual(ledgerBefore);
    expect(await usage()).toEqual(usageBefore);
  });
});

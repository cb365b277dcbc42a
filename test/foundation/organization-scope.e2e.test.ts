import { ALL_PERMISSIONS, BillingAlert, Location, Organization, User } from '../../entities';
import type { Viewer } from '../../src/auth/viewer';
import { BillingError } from '../../src/errors/errors';
import { createOrg, DRIVERS, startServer, TestServer } from '../support/harness';
import { operatorViewer } from '../support/viewers';

/**
 * The organization scope (UnitOfWork.forOrganization) is the one entry point of every organization-scoped change:
 * R5 tenancy, the organization's write lock and R21 termination are enforced there, so no mutation can forget them.
 */
describe.each(DRIVERS)('organization scope on %s', (driver) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(driver);
  });
  afterAll(async () => {
    await server.close();
  });

  const member = (orgId: string, userId: string): Viewer => ({
    authenticated: true,
    isOperator: false,
    subject: userId,
    user: null,
    organizationId: orgId,
    permissions: new Set(ALL_PERMISSIONS),
  });
  const operator: Viewer = operatorViewer('op');
  const scoped = <T>(
    viewer: Viewer,
    target: Parameters<TestServer['app']['services']['uow']['forOrganization']>[1],
    options: { allowTerminated?: boolean },
    work: (scope: any) => Promise<T>,
  ) => server.app.services.uow.forOrganization({ viewer, em: server.app.dataSource.manager }, target, options, work);
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: BillingError) => String(error.extensions?.code ?? error),
    );

  it("R5: another organization (named, or owning the row) is NOT_FOUND, and so is another organization's row read through the scope", async () => {
    const mine = await createOrg(server, undefined, 'Mine');
    const theirs = await createOrg(server, undefined, 'Theirs');
    const viewer = member(mine.orgId, mine.adminId);
    let ran = false;
    const work = async () => {
      ran = true;
    };
    expect(await code(scoped(viewer, { organizationId: theirs.orgId }, {}, work))).toBe('NOT_FOUND');
    expect(await code(scoped(viewer, { owner: User, id: theirs.adminId }, {}, work))).toBe('NOT_FOUND');
    expect(await code(scoped(viewer, { owner: User, id: '00000000-0000-0000-0000-000000000000' }, {}, work))).toBe(
      'NOT_FOUND',
    );
    expect(ran).toBe(false);

    // Inside my own scope, reads are filtered to my organization: their admin is NOT_FOUND, mine is found.
    await scoped(viewer, { organizationId: null }, {}, async (scope) => {
      expect(scope.organization.id).toBe(mine.orgId);
      expect(await code(scope.find(User, theirs.adminId))).toBe('NOT_FOUND');
      expect((await scope.find(User, mine.adminId)).id).toBe(mine.adminId);
      expect((await scope.query(User, 'u').getMany()).map((u: User) => u.id)).toEqual([mine.adminId]);
      expect(await code(scope.find(Location, theirs.orgId))).toBe('NOT_FOUND');
      expect(await code(scope.find(BillingAlert, theirs.orgId))).toBe('NOT_FOUND');
    });

    // Operators see every organization, but must name one; the scope is still that organization's alone.
    await scoped(operator, { owner: User, id: theirs.adminId }, {}, async (scope) => {
      expect(scope.organizationId).toBe(theirs.orgId);
      expect(await code(scope.find(User, mine.adminId))).toBe('NOT_FOUND');
    });
    expect(await code(scoped(operator, { organizationId: null }, {}, work))).toBe('NOT_FOUND');
  });

  it('R21: a terminated organization is refused with ORGANIZATION_TERMINATED unless the change survives termination', async () => {
    const org = await createOrg(server, undefined, 'Ending');
    const terminated = await server.gql(
      `mutation($id: ID!) { finalizeTermination(organizationId: $id) { status } }`,
      { id: org.orgId },
      server.operatorToken,
    );
    expect(terminated.data.finalizeTermination.status).toBe('TERMINATED');
    const viewer = member(org.orgId, org.adminId);
    expect(await code(scoped(viewer, { organizationId: null }, {}, async () => 'changed'))).toBe(
      'ORGANIZATION_TERMINATED',
    );
    expect(await code(scoped(operator, { organizationId: org.orgId }, {}, async () => 'changed'))).toBe(
      'ORGANIZATION_TERMINATED',
    );
    expect(
      await scoped(
        viewer,
        { organizationId: null },
        { allowTerminated: true },
        async (scope) => (scope.organization as Organization).status,
      ),
    ).toBe('TERMINATED');
  });

  it('a failed change in the scope writes nothing', async () => {
    const org = await createOrg(server, undefined, 'Before');
    const viewer = member(org.orgId, org.adminId);
    await code(
      scoped(viewer, { organizationId: null }, {}, async (scope) => {
        await scope.em.update(Organization, { id: scope.organizationId }, { name: 'After' });
        throw new Error('refused');
      }),
    );
    expect((await server.app.dataSource.manager.findOneByOrFail(Organization, { id: org.orgId })).name).toBe('Before');
  });
});

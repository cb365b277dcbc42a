import { ok, TestServer } from '../support/harness';

/** The fields of R25 and R26 on a billing alert, for queries and the billingAlerts subscription alike. */
const ALERT_FIELDS = /* GraphQL */ `
  id
  sequence
  kind
  message
  active
  value
  inUse
  contracted
  resolves {
    id
    kind
  }
  resolvedBy {
    id
    kind
  }
`;

export const RESOLVING_ALERTS = /* GraphQL */ `
  subscription ($organizationId: ID, $sinceAlertId: ID) {
    billingAlerts(organizationId: $organizationId, sinceAlertId: $sinceAlertId) {
      ${ALERT_FIELDS}
    }
  }
`;

const STORED_ALERTS = /* GraphQL */ `
  query ($id: ID) {
    organization(id: $id) {
      alerts(first: 100) {
        totalCount
        nodes {
          ${ALERT_FIELDS}
        }
      }
    }
  }
`;

/** An organization's alerts, oldest first. */
export async function storedAlerts(server: TestServer, token: string, organizationId?: string): Promise<any[]> {
  const data = await ok(server.gql(STORED_ALERTS, { id: organizationId ?? null }, token));
  return [...data.organization.alerts.nodes].reverse();
}

export const DEACTIVATE_USER = `mutation($id: ID!) { deactivateUser(id: $id) { id status } }`;
export const REACTIVATE_USER = `mutation($id: ID!) { reactivateUser(id: $id) { id status } }`;
export const DEACTIVATE_LOCATION = `mutation($id: ID!) { deactivateLocation(id: $id) { id status } }`;
export const UPDATE_CONTRACT = /* GraphQL */ `
  mutation ($organizationId: ID!, $input: ContractInput!) {
    updateContract(organizationId: $organizationId, input: $input) {
      contractedSeats
      contractedLocations
    }
  }
`;
export const CLOSE_PERIOD = `mutation($organizationId: ID!) { closeBillingPeriod(organizationId: $organizationId) { id } }`;

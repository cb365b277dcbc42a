/** One GraphQL request over HTTP for the benchmarks' setup: the data, or an error with the status and the answer. */
export async function gql(url: string, query: string, variables: Record<string, unknown>, token: string): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: any; errors?: unknown[] };
  if (response.status !== 200 || body.errors) throw new Error(`HTTP ${response.status}: ${text.slice(0, 1000)}`);
  return body.data;
}

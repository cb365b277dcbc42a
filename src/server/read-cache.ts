import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../common/clock';
import type { RequestContext } from './context';

/**
 * The answers of a user's queries, kept for the organization's state they were computed from.
 *
 * A dashboard asks the same query all day, and between two changes of its organization the answer is the same. Every
 * organization-scoped change counts itself in `organization.stateVersion` (src/db/organization-scope.ts
 * `touchOrganization`), and authentication reads that count in the statement it runs anyway. An answer is kept under
 * (user, organization, count, document, operation name, variables) and served while the count is unchanged and it is
 * younger than `ttlMs` by the service's clock — so a change is visible to the very next request on every instance
 * (the count is read from the database, not from this process), and what moves with time alone (lots expiring, the
 * preview's "as of now") is at most `ttlMs` old.
 *
 * Not kept: mutations and subscriptions, answers with errors, operators' and anonymous requests (neither has one
 * organization's count), and answers computed while the count had moved on (a request authenticated at count n keeps
 * its answer under n only).
 */
export function readCachePlugin(options: {
  clock: Clock;
  ttlMs: number;
  maxEntries?: number;
}): ApolloServerPlugin<RequestContext> {
  const { clock, ttlMs } = options;
  const answers = new LRUCache<string, { result: FormattedExecutionResult; freshUntil: number }>({
    max: options.maxEntries ?? 10_000,
  });
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<RequestContext> | void> {
      if (ttlMs <= 0) return;
      let key: string | null = null;
      let computedAt = 0;
      let served = false;
      return {
        async responseForOperation({ operation, request, contextValue }) {
          const { viewer } = contextValue;
          if (operation.operation !== 'query' || viewer.isOperator || !viewer.user) return null;
          if (viewer.organizationVersion === undefined || typeof request.query !== 'string') return null;
          key = JSON.stringify([
            viewer.user.id,
            viewer.organizationId,
            viewer.organizationVersion,
            request.operationName ?? null,
            request.variables ?? null,
            request.query,
          ]);
          computedAt = clock.now().getTime();
          const kept = answers.get(key);
          if (!kept || kept.freshUntil <= computedAt) return null;
          served = true;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: kept.result },
          };
        },
        async willSendResponse({ response }) {
          if (!key || served || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.errors?.length || !result.data) return;
          answers.set(key, { result, freshUntil: computedAt + ttlMs });
        },
      };
    },
  };
}

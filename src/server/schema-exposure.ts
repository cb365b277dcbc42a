import { DocumentNode, GraphQLError, visit, BREAK } from 'graphql';
import type { Viewer } from '../auth/viewer';

/**
 * R36: what production tells a caller about the schema. Anonymous callers may not introspect (a signed-in caller
 * may, so the IDE's Docs work); "Did you mean …" suggestions are off for everyone. Shared by HTTP and graphql-ws.
 */

/** Whether the document asks for `__schema` or `__type` anywhere (`__typename` is no introspection of the schema). */
function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** The refusal an anonymous production caller gets for an introspection query, else null. */
export function introspectionRefusal(document: DocumentNode, viewer: Viewer, production: boolean): GraphQLError | null {
  if (!production || viewer.authenticated || !usesIntrospection(document)) return null;
  return new GraphQLError('Introspection needs a signed-in caller: send Authorization: Bearer <token>', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

/**
 * graphql-js appends suggestions as the message's last sentence ("… Did you mean "organization"?"); validation is
 * also run with `hideSuggestions`, and this catches the ones raised while coercing variables during execution.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean [^]*\?$/, '');
}

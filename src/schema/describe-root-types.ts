import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';

/** What the IDE's docs say first: type-graphql gives the root types no description. */
const ROOT_TYPE_DESCRIPTIONS: Record<string, string> = {
  Query:
    "Reads. `viewer` answers without a token; everything else needs `Authorization: Bearer <JWT>` (R6) and sees only the viewer's organization (R5).",
  Mutation:
    'Changes. Each mutation is one transaction: a failed one writes nothing. Errors carry a stable `extensions.code`.',
  Subscription:
    'Live events over graphql-ws on the same /graphql path; authenticate with `connectionParams.authorization` (R6).',
};

export function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_OBJECT]: (type) =>
      new GraphQLObjectType({ ...type.toConfig(), description: type.description ?? ROOT_TYPE_DESCRIPTIONS[type.name] }),
  });
}

import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, MiddlewareFn, PubSub } from 'type-graphql';
import { MapperKind, mapSchema, printSchemaWithDirectives } from '@graphql-tools/utils';
import { RESOLVERS } from '../../resolvers';
import type { RequestContext } from '../server/context';
import { applyAuthDirectives } from './auth-directives';

/** Loaders may hold rows a mutation just changed; the mutation's result is read afresh. */
const freshAfterMutation: MiddlewareFn<RequestContext> = async ({ info, context }, next) => {
  const result = await next();
  if (info.parentType.name === 'Mutation') for (const loader of Object.values(context.loaders)) loader.clearAll();
  return result;
};

export async function buildBillingSchema(pubSub?: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: { forbidUnknownValues: false, stopAtFirstError: true },
    pubSub,
    globalMiddlewares: [freshAfterMutation],
  });
  return describeRootTypes(applyAuthDirectives(schema));
}

/** type-graphql cannot describe the root types; the IDE's docs open on them. */
const ROOT_TYPE_DESCRIPTIONS: Record<string, string> = {
  Query: 'Reads. `viewer` answers without a token; everything else needs `Authorization: Bearer <JWT>` (R6) and sees only the viewer\'s organization (R5).',
  Mutation: 'Changes. Each mutation is one transaction: a failed one writes nothing. Errors carry a stable `extensions.code`.',
  Subscription: 'Live events over graphql-ws on the same /graphql path; authenticate with `connectionParams.authorization` (R6).',
};

function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_OBJECT]: (type) =>
      new GraphQLObjectType({ ...type.toConfig(), description: type.description ?? ROOT_TYPE_DESCRIPTIONS[type.name] }),
  });
}

export function printBillingSchema(schema: GraphQLSchema): string {
  return printSchemaWithDirectives(schema) + '\n';
}

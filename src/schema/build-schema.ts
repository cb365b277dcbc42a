import { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, MiddlewareFn, PubSub } from 'type-graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
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
    // Subscriptions read services.pubSub themselves (billingAlerts); type-graphql still wants one to build them.
    pubSub: pubSub ?? createPubSub(),
    globalMiddlewares: [freshAfterMutation],
  });
  return applyAuthDirectives(schema);
}

export function printBillingSchema(schema: GraphQLSchema): string {
  return printSchemaWithDirectives(schema) + '\n';
}

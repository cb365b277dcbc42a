import { defaultFieldResolver, GraphQLSchema } from 'graphql';
import { buildSchema, PubSub } from 'type-graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { RESOLVERS } from '../../resolvers';
import type { RequestContext } from '../server/context';
import { applyAuthDirectives } from './auth-directives';
import { describeRootTypes } from './describe-root-types';
import { DateTimeScalar } from './scalars';

/**
 * Loaders may hold rows a mutation just changed; the mutation's result is read afresh. Wrapped around the Mutation
 * root fields only: as a type-graphql global middleware it made every field of every response (and of every
 * subscription event) asynchronous, which dominated the cost of pushing one alert to thousands of dashboards.
 */
function freshAfterMutation(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (source, args, context: RequestContext, info) => {
      const result = await resolve(source, args, context, info);
      for (const loader of Object.values(context.loaders)) loader.clearAll();
      return result;
    };
  }
  return schema;
}

export async function buildBillingSchema(pubSub?: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: { forbidUnknownValues: false, stopAtFirstError: true },
    // Subscriptions read services.pubSub themselves (billingAlerts); type-graphql still wants one to build them.
    pubSub: pubSub ?? createPubSub(),
  });
  return describeRootTypes(applyAuthDirectives(freshAfterMutation(schema)));
}

export function printBillingSchema(schema: GraphQLSchema): string {
  return printSchemaWithDirectives(schema) + '\n';
}

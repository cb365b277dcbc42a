import {
  defaultFieldResolver,
  DirectiveLocation,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLFieldConfig,
  GraphQLNonNull,
  GraphQLSchema,
} from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { Permission } from '../../entities/enums';
import { requireOperator, requirePermission } from '../auth/guards';
import type { RequestContext } from '../server/context';

/**
 * R4: declares `@hasPermission` (and `@operatorOnly`) in the served schema and enforces them on every field that
 * carries them — queries, mutations and subscriptions — from the same directive the SDL shows. A forbidden
 * field resolves to null with a FORBIDDEN error at its path; its siblings still resolve.
 */
export function applyAuthDirectives(schema: GraphQLSchema): GraphQLSchema {
  const permissionEnum = schema.getType('Permission') as GraphQLEnumType; // reuse: a second enum of that name would clash
  const hasPermission = new GraphQLDirective({
    name: 'hasPermission',
    description: 'The viewer must hold this permission in the organization the field belongs to.',
    locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT],
    args: {
      permission: { type: new GraphQLNonNull(permissionEnum), description: 'The permission required (R1, R2).' },
    },
  });
  const operatorOnly = new GraphQLDirective({
    name: 'operatorOnly',
    description: 'Only platform operators (token scope "operator") may use this field (R5).',
    locations: [DirectiveLocation.FIELD_DEFINITION],
  });
  const withDirectives = new GraphQLSchema({
    ...schema.toConfig(),
    directives: [...schema.getDirectives(), hasPermission, operatorOnly],
  });

  return mapSchema(withDirectives, {
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName, current) => {
      const objectType = current.getType(typeName)!;
      const required = (
        getDirective(current, field, 'hasPermission')?.[0] ?? getDirective(current, objectType, 'hasPermission')?.[0]
      )?.permission as Permission | undefined;
      const operator = Boolean(getDirective(current, field, 'operatorOnly')?.[0]);
      if (!required && !operator) return field;
      const check = (source: unknown, ctx: RequestContext) => {
        if (operator) requireOperator(ctx.viewer);
        if (required) requirePermission(ctx.viewer, required, organizationOf(typeName, source));
      };
      return guard(field, check);
    },
  });
}

function guard(
  field: GraphQLFieldConfig<unknown, RequestContext>,
  check: (source: unknown, ctx: RequestContext) => void,
) {
  const resolve = field.resolve ?? defaultFieldResolver;
  const wrapped: GraphQLFieldConfig<unknown, RequestContext> = {
    ...field,
    resolve: (source, args, ctx, info) => {
      check(source, ctx);
      return resolve(source, args, ctx, info);
    },
  };
  if (field.subscribe) {
    const subscribe = field.subscribe;
    wrapped.subscribe = (source, args, ctx, info) => {
      check(source, ctx);
      return subscribe(source, args, ctx, info);
    };
  }
  return wrapped;
}

/** The organization a field belongs to: the Organization itself, or the owner of an object with organizationId. */
function organizationOf(typeName: string, source: unknown): string | null {
  if (!source || typeof source !== 'object') return null; // root fields: the viewer's organization
  if (typeName === 'Organization') return (source as { id: string }).id;
  return (source as { organizationId?: string }).organizationId ?? null;
}

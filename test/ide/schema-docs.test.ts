import {
  buildSchema,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
} from 'graphql';
import { buildBillingSchema } from '../../src/schema/build-schema';

/** Every schema element a client can read in the IDE's docs that has no description, as `Type.field(arg)` paths. */
export function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const blank = (d: string | null | undefined) => !d || d.trim() === '';
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (blank(type.description)) missing.push(`type ${type.name}`);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`field ${type.name}.${field.name}`);
        for (const arg of field.args)
          if (blank(arg.description)) missing.push(`argument ${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        if (blank(field.description)) missing.push(`input field ${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues())
        if (blank(value.description)) missing.push(`enum value ${type.name}.${value.name}`);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    if (blank(directive.description)) missing.push(`directive @${directive.name}`);
    for (const arg of directive.args)
      if (blank(arg.description)) missing.push(`argument @${directive.name}(${arg.name})`);
  }
  return missing;
}

describe("the documented schema (the IDE's docs explain the billing rules)", () => {
  it('every type, field, argument and enum value of the served schema has a description', async () => {
    const schema = await buildBillingSchema();
    expect(undocumented(schema)).toEqual([]);
  });

  it('the check itself notices a missing description', () => {
    const bare = buildSchema('"q" type Query { "f" f(a: Int): E g: Int } "e" enum E { A "b" B }');
    expect(undocumented(bare)).toEqual(['argument Query.f(a)', 'field Query.g', 'enum value E.A']);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  getNamedType,
  GraphQLSchema,
  isObjectType,
  Kind,
  parse,
  specifiedRules,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { buildBillingSchema } from '../../src/schema/build-schema';

const root = join(__dirname, '..', '..');

/** Every ```graphql block of a Markdown file (list items' indented ones too), with the line it starts on. */
function graphqlBlocks(file: string): Array<{ line: number; source: string }> {
  const text = readFileSync(join(root, file), 'utf8');
  const blocks: Array<{ line: number; source: string }> = [];
  const fence = /^( *)```graphql\n([\s\S]*?)^\1```$/gm;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    const indent = match[1].length;
    const source = match[2]
      .split('\n')
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
    blocks.push({ line: text.slice(0, match.index).split('\n').length, source });
  }
  return blocks;
}

const DOCUMENTS = ['README.md'];

describe('the operations in the docs', () => {
  let served: GraphQLSchema;
  beforeAll(async () => {
    served = await buildBillingSchema();
  });

  it.each(DOCUMENTS)('%s: every graphql block is valid against the served schema', (file) => {
    const blocks = graphqlBlocks(file);
    expect(blocks.length).toBeGreaterThan(0);
    const problems = blocks.flatMap(({ line, source }) => {
      try {
        return validate(served, parse(source), specifiedRules).map((e) => `${file}:${line}: ${e.message}`);
      } catch (error) {
        return [`${file}:${line}: ${(error as Error).message}`];
      }
    });
    expect(problems).toEqual([]);
  });

  it.each(DOCUMENTS)('%s: every operation is named (codegen refuses anonymous ones)', (file) => {
    const anonymous = graphqlBlocks(file).flatMap(({ line, source }) =>
      parse(source)
        .definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION && !d.name)
        .map(() => `${file}:${line}`),
    );
    expect(anonymous).toEqual([]);
  });
});

describe("the README's BillingDashboard", () => {
  it('selects id wherever a type has one (a normalized client cache then merges, never replaces, what it shows)', async () => {
    const served = await buildBillingSchema();
    const block = graphqlBlocks('README.md').find(({ source }) => /query BillingDashboard\b/.test(source))!;
    const typeInfo = new TypeInfo(served);
    const missing: string[] = [];
    visit(
      parse(block.source),
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const type = getNamedType(typeInfo.getType());
          if (!node.selectionSet || !isObjectType(type) || !type.getFields().id) return;
          const selectsId = node.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'id');
          if (!selectsId) missing.push(`${node.name.value}: ${type.name}`);
        },
      }),
    );
    expect(missing).toEqual([]);
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
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

/** The README and every page of docs/ (read from the directory, so a new page is covered without a change here). */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The README promises a front door: what this is, two commands, a tour and links; the rest lives in docs/. */
const README_MAX_BYTES = 12_500;

/** A Markdown file without its fenced code blocks (a `# comment` in a sh or graphql block is no heading). */
function prose(file: string): string {
  return readFileSync(join(root, file), 'utf8').replace(/^( *)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2 *$/gm, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, …. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text] of prose(file).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every relative Markdown link of a file outside code (inline code spans too), as [target, anchor]. */
function relativeLinks(file: string): Array<{ target: string; anchor?: string }> {
  const text = prose(file).replace(/`[^`\n]*`/g, '');
  const links: Array<{ target: string; anchor?: string }> = [];
  for (const [, href] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // http:, https:, mailto:
    const [path, anchor] = href.split('#');
    links.push({ target: path === '' ? file : normalize(join(dirname(file), path)), anchor });
  }
  return links;
}

describe('the operations in the docs', () => {
  let served: GraphQLSchema;
  beforeAll(async () => {
    served = await buildBillingSchema();
  });

  it.each(DOCUMENTS)('%s: every graphql block is valid against the served schema', (file) => {
    const blocks = graphqlBlocks(file);
    if (file === 'README.md') expect(blocks.length).toBeGreaterThan(0);
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

describe('the docs fit', () => {
  it(`README.md is a front door of at most ${README_MAX_BYTES.toLocaleString('en')} bytes`, () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it.each([...DOCUMENTS, 'ARCHITECTURE.md'])(
    '%s: every relative link points to an existing file, and every #anchor to one of its headings',
    (file) => {
      const links = relativeLinks(file);
      const broken = links.flatMap(({ target, anchor }) => {
        if (!existsSync(join(root, target))) return [`${file}: ${target} does not exist`];
        if (anchor === undefined || !target.endsWith('.md')) return [];
        return anchorsOf(target).has(anchor) ? [] : [`${file}: ${target} has no heading #${anchor}`];
      });
      expect(broken).toEqual([]);
    },
  );

  it('the README links to every page of docs/', () => {
    const linked = new Set(relativeLinks('README.md').map(({ target }) => target));
    expect(DOCUMENTS.filter((file) => file !== 'README.md' && !linked.has(file))).toEqual([]);
  });

  it('docs/rules.md has a section for each rule R1–R36, in order', () => {
    const sections = [...prose('docs/rules.md').matchAll(/^#{2,3} R(\d+) — \S/gm)].map(([, n]) => Number(n));
    expect(sections).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
  });

  it('no page cites a design document the repository does not ship', () => {
    const citing = [...DOCUMENTS, 'ARCHITECTURE.md'].filter((file) =>
      /DESIGN\.md/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(citing).toEqual([]);
  });
});

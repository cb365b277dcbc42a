#!/usr/bin/env node
// Types the Billing dashboard's operations (src/dashboard/client/operations.graphql) from the committed SDL
// (schema/schema.graphql) with @graphql-codegen's client preset, into src/dashboard/client/gql/.
//   node scripts/dashboard-codegen.mjs           write the generated files
//   node scripts/dashboard-codegen.mjs --check   exit 1 when a committed file differs from what would be generated
// It drives @graphql-codegen/core with the preset directly — what @graphql-codegen/cli does — without the CLI's
// schema loaders (URL, GitHub, Apollo Studio), which need a newer Node than this project supports.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codegen } from '@graphql-codegen/core';
import { preset } from '@graphql-codegen/client-preset';
import { buildSchema, parse } from 'graphql';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaFile = join(root, 'schema', 'schema.graphql');
const documentsFile = join(root, 'src', 'dashboard', 'client', 'operations.graphql');
const outputDir = join(root, 'src', 'dashboard', 'client', 'gql');

/** The preset's configuration: scalars as the server serializes them; enums as string unions (no runtime code). */
const config = {
  scalars: { DateTime: 'string', SafeInt: 'number', JSONObject: 'Record<string, unknown>' },
  strictScalars: true,
  enumsAsTypes: true,
  useTypeImports: true,
};

async function generate() {
  const sdl = readFileSync(schemaFile, 'utf8');
  const schemaAst = buildSchema(sdl);
  const operations = readFileSync(documentsFile, 'utf8');
  const documents = [{ location: relative(root, documentsFile), rawSDL: operations, document: parse(operations) }];
  const sections = await preset.buildGeneratesSection({
    baseOutputDir: `${relative(root, outputDir)}/`,
    presetConfig: { fragmentMasking: false },
    plugins: [],
    pluginMap: {},
    schema: parse(sdl),
    schemaAst,
    documents,
    config,
    documentTransforms: [],
  });
  const files = await Promise.all(
    sections.map(async (section) => ({
      file: join(root, section.filename),
      content: await codegen({ ...section, cache: async (_ns, _key, fn) => fn() }),
    })),
  );
  return files;
}

const files = await generate();
if (process.argv.includes('--check')) {
  const stale = files.filter(({ file, content }) => !existsSync(file) || readFileSync(file, 'utf8') !== content);
  const expected = new Set(files.map(({ file }) => file));
  const extra = existsSync(outputDir)
    ? readdirSync(outputDir)
        .map((f) => join(outputDir, f))
        .filter((f) => !expected.has(f))
    : [];
  if (stale.length || extra.length) {
    for (const { file } of stale) console.error(`stale: ${relative(root, file)}`);
    for (const file of extra) console.error(`not generated: ${relative(root, file)}`);
    console.error('The dashboard types are stale: run npm run codegen and commit src/dashboard/client/gql/.');
    process.exit(1);
  }
  console.error(`Dashboard types up to date (${files.length} files in ${relative(root, outputDir)}/)`);
} else {
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  for (const { file, content } of files) writeFileSync(file, content);
  console.error(`Dashboard types written: ${files.map(({ file }) => relative(root, file)).join(', ')}`);
}

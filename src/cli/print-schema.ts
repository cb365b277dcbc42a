import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBillingSchema, printBillingSchema } from '../schema/build-schema';

/** Writes schema/schema.graphql: the SDL the server serves, directives included. */
buildBillingSchema().then(
  (schema) => {
    const path = join(__dirname, '..', '..', '..', 'schema', 'schema.graphql');
    writeFileSync(path, printBillingSchema(schema));
    console.log(`wrote ${path}`);
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);

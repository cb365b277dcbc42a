import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { BillingError } from '../errors/errors';
import { MAX_INPUT_INSTANT, MIN_INPUT_INSTANT } from '../services/bounds';

const YEARS = `years ${MIN_INPUT_INSTANT.getUTCFullYear()} to ${MAX_INPUT_INSTANT.getUTCFullYear()}`;

function bounded(value: Date): Date {
  const t = value.getTime();
  if (t < MIN_INPUT_INSTANT.getTime() || t > MAX_INPUT_INSTANT.getTime()) {
    // A BillingError keeps its BAD_USER_INPUT code through graphql-js's coercion and validation (format-error.ts).
    throw new BillingError(
      'BAD_USER_INPUT',
      `DateTime must be between ${MIN_INPUT_INSTANT.toISOString()} and ${MAX_INPUT_INSTANT.toISOString()} (${YEARS})`,
    );
  }
  return value;
}

/**
 * The contract's DateTime: graphql-scalars' RFC 3339 scalar (same name, description and output), whose inputs —
 * every DateTime argument and input field, inline or as a variable — are also bounded to years 2000–2999.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  parseValue: (value) => bounded(DateTimeResolver.parseValue(value) as Date),
  parseLiteral: (ast, variables) => bounded(DateTimeResolver.parseLiteral(ast, variables) as Date),
});

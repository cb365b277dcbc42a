import { GraphQLError, GraphQLFormattedError, Kind } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { BillingError, PUBLIC_ERROR_CODES } from '../errors/errors';
import { withoutSuggestions } from './schema-exposure';

/** Codes graphql-js and Apollo give to malformed requests; safe to show. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

interface ValidationErrorLike {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

function firstViolation(errors: ValidationErrorLike[], prefix = ''): { field: string; message: string } | null {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const message = e.constraints && Object.values(e.constraints)[0];
    if (message) return { field, message };
    const nested = firstViolation(e.children ?? [], field);
    if (nested) return nested;
  }
  return null;
}

/**
 * The variable a request error is about, when graphql-js refused a variable's value before execution (wrong type,
 * missing, or a scalar that refused it). Apollo marks these BAD_USER_INPUT over HTTP; graphql-ws passes graphql-js's
 * error as it is, so both transports are recognized here by the error's one node being the variable's definition.
 */
function refusedVariable(error: GraphQLError): string | null {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  return node?.kind === Kind.VARIABLE_DEFINITION ? node.variable.name.value : null;
}

/** A BillingError a scalar threw while graphql-js coerced an input (e.g. a DateTime out of range, R34). */
function scalarRefusal(error: GraphQLError): BillingError | null {
  let cause: unknown = error.originalError;
  for (let depth = 0; cause && depth < 3; depth++) {
    if (cause instanceof BillingError) return cause;
    cause = (cause as GraphQLError).originalError;
  }
  return null;
}

/**
 * docs/rules.md (Conventions): every error carries a stable code; class-validator failures become BAD_USER_INPUT with `field`;
 * anything unexpected is logged and masked, so no stack trace or SQL reaches a client.
 */
export function createErrorFormatter(log: Logger, options: { hideSuggestions?: boolean } = {}) {
  const format = formatWith(log);
  if (!options.hideSuggestions) return format;
  // R36: production names no field, argument, type or enum value the caller did not write.
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    return { ...result, message: withoutSuggestions(result.message) };
  };
}

function formatWith(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = (formatted.extensions?.code as string | undefined) ?? undefined;
    const validationErrors = (original as GraphQLError | undefined)?.extensions?.validationErrors as
      ValidationErrorLike[] | undefined;
    if (validationErrors) {
      const violation = firstViolation(validationErrors) ?? { field: 'input', message: 'Invalid input' };
      return {
        message: violation.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: 'BAD_USER_INPUT', field: violation.field },
      };
    }
    if (original instanceof GraphQLError && !formatted.path) {
      // R34: a value refused before execution is the client's error, inline or as a variable, over HTTP or graphql-ws.
      // ("Variable "$x" is never used" also names only its definition: a validation error, left as it is.)
      const variable = code === 'GRAPHQL_VALIDATION_FAILED' ? null : refusedVariable(original);
      const refusal = scalarRefusal(original);
      if (variable || refusal) {
        const field = variable ?? (refusal?.extensions.field as string | undefined);
        return {
          message: formatted.message,
          locations: formatted.locations,
          extensions: { code: refusal?.code ?? 'BAD_USER_INPUT', ...(field ? { field } : {}) },
        };
      }
    }
    if (original instanceof GraphQLError && code && (PUBLIC_ERROR_CODES.has(code) || REQUEST_ERROR_CODES.has(code))) {
      const {
        stacktrace: _stack,
        http: _http,
        ...extensions
      } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions };
    }
    if (original instanceof GraphQLError && !original.originalError && !code) {
      // graphql-js's own errors: coercion of arguments, unknown fields, limits
      return {
        message: formatted.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'BAD_USER_INPUT' },
      };
    }
    log.error({ err: original, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

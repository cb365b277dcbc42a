import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { PUBLIC_ERROR_CODES } from '../errors/errors';
import { withoutSuggestions } from './schema-exposure';

/** Codes graphql-js and Apollo give to malformed requests; safe to show. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

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
 * DESIGN §6: every error carries a stable code; class-validator failures become BAD_USER_INPUT with `field`;
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
    const validationErrors = (original as GraphQLError | undefined)?.extensions?.validationErrors as ValidationErrorLike[] | undefined;
    if (validationErrors) {
      const violation = firstViolation(validationErrors) ?? { field: 'input', message: 'Invalid input' };
      return { message: violation.message, path: formatted.path, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT', field: violation.field } };
    }
    if (original instanceof GraphQLError && code && (PUBLIC_ERROR_CODES.has(code) || REQUEST_ERROR_CODES.has(code))) {
      const { stacktrace: _stack, http: _http, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions };
    }
    if (original instanceof GraphQLError && !original.originalError && !code) {
      // graphql-js's own errors: coercion of arguments, unknown fields, limits
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
    }
    log.error({ err: original, path: formatted.path }, 'unexpected error');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

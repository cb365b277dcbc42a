import { GraphQLError } from 'graphql';

/** The stable error codes of docs/rules.md (Conventions): the one list both the type and the runtime set come from. */
const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'LICENSE_LIMIT_REACHED',
  'LAST_BILLING_MANAGER',
  'IDEMPOTENCY_KEY_REUSED',
  'ALREADY_PAID',
  'PAYMENT_FAILED',
  'ORGANIZATION_TERMINATED',
  'RATE_LIMITED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The codes a client may see as they are; anything else is reported as INTERNAL_SERVER_ERROR. */
export const PUBLIC_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>(ERROR_CODES);

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429 };

/** A failure the client caused or may act on; its message and code reach the client as they are. */
export class BillingError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export const unauthenticated = (message = 'Authentication required: send Authorization: Bearer <token>') =>
  new BillingError('UNAUTHENTICATED', message, { http: { status: HTTP_STATUS.UNAUTHENTICATED } });
export const forbidden = (message: string) => new BillingError('FORBIDDEN', message);
/** Also what another organization's ids answer (R5): never FORBIDDEN, so nothing leaks. */
export const notFound = (what: string, id?: string) =>
  new BillingError('NOT_FOUND', id ? `${what} ${id} was not found` : `${what} was not found`);
export const badInput = (field: string, message: string) => new BillingError('BAD_USER_INPUT', message, { field });
export const conflict = (message: string) => new BillingError('CONFLICT', message);
export const lastBillingManager = () =>
  new BillingError(
    'LAST_BILLING_MANAGER',
    'The organization must keep at least one active user holding MANAGE_BILLING; this change would leave none',
  );
export const organizationTerminated = () =>
  new BillingError(
    'ORGANIZATION_TERMINATED',
    'The organization is terminated; only payments and billing contacts can change',
  );

/** R13, R19: a declined or impossible charge. `failureCode` is the provider's (card_declined, …). */
export const paymentFailed = (message: string, failureCode: string, paymentId?: string) =>
  new BillingError('PAYMENT_FAILED', message, { failureCode, ...(paymentId ? { paymentId } : {}) });

/** R19: the invoice has been paid already. */
export const alreadyPaid = (number: string) => new BillingError('ALREADY_PAID', `Invoice ${number} is already paid`);

/** R19: an idempotency key already used for another operation or with other arguments. */
export const idempotencyKeyReused = (operation: string) =>
  new BillingError(
    'IDEMPOTENCY_KEY_REUSED',
    `This idempotency key was already used with other arguments${operation ? ` or for another operation` : ''}; use a new key for a new request`,
    { field: 'idempotencyKey' },
  );

/** R11: the contract does not allow overage and this change would exceed it. */
export const licenseLimitReached = (message: string) => new BillingError('LICENSE_LIMIT_REACHED', message);

/**
 * The stable code an error may show: its own when it is one of docs/rules.md (a BillingError), else
 * INTERNAL_SERVER_ERROR — never its message, which may hold SQL or data.
 */
export function publicErrorCode(error: unknown): string {
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  return typeof code === 'string' && PUBLIC_ERROR_CODES.has(code) ? code : 'INTERNAL_SERVER_ERROR';
}

/** R36: the caller spent its request budget; `retryAfterSeconds` (whole seconds, at least 1) until it may send again. */
export const rateLimited = (retryAfterSeconds: number) =>
  new BillingError('RATE_LIMITED', `Too many requests: retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
    http: { status: HTTP_STATUS.RATE_LIMITED },
  });

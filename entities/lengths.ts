/**
 * R34: the one declared maximum of every stored string, in characters. Entity columns take their `length` from
 * here and input validation (resolvers/types/validation.ts, src/services/text.ts) refuses anything longer, so the
 * API never accepts what a column cannot store. The migrations already created these columns with these lengths;
 * the drift check (an empty schema diff on both drivers) proves entities and migrations still agree.
 */
export const MAX_LENGTH = {
  /** Every id the API issues is a UUID (36 characters); every id column is varchar(36). */
  id: 36,
  /** Enum values stored as varchar. */
  enumValue: 32,
  organizationName: 200,
  userName: 200,
  locationName: 200,
  /** RFC 5321's limit for a forward path; also point-of-contact and additional billing emails. */
  email: 254,
  terminationReason: 1000,
  idempotencyKey: 255,
  contentId: 200,
  /** A payment provider's card token (never stored) and the provider's references (stored). */
  providerToken: 255,
  providerRef: 255,
  paymentFailureCode: 64,
  cardBrand: 32,
  cardLast4: 4,
  currency: 3,
  /** A UTC day as the daily credit tallies key it: YYYY-MM-DD. */
  utcDay: 10,
  invoiceNumber: 32,
  /** R33: CN-000001. */
  creditNoteNumber: 32,
  /** R33: an operator's note on a credit note. */
  creditNoteMemo: 1000,
  invoiceLineDescription: 300,
  alertMessage: 500,
  notificationSubject: 300,
  notificationError: 500,
  idempotencyOperation: 64,
  idempotencyArgumentsHash: 64,
  /** R31: a verified token's subject (a user id, an operator's id) as the audit log records it. */
  tokenSubject: 255,
  /** R31: the request id the audit log records (a longer X-Request-Id header is cut to this). */
  requestId: 255,
} as const;

import { badInput } from '../errors/errors';
import { MAX_ID_LENGTH } from './bounds';

/**
 * R34: the rules every string input obeys, in one place. Input classes apply them through the class-validator
 * decorators of resolvers/types/validation.ts, scalar arguments through its `TextArg`/`IdArg`, and services through
 * `checkText`; all three refuse with BAD_USER_INPUT and `extensions.field`.
 */
export interface TextRule {
  /** The column's length (entities/lengths.ts), counted in characters (code points) as MariaDB counts them. */
  max: number;
  /** At least this many characters (default 0); `requiredText` also refuses blank text. */
  min?: number;
  /** Free text (a reason): line breaks and tabs are allowed; every other control character is still refused. */
  multiline?: boolean;
}

/**
 * Characters that are never legitimate in a name, email, key or id: C0 and C1 controls and DEL; Unicode line and
 * paragraph separators; bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make
 * text display differently from what it is; zero-width characters (U+200B–U+200D, U+2060, U+FEFF), which make two
 * different values look the same.
 */
const SINGLE_LINE_FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\u200B-\u200D\u2060\uFEFF]/u;
/** The same, but a line break (LF, CR) or tab may appear in free text. */
const MULTILINE_FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\u200B-\u200D\u2060\uFEFF]/u;

const describe = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with `value` under `rule` (a sentence naming the field's last segment), or null when it obeys. */
export function textProblem(field: string, value: unknown, rule: TextRule): string | null {
  const name = field.split('.').at(-1);
  if (typeof value !== 'string') return `${name} must be text`;
  const length = codePointLength(value);
  if (length > rule.max) return `${name} must be at most ${rule.max} characters`;
  if (rule.min && length < rule.min)
    return rule.min === 1 ? `${name} must not be empty` : `${name} must be at least ${rule.min} characters`;
  const bad = (rule.multiline ? MULTILINE_FORBIDDEN : SINGLE_LINE_FORBIDDEN).exec(value);
  if (bad)
    return `${name} must not contain control, zero-width or bidirectional formatting characters (found ${describe(bad[0])})`;
  return null;
}

/** Throws BAD_USER_INPUT on `field` unless `value` obeys `rule`. */
export function checkText(field: string, value: unknown, rule: TextRule): string {
  const problem = textProblem(field, value, rule);
  if (problem) throw badInput(field, problem);
  return value as string;
}

/**
 * An id: printable, not empty, and no longer than any id the API issues — a UUID (the id columns' 36 characters) or
 * the draft invoice's "upcoming-" + UUID (45). Anything longer is malformed (BAD_USER_INPUT); anything else that
 * does not exist is NOT_FOUND where it is looked up (R5: never a database error). An id is stored only after it was
 * found, so it always fits its column.
 */
export const ID_RULE: TextRule = { max: MAX_ID_LENGTH, min: 1 };

/** Trimmed text that must not be blank (class-validator sees the raw string; "   " passes its length check). */
export function requiredText(field: string, value: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw badInput(field, `${field.split('.').at(-1)} must not be blank`);
  return trimmed;
}

function codePointLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

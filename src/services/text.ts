import { badInput } from '../errors/errors';

/** Trimmed text that must not be blank (class-validator sees the raw string; "   " passes its length check). */
export function requiredText(field: string, value: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw badInput(field, `${field.split('.').at(-1)} must not be blank`);
  return trimmed;
}

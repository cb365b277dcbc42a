import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { Arg, ID } from 'type-graphql';
import { MAX_LENGTH } from '../../entities/lengths';
import { MAX_CONTENT_ID_LENGTH, MAX_IDEMPOTENCY_KEY_LENGTH } from '../../src/services/bounds';
import { checkText, ID_RULE, TextRule, textProblem } from '../../src/services/text';

/**
 * R34: how inputs declare their string rules (src/services/text.ts). Fields of input classes take `@IsText` /
 * `@IsId`, validated by type-graphql's class-validator run and reported by format-error.ts as BAD_USER_INPUT with
 * `field`; scalar arguments take `TextArg` / `IdArg`, which check the same rules before the resolver runs.
 */
export function IsText(rule: TextRule, options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isText',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [rule],
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => textProblem(args.property, value, rule) === null,
        defaultMessage: (args: ValidationArguments) =>
          textProblem(args.property, args.value, rule) ?? `${args.property} is invalid`,
      },
    });
}

/** An id field: 1 to 64 printable characters (text.ts ID_RULE); whether it exists is the service's question (NOT_FOUND). */
export const IsId = (options: ValidationOptions = {}) => IsText(ID_RULE, options);

/** Rules of the string inputs that are not ids. */
export const TEXT = {
  organizationName: { max: MAX_LENGTH.organizationName, min: 1 },
  userName: { max: MAX_LENGTH.userName, min: 1 },
  locationName: { max: MAX_LENGTH.locationName, min: 1 },
  email: { max: MAX_LENGTH.email },
  terminationReason: { max: MAX_LENGTH.terminationReason, multiline: true },
  idempotencyKey: { max: MAX_IDEMPOTENCY_KEY_LENGTH, min: 1 },
  contentId: { max: MAX_CONTENT_ID_LENGTH, min: 1 },
  providerToken: { max: MAX_LENGTH.providerToken, min: 1 },
} as const satisfies Record<string, TextRule>;

interface ArgOptions {
  description: string;
  nullable?: boolean;
}

/** A scalar String argument checked against `rule` (null passes when the argument is nullable). */
export const TextArg = (name: string, rule: TextRule, options: ArgOptions) =>
  Arg(name, () => String, {
    ...options,
    validateFn: (value: unknown) => void (value == null || checkText(name, value, rule)),
  });

/** A scalar ID argument: malformed is BAD_USER_INPUT here; well-formed but unknown is the service's NOT_FOUND. */
export const IdArg = (name: string, options: ArgOptions) =>
  Arg(name, () => ID, {
    ...options,
    validateFn: (value: unknown) => void (value == null || checkText(name, value, ID_RULE)),
  });

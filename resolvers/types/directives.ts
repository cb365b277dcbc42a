import { Directive } from 'type-graphql';
import { Permission } from '../../entities/enums';

/**
 * R4: the one declaration of a field's permission. The SDL printer shows it and the schema transformer
 * (applyAuthDirectives in src/schema/auth-directives.ts) enforces it, both reading this directive.
 */
export const HasPermission = (permission: Permission) => Directive(`@hasPermission(permission: ${permission})`);

/** R5: platform operators only (token scope "operator"). */
export const OperatorOnly = () => Directive('@operatorOnly');

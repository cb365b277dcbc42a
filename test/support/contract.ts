import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * The public contract and its checker live beside the project (../shared). A checkout without that folder
 * falls back to the copy in test/contract-copy, refreshed whenever the contract changes.
 */
export function contractFile(...segments: string[]): string {
  const beside = join(root, '..', 'shared', ...segments);
  return existsSync(beside) ? beside : join(root, 'test', 'contract-copy', ...segments);
}

import { existsSync, readFileSync } from 'node:fs';
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

/** The contract this release serves, as one SDL: schema.graphql and its next-live additions (R25–R29). */
export function liveContractSdl(): string {
  return ['schema.graphql', 'next-live.graphql']
    .map((file) => readFileSync(contractFile('contract', file), 'utf8'))
    .join('\n');
}

/** The contract of the second release's records part as one SDL: the live contract and next-records (R30–R33). */
export function recordsContractSdl(): string {
  return [liveContractSdl(), readFileSync(contractFile('contract', 'next-records.graphql'), 'utf8')].join('\n');
}

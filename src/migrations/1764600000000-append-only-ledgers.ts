import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables whose rows are facts: written once, in the transaction of the change, never updated or deleted. */
const APPEND_ONLY = [
  ['credit_ledger_entry', 'the credit ledger is append-only (R16)'],
  ['usage_event', 'the usage timeline is append-only (R9)'],
] as const;

/** R9, R16: the database itself refuses to change or remove a ledger entry or a usage event, whatever code tries. */
export class AppendOnlyLedgers1764600000000 implements MigrationInterface {
  name = 'AppendOnlyLedgers1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const [table, message] of APPEND_ONLY) {
      for (const event of ['UPDATE', 'DELETE']) {
        const name = `${table}_no_${event.toLowerCase()}`;
        await queryRunner.query(
          sqlite
            ? `CREATE TRIGGER ${name} BEFORE ${event} ON ${table} BEGIN SELECT RAISE(ABORT, '${message}'); END`
            : `CREATE TRIGGER ${name} BEFORE ${event} ON ${table} FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${message}'`,
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table] of APPEND_ONLY) {
      for (const event of ['update', 'delete']) await queryRunner.query(`DROP TRIGGER IF EXISTS ${table}_no_${event}`);
    }
  }
}

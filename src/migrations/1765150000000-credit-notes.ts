import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

const IMMUTABLE = 'credit notes are immutable (R33)';

/**
 * R33: credit notes. `credit_note` (unique (organizationId, sequence) and (organizationId, number): CN-000001…
 * gapless per organization, numbered from `organization.lastCreditNoteSequence` under the organization lock), made
 * immutable by the database itself (triggers refuse UPDATE and DELETE on both drivers); `payment.kind` (CHARGE, or
 * REFUND for the refund of a credit note on a PAID invoice; existing payments are charges); and on the invoice the
 * sum of its notes (`creditedCents`) and the part refunded (`refundedCents`), which the amount due subtracts.
 */
export class CreditNotes1765150000000 implements MigrationInterface {
  name = 'CreditNotes1765150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    const bigint = queryRunner.connection.driver.normalizeType({ type: 'bigint' });
    await queryRunner.createTable(
      new Table({
        name: 'credit_note',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.ref('invoiceId'),
          c.int('sequence'),
          c.varchar('number', 32),
          { name: 'amountCents', type: bigint },
          { name: 'refundedCents', type: bigint },
          c.enum('reason'),
          c.varchar('memo', 1000, { isNullable: true }),
          c.ref('refundPaymentId', { isNullable: true }),
          c.instant('createdAt'),
        ],
        indices: [
          { columnNames: ['organizationId', 'sequence'], isUnique: true },
          { columnNames: ['organizationId', 'number'], isUnique: true },
          { columnNames: ['invoiceId', 'sequence'] },
        ],
        foreignKeys: [fk('organizationId', 'organization'), fk('invoiceId', 'invoice')],
      }),
      true,
    );
    await this.addColumns(queryRunner, 'payment', [c.enum('kind', { default: "'CHARGE'" })]);
    await this.addColumns(queryRunner, 'invoice', [
      { name: 'creditedCents', type: bigint, default: 0 },
      { name: 'refundedCents', type: bigint, default: 0 },
    ]);
    await this.addColumns(queryRunner, 'organization', [c.int('lastCreditNoteSequence', { default: 0 })]);
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const event of ['UPDATE', 'DELETE']) {
      const name = `credit_note_no_${event.toLowerCase()}`;
      await queryRunner.query(
        sqlite
          ? `CREATE TRIGGER ${name} BEFORE ${event} ON credit_note BEGIN SELECT RAISE(ABORT, '${IMMUTABLE}'); END`
          : `CREATE TRIGGER ${name} BEFORE ${event} ON credit_note FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${IMMUTABLE}'`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const event of ['update', 'delete']) await queryRunner.query(`DROP TRIGGER IF EXISTS credit_note_no_${event}`);
    await queryRunner.dropTable('credit_note');
    await this.dropColumns(queryRunner, 'organization', ['lastCreditNoteSequence']);
    await this.dropColumns(queryRunner, 'invoice', ['creditedCents', 'refundedCents']);
    await this.dropColumns(queryRunner, 'payment', ['kind']);
  }

  private addColumns(queryRunner: QueryRunner, table: string, columns: TableColumnOptions[]): Promise<void> {
    return this.keepingTriggers(queryRunner, table, () =>
      queryRunner.addColumns(
        table,
        columns.map((column) => new TableColumn(column)),
      ),
    );
  }

  private dropColumns(queryRunner: QueryRunner, table: string, columns: string[]): Promise<void> {
    return this.keepingTriggers(queryRunner, table, () => queryRunner.dropColumns(table, columns));
  }

  /**
   * SQLite rebuilds a table to add or drop a column and drops its triggers with it (the immutable invoice columns
   * of R17): they are kept here, as they are, and created again afterwards.
   */
  private async keepingTriggers(queryRunner: QueryRunner, table: string, change: () => Promise<void>): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const triggers: Array<{ name: string; sql: string }> = sqlite
      ? await queryRunner.query(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`, [table])
      : [];
    await change();
    for (const { name, sql } of triggers) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${name}`);
      await queryRunner.query(sql);
    }
  }
}

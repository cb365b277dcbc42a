import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

const IMMUTABLE = 'issued invoice evidence is immutable';

/**
 * R30: the evidence of an issued invoice's billed peak (invoice_line_evidence), written once when the invoice is
 * issued and, like the invoice's lines (1764400000000-invoices), made immutable by the database itself: triggers
 * refuse UPDATE and DELETE on SQLite and MariaDB, whatever code tries.
 */
export class PeakEvidence1765130000000 implements MigrationInterface {
  name = 'PeakEvidence1765130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'invoice_line_evidence',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.ref('invoiceId'),
          c.ref('userId', { isNullable: true }),
          c.ref('locationId', { isNullable: true }),
          c.instant('activeSince'),
          c.int('position'),
        ],
        indices: [{ columnNames: ['invoiceId', 'position'], isUnique: true }],
        foreignKeys: [fk('organizationId', 'organization'), fk('invoiceId', 'invoice')],
      }),
      true,
    );
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const event of ['UPDATE', 'DELETE']) {
      const name = `invoice_line_evidence_no_${event.toLowerCase()}`;
      await queryRunner.query(
        sqlite
          ? `CREATE TRIGGER ${name} BEFORE ${event} ON invoice_line_evidence BEGIN SELECT RAISE(ABORT, '${IMMUTABLE}'); END`
          : `CREATE TRIGGER ${name} BEFORE ${event} ON invoice_line_evidence FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${IMMUTABLE}'`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const event of ['update', 'delete'])
      await queryRunner.query(`DROP TRIGGER IF EXISTS invoice_line_evidence_no_${event}`);
    await queryRunner.dropTable('invoice_line_evidence');
  }
}

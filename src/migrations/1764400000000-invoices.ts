import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

/** Invoices with their lines, and the notification outbox. */
export class Invoices1764400000000 implements MigrationInterface {
  name = 'Invoices1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'invoice',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.ref('periodId'),
          c.int('sequence'),
          c.varchar('number', 32),
          c.enum('status'),
          c.instant('periodStart'),
          c.instant('periodEnd'),
          c.instant('issuedAt'),
          c.instant('dueAt'),
          c.varchar('currency', 3),
          c.int('subtotalCents'),
          c.int('totalCents'),
          c.int('amountPaidCents', { default: 0 }),
          c.instant('paidAt', { isNullable: true }),
        ],
        indices: [
          { columnNames: ['organizationId', 'sequence'], isUnique: true },
          { columnNames: ['periodId'], isUnique: true },
          { columnNames: ['organizationId', 'issuedAt', 'id'] },
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'invoice_line_item',
        columns: [
          c.id(),
          c.ref('invoiceId'),
          c.int('position'),
          c.enum('kind'),
          c.varchar('description', 300),
          c.int('quantity'),
          c.int('unitPriceCents'),
          c.int('amountCents'),
          c.instant('peakAt', { isNullable: true }),
        ],
        indices: [{ columnNames: ['invoiceId', 'position'], isUnique: true }],
        foreignKeys: [fk('invoiceId', 'invoice')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'notification',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.ref('invoiceId', { isNullable: true }),
          c.enum('kind'),
          c.int('offsetDays', { isNullable: true }),
          c.text('recipients'),
          c.varchar('subject', 300),
          c.text('textBody'),
          c.text('htmlBody'),
          c.enum('status'),
          c.int('attempts', { default: 0 }),
          c.instant('nextAttemptAt'),
          c.instant('claimedUntil', { isNullable: true }),
          c.varchar('lastError', 500, { isNullable: true }),
          c.instant('createdAt'),
          c.instant('sentAt', { isNullable: true }),
        ],
        indices: [
          { columnNames: ['invoiceId', 'kind', 'offsetDays'], isUnique: true },
          { columnNames: ['status', 'nextAttemptAt'] },
          { columnNames: ['organizationId', 'createdAt'] },
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await this.makeIssuedInvoicesImmutable(queryRunner);
  }

  /**
   * R17: issued invoices never change their lines or totals — enforced by the database itself, so that no code
   * path (present or future, ORM or raw SQL) can. Only status, amountPaidCents and paidAt may move.
   */
  private async makeIssuedInvoicesImmutable(queryRunner: QueryRunner): Promise<void> {
    const fixed = [
      'organizationId',
      'periodId',
      'sequence',
      'number',
      'periodStart',
      'periodEnd',
      'issuedAt',
      'dueAt',
      'currency',
      'subtotalCents',
      'totalCents',
    ];
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      const changed = fixed.map((c) => `NEW."${c}" IS NOT OLD."${c}"`).join(' OR ');
      await queryRunner.query(
        `CREATE TRIGGER invoice_fixed_columns BEFORE UPDATE ON invoice FOR EACH ROW WHEN ${changed} BEGIN SELECT RAISE(ABORT, 'issued invoices are immutable'); END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER invoice_line_no_update BEFORE UPDATE ON invoice_line_item BEGIN SELECT RAISE(ABORT, 'issued invoice lines are immutable'); END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER invoice_line_no_delete BEFORE DELETE ON invoice_line_item BEGIN SELECT RAISE(ABORT, 'issued invoice lines are immutable'); END`,
      );
    } else {
      const changed = fixed.map((c) => `NOT (NEW.\`${c}\` <=> OLD.\`${c}\`)`).join(' OR ');
      await queryRunner.query(
        `CREATE TRIGGER invoice_fixed_columns BEFORE UPDATE ON invoice FOR EACH ROW BEGIN IF ${changed} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'issued invoices are immutable'; END IF; END`,
      );
      await queryRunner.query(
        `CREATE TRIGGER invoice_line_no_update BEFORE UPDATE ON invoice_line_item FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'issued invoice lines are immutable'`,
      );
      await queryRunner.query(
        `CREATE TRIGGER invoice_line_no_delete BEFORE DELETE ON invoice_line_item FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'issued invoice lines are immutable'`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of ['invoice_line_no_delete', 'invoice_line_no_update', 'invoice_fixed_columns'])
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${trigger}`);
    for (const table of ['notification', 'invoice_line_item', 'invoice']) await queryRunner.dropTable(table);
  }
}

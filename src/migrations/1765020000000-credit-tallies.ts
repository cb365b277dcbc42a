import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

const OVERAGE_WINDOW = ['organizationId', 'kind', 'createdAt', 'unitPriceCents', 'quantity'];

/**
 * R15, R16: sums of the credit ledger kept on write (entities/credit-tally.entity.ts), filled here from the ledger
 * as it stands. Also a covering index for the invoice's overage by price over a time window (it read every entry of
 * the organization's kind before: `type ALL` on MariaDB once the ledger grows).
 */
export class CreditTallies1765020000000 implements MigrationInterface {
  name = 'CreditTallies1765020000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    const key = [c.ref('organizationId', { isPrimary: true })];
    const bigint = queryRunner.connection.driver.normalizeType({ type: 'bigint' });
    await queryRunner.createTable(
      new Table({
        name: 'credit_period_tally',
        columns: [...key, c.ref('periodId', { isPrimary: true }), c.int('consumedFromBalance')],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'credit_overage_tally',
        columns: [
          ...key,
          c.ref('periodId', { isPrimary: true }),
          { name: 'unitPriceCents', type: bigint, isPrimary: true },
          c.int('credits'),
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'credit_daily_use',
        columns: [...key, c.varchar('day', 10, { isPrimary: true }), c.int('credits')],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.query(
      `INSERT INTO credit_period_tally (organizationId, periodId, consumedFromBalance)
       SELECT organizationId, periodId, -SUM(quantity) FROM credit_ledger_entry
       WHERE kind = 'CONSUMPTION' AND periodId IS NOT NULL GROUP BY organizationId, periodId`,
    );
    await queryRunner.query(
      `INSERT INTO credit_overage_tally (organizationId, periodId, unitPriceCents, credits)
       SELECT organizationId, periodId, unitPriceCents, SUM(quantity) FROM credit_ledger_entry
       WHERE kind = 'OVERAGE' AND periodId IS NOT NULL GROUP BY organizationId, periodId, unitPriceCents`,
    );
    await queryRunner.query(
      `INSERT INTO credit_daily_use (organizationId, day, credits)
       SELECT organizationId, DATE(createdAt), SUM(CASE WHEN kind = 'CONSUMPTION' THEN -quantity ELSE quantity END) FROM credit_ledger_entry
       WHERE kind IN ('CONSUMPTION', 'OVERAGE') GROUP BY organizationId, DATE(createdAt)`,
    );
    await queryRunner.createIndex('credit_ledger_entry', new TableIndex({ columnNames: OVERAGE_WINDOW }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = await queryRunner.getTable('credit_ledger_entry');
    const index = table?.indices.find((i) => i.columnNames.join() === OVERAGE_WINDOW.join());
    if (index) await queryRunner.dropIndex('credit_ledger_entry', index);
    for (const name of ['credit_daily_use', 'credit_overage_tally', 'credit_period_tally'])
      await queryRunner.dropTable(name);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every money column (integer cents), by table, as of this migration. */
const CENTS_COLUMNS: Record<string, string[]> = {
  billing_alert: ['estimatedAdditionalChargeCents'],
  contract: ['seatPriceCents', 'locationPriceCents', 'creditUnitPriceCents'],
  credit_ledger_entry: ['unitPriceCents'],
  credit_lot: ['unitPriceCents', 'totalCents'],
  credit_purchase: ['totalCents'],
  invoice: ['subtotalCents', 'totalCents', 'amountPaidCents'],
  invoice_line_item: ['unitPriceCents', 'amountCents'],
  payment: ['amountCents'],
};

/** NO PAD binary: 'k ' ≠ 'k' (utf8mb4_bin and ascii_bin are PAD SPACE and would still equate them). */
const EXACT_COLLATION = 'utf8mb4_nopad_bin';

/**
 * R34: money that fits, keys that compare exactly.
 *
 * 1. Money columns become 64-bit: `int` overflows at $21,474,836.47, below what a contract may bill. MariaDB gets
 *    BIGINT; SQLite stores every INTEGER in 64 bits already, but the declared type changes too (the table is
 *    rebuilt) so entities and tables stay identical on both drivers.
 * 2. MariaDB compares text with the database's collation, utf8mb4_unicode_ci: "Key", "key", "key " and "ǅ"/"ǆ"
 *    were one idempotency key, one id. Every table (and the database's default, for tables created later)
 *    becomes utf8mb4_nopad_bin, byte for byte like SQLite's BINARY. Emails are lower-cased by the services, so
 *    they stay case-insensitive by design; other text (e.g. location names) now compares exactly on both drivers.
 */
export class ExactMoneyAndKeys1764700000000 implements MigrationInterface {
  name = 'ExactMoneyAndKeys1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.setCentsType(queryRunner, 'bigint');
    if (queryRunner.connection.options.type === 'better-sqlite3') return;
    const [{ db }] = (await queryRunner.query('SELECT DATABASE() AS db')) as Array<{ db: string }>;
    await queryRunner.query(`ALTER DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE ${EXACT_COLLATION}`);
    await this.convertTables(queryRunner, db, EXACT_COLLATION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'better-sqlite3') {
      const [{ db }] = (await queryRunner.query('SELECT DATABASE() AS db')) as Array<{ db: string }>;
      await queryRunner.query(`ALTER DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await this.convertTables(queryRunner, db, 'utf8mb4_unicode_ci');
    }
    await this.setCentsType(queryRunner, 'int');
  }

  private async setCentsType(queryRunner: QueryRunner, type: 'bigint' | 'int'): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const normalized = queryRunner.connection.driver.normalizeType({ type });
    // SQLite rebuilds a table to change a column and drops its triggers with it (the append-only ledger, the
    // immutable invoices): they are kept here, as they are, and created again afterwards.
    const triggers: Array<{ name: string; sql: string }> = sqlite
      ? await queryRunner.query(
          `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (${Object.keys(CENTS_COLUMNS)
            .map(() => '?')
            .join(', ')})`,
          Object.keys(CENTS_COLUMNS),
        )
      : [];
    for (const [tableName, names] of Object.entries(CENTS_COLUMNS)) {
      const table = await queryRunner.getTable(tableName);
      if (!table) throw new Error(`table ${tableName} is missing`);
      const changes = names.map((name) => {
        const oldColumn = table.findColumnByName(name);
        if (!oldColumn) throw new Error(`column ${tableName}.${name} is missing`);
        const newColumn = oldColumn.clone();
        newColumn.type = normalized;
        return { oldColumn, newColumn };
      });
      // One rebuild per table on SQLite (one ALTER per column on MariaDB).
      await queryRunner.changeColumns(tableName, changes);
    }
    for (const { name, sql } of triggers) {
      await queryRunner.query(`DROP TRIGGER IF EXISTS ${name}`);
      await queryRunner.query(sql);
    }
  }

  private async convertTables(queryRunner: QueryRunner, db: string, collation: string): Promise<void> {
    const names = (
      (await queryRunner.query(
        `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
        [db],
      )) as Array<{ name: string }>
    ).map((t) => t.name);
    // InnoDB refuses to change the collation of a column in a foreign key (even with FOREIGN_KEY_CHECKS = 0):
    // the keys are dropped, every table converted, and the same keys (same names) created again.
    const tables = await queryRunner.getTables(names);
    const keys = tables.map((table) => ({ table, foreignKeys: table.foreignKeys.map((fk) => fk.clone()) }));
    for (const { table, foreignKeys } of keys)
      if (foreignKeys.length) await queryRunner.dropForeignKeys(table, foreignKeys);
    for (const name of names)
      await queryRunner.query(`ALTER TABLE \`${name}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
    for (const { table, foreignKeys } of keys)
      if (foreignKeys.length) await queryRunner.createForeignKeys(table, foreignKeys);
  }
}

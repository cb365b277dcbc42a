import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { MAX_LENGTH } from '../../entities/lengths';
import { columnsFor } from './table-helpers';

const MESSAGE = 'the audit log is append-only (R31)';

/**
 * R31: the audit log — one append-only table, a row per billing-relevant change, with an index for the newest-first
 * list and one per filter (action, actor, target), each ending in the time-ordered id. As for the ledgers
 * (1764600000000), the database itself refuses to update or delete a row, whatever code tries.
 */
export class AuditLog1765140000000 implements MigrationInterface {
  name = 'AuditLog1765140000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'audit_event',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.enum('action'),
          c.enum('actorKind'),
          c.ref('actorUserId', { isNullable: true }),
          c.varchar('actorSubject', MAX_LENGTH.tokenSubject, { isNullable: true }),
          c.enum('targetType'),
          c.ref('targetId'),
          c.text('changes'),
          c.varchar('reason', MAX_LENGTH.terminationReason, { isNullable: true }),
          c.varchar('requestId', MAX_LENGTH.requestId, { isNullable: true }),
          c.instant('createdAt'),
        ],
        indices: [
          { columnNames: ['organizationId', 'id'] },
          { columnNames: ['organizationId', 'action', 'id'] },
          { columnNames: ['organizationId', 'actorUserId', 'id'] },
          { columnNames: ['organizationId', 'targetId', 'id'] },
        ],
      }),
      true,
    );
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const event of ['UPDATE', 'DELETE']) {
      const name = `audit_event_no_${event.toLowerCase()}`;
      await queryRunner.query(
        sqlite
          ? `CREATE TRIGGER ${name} BEFORE ${event} ON audit_event BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END`
          : `CREATE TRIGGER ${name} BEFORE ${event} ON audit_event FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${MESSAGE}'`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const event of ['update', 'delete']) await queryRunner.query(`DROP TRIGGER IF EXISTS audit_event_no_${event}`);
    await queryRunner.dropTable('audit_event');
  }
}

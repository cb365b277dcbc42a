import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

const IMMUTABLE = 'issued invoice evidence is immutable';

/** The license lines (R9, R10) and the license kind whose usage each bills. */
const LICENSE_LINE_KINDS: Record<string, 'USER' | 'LOCATION'> = {
  SEATS: 'USER',
  SEAT_OVERAGE: 'USER',
  LOCATIONS: 'LOCATION',
  LOCATION_OVERAGE: 'LOCATION',
};

/**
 * R30: the evidence of an issued invoice's billed peak (invoice_line_evidence), written once when the invoice is
 * issued and, like the invoice's lines (1764400000000-invoices), made immutable by the database itself: triggers
 * refuse UPDATE and DELETE on SQLite and MariaDB, whatever code tries.
 *
 * Invoices issued before it get their evidence here, from the append-only usage timeline at their license lines'
 * peakAt — what issuing them would have frozen. The statement is PeakEvidenceService.activeAt and freeze as of this
 * migration (a migration keeps its own copy: it must do the same whatever the service becomes).
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
    await this.backfill(queryRunner, sqlite);
    for (const event of ['UPDATE', 'DELETE']) {
      const name = `invoice_line_evidence_no_${event.toLowerCase()}`;
      await queryRunner.query(
        sqlite
          ? `CREATE TRIGGER ${name} BEFORE ${event} ON invoice_line_evidence BEGIN SELECT RAISE(ABORT, '${IMMUTABLE}'); END`
          : `CREATE TRIGGER ${name} BEFORE ${event} ON invoice_line_evidence FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${IMMUTABLE}'`,
      );
    }
  }

  private async backfill(queryRunner: QueryRunner, sqlite: boolean): Promise<void> {
    const kinds = Object.keys(LICENSE_LINE_KINDS);
    const lines: Array<{ invoiceId: string; organizationId: string; kind: string; peakAt: unknown }> =
      await queryRunner.query(
        `SELECT i.id AS invoiceId, i.organizationId AS organizationId, l.kind AS kind, l.peakAt AS peakAt
         FROM invoice i JOIN invoice_line_item l ON l.invoiceId = i.id
         WHERE l.peakAt IS NOT NULL AND l.kind IN (${kinds.map(() => '?').join(', ')})
         ORDER BY i.id, l.position`,
        kinds,
      );
    const done = new Set<string>();
    for (const { invoiceId, organizationId, kind, peakAt } of lines) {
      if (done.has(invoiceId)) continue; // every license line of an invoice has the one billed peak
      done.add(invoiceId);
      const licenseKind = LICENSE_LINE_KINDS[kind];
      const column = licenseKind === 'USER' ? 'userId' : 'locationId';
      await queryRunner.query(
        `INSERT INTO invoice_line_evidence (id, organizationId, invoiceId, ${column}, activeSince, position)
         SELECT ${sqlite ? 'lower(hex(randomblob(16)))' : 'UUID()'}, ?, ?, v.subjectId, v.activeSince,
                ROW_NUMBER() OVER (ORDER BY v.activeSince, v.subjectId)
         FROM (SELECT e.subjectId AS subjectId, MAX(CASE WHEN e.delta > 0 THEN e.occurredAt END) AS activeSince
               FROM usage_event e
               WHERE e.organizationId = ? AND e.kind = ? AND e.occurredAt <= ?
               GROUP BY e.subjectId
               HAVING SUM(e.delta) > 0) v`,
        [organizationId, invoiceId, organizationId, licenseKind, peakAt],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const event of ['update', 'delete'])
      await queryRunner.query(`DROP TRIGGER IF EXISTS invoice_line_evidence_no_${event}`);
    await queryRunner.dropTable('invoice_line_evidence');
  }
}

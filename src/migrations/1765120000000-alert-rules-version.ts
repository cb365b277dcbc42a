import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { columnsFor } from './table-helpers';

/**
 * R26: `organization.alertRulesVersion`: one more for each change of the organization's alert rules (their terms,
 * enabled, and the crossed state the evaluation writes), in the changing transaction — the key of the enabled rules
 * each instance keeps in memory (AlertRuleService).
 */
export class AlertRulesVersion1765120000000 implements MigrationInterface {
  name = 'AlertRulesVersion1765120000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.addColumn('organization', new TableColumn(c.int('alertRulesVersion', { default: 0 })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('organization', 'alertRulesVersion');
  }
}

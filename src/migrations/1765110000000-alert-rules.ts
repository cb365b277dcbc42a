import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

/**
 * R26: alert rules. An alert a rule raised points at it (billing_alert.ruleId); deleting the rule keeps the alert
 * and nulls the reference (ON DELETE SET NULL). The organization keeps how many of its rules are enabled, so an
 * organization without one skips the evaluation without a read.
 */
export class AlertRules1765110000000 implements MigrationInterface {
  name = 'AlertRules1765110000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    const bigint = queryRunner.connection.driver.normalizeType({ type: 'bigint' });
    await queryRunner.createTable(
      new Table({
        name: 'alert_rule',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.enum('metric'),
          c.enum('direction'),
          { name: 'threshold', type: bigint },
          c.text('channels'),
          c.bool('enabled', { default: 1 }),
          c.bool('crossed', { default: 0 }),
          c.instant('lastTriggeredAt', { isNullable: true }),
          c.instant('createdAt'),
        ],
        indices: [{ columnNames: ['organizationId', 'enabled'] }],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.addColumn('billing_alert', new TableColumn(c.ref('ruleId', { isNullable: true })));
    await queryRunner.createForeignKey('billing_alert', new TableForeignKey(fk('ruleId', 'alert_rule', 'SET NULL')));
    await queryRunner.addColumn('organization', new TableColumn(c.int('enabledAlertRules', { default: 0 })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('organization', 'enabledAlertRules');
    const alerts = await queryRunner.getTable('billing_alert');
    const ruleFk = alerts?.foreignKeys.find((f) => f.columnNames.join() === 'ruleId');
    if (ruleFk) await queryRunner.dropForeignKey('billing_alert', ruleFk);
    await queryRunner.dropColumn('billing_alert', 'ruleId');
    await queryRunner.dropTable('alert_rule');
  }
}

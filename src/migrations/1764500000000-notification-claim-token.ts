import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { columnsFor } from './table-helpers';

/** R24: the outbox worker's claim token (who is delivering a notification right now). */
export class NotificationClaimToken1764500000000 implements MigrationInterface {
  name = 'NotificationClaimToken1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.addColumn('notification', new TableColumn(c.ref('claimToken', { isNullable: true })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('notification', 'claimToken');
  }
}

import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { columnsFor } from './table-helpers';

/** `organization.stateVersion`: one more for each committed organization-scoped change (the read cache's key). */
export class OrganizationStateVersion1765025000000 implements MigrationInterface {
  name = 'OrganizationStateVersion1765025000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.addColumn('organization', new TableColumn(c.int('stateVersion', { default: 0 })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('organization', 'stateVersion');
  }
}

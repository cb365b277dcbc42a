import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

/** Organizations, contracts, users, locations, permission overrides and billing periods. */
export class Foundation1764100000000 implements MigrationInterface {
  name = 'Foundation1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'organization',
        columns: [
          c.id(),
          c.varchar('name', 200),
          c.enum('status', { default: "'ACTIVE'" }),
          c.instant('createdAt'),
          c.varchar('pointOfContactEmail', 254, { isNullable: true }),
          c.text('additionalBillingEmails', { isNullable: true }),
          c.int('lastInvoiceSequence', { default: 0 }),
          c.instant('terminationRequestedAt', { isNullable: true }),
          c.varchar('terminationReason', 1000, { isNullable: true }),
          c.instant('terminatedAt', { isNullable: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'contract',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.enum('licenseModel'),
          c.enum('billingInterval'),
          c.int('seatPriceCents'),
          c.int('contractedSeats'),
          c.int('locationPriceCents'),
          c.int('contractedLocations'),
          c.int('creditUnitPriceCents'),
          c.bool('allowOverage', { default: 1 }),
          c.int('paymentTermsDays'),
          c.instant('updatedAt'),
        ],
        indices: [{ columnNames: ['organizationId'], isUnique: true }],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'location',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.varchar('name', 200),
          c.enum('status', { default: "'ACTIVE'" }),
          c.instant('createdAt'),
          c.instant('deactivatedAt', { isNullable: true }),
        ],
        indices: [{ columnNames: ['organizationId', 'status'] }],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'user',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.varchar('email', 254),
          c.varchar('name', 200),
          c.enum('role'),
          c.enum('status', { default: "'ACTIVE'" }),
          c.ref('locationId', { isNullable: true }),
          c.instant('createdAt'),
          c.instant('activatedAt', { isNullable: true }),
          c.instant('deactivatedAt', { isNullable: true }),
        ],
        indices: [
          { columnNames: ['organizationId', 'status'] },
          { columnNames: ['email'], isUnique: true },
          { columnNames: ['organizationId', 'createdAt', 'id'] },
        ],
        foreignKeys: [fk('organizationId', 'organization'), fk('locationId', 'location', 'SET NULL')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'role_permission_override',
        columns: [c.id(), c.ref('organizationId'), c.enum('role'), c.enum('permission'), c.bool('granted')],
        uniques: [{ columnNames: ['organizationId', 'role', 'permission'] }],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'user_permission_override',
        columns: [c.id(), c.ref('userId'), c.enum('permission'), c.bool('granted')],
        uniques: [{ columnNames: ['userId', 'permission'] }],
        foreignKeys: [fk('userId', 'user')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'billing_period',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.instant('start'),
          c.instant('end'),
          c.ref('openForOrganizationId', { isNullable: true }),
          c.instant('closedAt', { isNullable: true }),
          c.instant('anchor'),
          c.int('anchorIndex'),
        ],
        indices: [
          { columnNames: ['organizationId', 'start'] },
          { columnNames: ['openForOrganizationId'], isUnique: true },
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'billing_period',
      'user_permission_override',
      'role_permission_override',
      'user',
      'location',
      'contract',
      'organization',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}

import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

/** Credits (R12–R16): payment methods, idempotency keys, lots, assignments, the ledger, payments and purchases. */
export class Credits1764300000000 implements MigrationInterface {
  name = 'Credits1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'payment_method',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.varchar('brand', 32),
          c.varchar('last4', 4),
          c.int('expMonth'),
          c.int('expYear'),
          c.varchar('providerRef', 255),
          c.instant('updatedAt'),
        ],
        indices: [{ columnNames: ['organizationId'], isUnique: true }],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_key',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.varchar('idempotencyKey', 255),
          c.varchar('operation', 64),
          c.varchar('argumentsHash', 64),
          c.text('result'),
          c.instant('createdAt'),
        ],
        indices: [
          { columnNames: ['organizationId', 'idempotencyKey'], isUnique: true },
          { columnNames: ['createdAt'] },
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'credit_lot',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.enum('source'),
          c.int('quantity'),
          c.int('remaining'),
          c.int('unitPriceCents'),
          c.int('discountPercent'),
          c.int('totalCents'),
          c.instant('purchasedAt'),
          c.instant('expiresAt', { isNullable: true }),
          c.instant('expiredAt', { isNullable: true }),
          c.ref('periodId', { isNullable: true }),
        ],
        indices: [
          { columnNames: ['organizationId', 'expiredAt', 'expiresAt'] },
          { columnNames: ['organizationId', 'source', 'purchasedAt'] },
          { columnNames: ['expiredAt', 'expiresAt'] },
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'training_assignment',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.ref('userId'),
          c.varchar('contentId', 200),
          c.int('credits'),
          c.enum('status', { default: "'ASSIGNED'" }),
          c.instant('assignedAt'),
          c.instant('startedAt', { isNullable: true }),
          c.instant('cancelledAt', { isNullable: true }),
          c.int('creditsFromBalance', { default: 0 }),
          c.int('creditsOverage', { default: 0 }),
        ],
        indices: [
          { columnNames: ['organizationId', 'assignedAt', 'id'] },
          { columnNames: ['organizationId', 'status', 'assignedAt'] },
          { columnNames: ['userId'] },
        ],
        foreignKeys: [fk('organizationId', 'organization'), fk('userId', 'user')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'credit_ledger_entry',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.int('sequence'),
          c.enum('kind'),
          c.int('quantity'),
          c.int('balanceAfter'),
          c.ref('lotId', { isNullable: true }),
          c.ref('assignmentId', { isNullable: true }),
          c.int('unitPriceCents', { isNullable: true }),
          c.ref('periodId', { isNullable: true }),
          c.instant('createdAt'),
        ],
        indices: [
          { columnNames: ['organizationId', 'sequence'], isUnique: true },
          { columnNames: ['organizationId', 'periodId', 'kind'] },
          { columnNames: ['organizationId', 'kind', 'sequence'] },
          { columnNames: ['assignmentId'] },
          { columnNames: ['lotId'] },
        ],
        foreignKeys: [
          fk('organizationId', 'organization'),
          fk('lotId', 'credit_lot'),
          fk('assignmentId', 'training_assignment'),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'payment',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.enum('purpose'),
          c.ref('invoiceId', { isNullable: true }),
          c.int('amountCents'),
          c.enum('status'),
          c.varchar('failureCode', 64, { isNullable: true }),
          c.varchar('providerRef', 255, { isNullable: true }),
          c.instant('createdAt'),
        ],
        indices: [{ columnNames: ['organizationId', 'createdAt', 'id'] }, { columnNames: ['invoiceId'] }],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'credit_purchase',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.int('quantity'),
          c.int('totalCents'),
          c.ref('lotId'),
          c.ref('paymentId'),
          c.instant('createdAt'),
        ],
        indices: [
          { columnNames: ['organizationId', 'createdAt', 'id'] },
          { columnNames: ['lotId'], isUnique: true },
          { columnNames: ['paymentId'], isUnique: true },
        ],
        foreignKeys: [fk('organizationId', 'organization'), fk('lotId', 'credit_lot'), fk('paymentId', 'payment')],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'credit_purchase',
      'payment',
      'credit_ledger_entry',
      'training_assignment',
      'credit_lot',
      'idempotency_key',
      'payment_method',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}

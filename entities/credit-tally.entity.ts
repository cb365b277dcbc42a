import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CentsColumn } from './columns';
import { MAX_LENGTH } from './lengths';
import { Organization } from './organization.entity';

/**
 * Sums of the credit ledger kept current on write (R15, R16), so reading this period's use does not grow with the
 * ledger. The ledger stays the source of truth; these rows are written only by CreditLedger, under the organization's
 * lock, in the transaction of the entries they sum (services/credit-tallies.ts).
 */

/** Credits taken from the balance by trainings started while the period was open (CONSUMPTION entries). */
@Entity('credit_period_tally')
export class CreditPeriodTally {
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id }) organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id }) periodId: string;
  @Column({ type: 'int' }) consumedFromBalance: number;
}

/** Credits used at zero balance while the period was open, per unit price in force (OVERAGE entries). */
@Entity('credit_overage_tally')
export class CreditOverageTally {
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id }) organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id }) periodId: string;
  @CentsColumn({ primary: true }) unitPriceCents: number;
  @Column({ type: 'int' }) credits: number;
}

/** Credits used per UTC day, from the balance or as overage (the forecast's burn rate, R28). */
@Entity('credit_daily_use')
export class CreditDailyUse {
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id }) organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  /** YYYY-MM-DD (UTC). */
  @PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.utcDay }) day: string;
  @Column({ type: 'int' }) credits: number;
}

import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CentsColumn, EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { BillingInterval, LicenseKind } from './enums';
import { Organization } from './organization.entity';

/** The commercial terms of one organization; operators change them with updateContract. */
@Entity('contract')
@Index(['organizationId'], { unique: true })
export class Contract {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @EnumColumn() licenseModel: LicenseKind;
  @EnumColumn() billingInterval: BillingInterval;
  @CentsColumn() seatPriceCents: number;
  @Column({ type: 'int' }) contractedSeats: number;
  @CentsColumn() locationPriceCents: number;
  @Column({ type: 'int' }) contractedLocations: number;
  @CentsColumn() creditUnitPriceCents: number;
  @Column({ type: 'boolean', default: true }) allowOverage: boolean;
  @Column({ type: 'int' }) paymentTermsDays: number;
  @InstantColumn() updatedAt: Date;
}

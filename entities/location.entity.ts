import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { LocationStatus } from './enums';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

@Entity('location')
@Index(['organizationId', 'status'])
export class Location {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @Column({ type: 'varchar', length: MAX_LENGTH.locationName }) name: string;
  @EnumColumn({ default: LocationStatus.ACTIVE }) status: LocationStatus;
  @InstantColumn() createdAt: Date;
  @InstantColumn({ nullable: true }) deactivatedAt: Date | null;
}

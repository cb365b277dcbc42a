import { Entity, Column } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, newId } from './columns';
import { OrganizationStatus } from './enums';

@Entity('organization')
export class Organization {
  @IdColumn() id: string = newId();
  @Column({ type: 'varchar', length: 200 }) name: string;
  @EnumColumn({ default: OrganizationStatus.ACTIVE }) status: OrganizationStatus;
  @InstantColumn() createdAt: Date;
}

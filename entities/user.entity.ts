import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Role, UserStatus } from './enums';
import { Location } from './location.entity';
import { Organization } from './organization.entity';
import { MAX_LENGTH } from './lengths';

@Entity('user')
@Index(['organizationId', 'status'])
@Index(['email'], { unique: true })
@Index(['organizationId', 'createdAt', 'id'])
export class User {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  /** Lower-cased; one person, one login across the platform. */
  @Column({ type: 'varchar', length: MAX_LENGTH.email }) email: string;
  @Column({ type: 'varchar', length: MAX_LENGTH.userName }) name: string;
  @EnumColumn() role: Role;
  @EnumColumn({ default: UserStatus.ACTIVE }) status: UserStatus;
  @RefColumn({ nullable: true }) locationId: string | null;
  @ManyToOne(() => Location, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'locationId' })
  location?: Location | null;
  @InstantColumn() createdAt: Date;
  @InstantColumn({ nullable: true }) activatedAt: Date | null;
  @InstantColumn({ nullable: true }) deactivatedAt: Date | null;
}

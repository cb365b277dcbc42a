import { Entity, Column, Index, JoinColumn, ManyToOne } from 'typeorm';
import { EnumColumn, IdColumn, InstantColumn, RefColumn, newId } from './columns';
import { Organization } from './organization.entity';
import { User } from './user.entity';
import { MAX_LENGTH } from './lengths';

export enum AssignmentStatus {
  ASSIGNED = 'ASSIGNED',
  STARTED = 'STARTED',
  CANCELLED = 'CANCELLED',
}

/** R14: premium content assigned to a user. Assigning consumes nothing; starting consumes `credits`, exactly once. */
@Entity('training_assignment')
@Index(['organizationId', 'assignedAt', 'id'])
@Index(['organizationId', 'status', 'assignedAt'])
@Index(['userId'])
export class TrainingAssignment {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @RefColumn() userId: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: User;
  @Column({ type: 'varchar', length: MAX_LENGTH.contentId }) contentId: string;
  @Column({ type: 'int' }) credits: number;
  @EnumColumn({ default: AssignmentStatus.ASSIGNED }) status: AssignmentStatus;
  @InstantColumn() assignedAt: Date;
  @InstantColumn({ nullable: true }) startedAt: Date | null;
  @InstantColumn({ nullable: true }) cancelledAt: Date | null;
  /** R15: of the credits consumed at start, those taken from lots … */
  @Column({ type: 'int', default: 0 }) creditsFromBalance: number;
  /** … and those billed as overage at the credit unit price. */
  @Column({ type: 'int', default: 0 }) creditsOverage: number;
}

import { Entity, Column, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { EnumColumn, IdColumn, RefColumn, newId } from './columns';
import { Permission, Role } from './enums';
import { Organization } from './organization.entity';
import { User } from './user.entity';

/** R2: an organization's override of a role's default permission. */
@Entity('role_permission_override')
@Unique(['organizationId', 'role', 'permission'])
export class RolePermissionOverride {
  @IdColumn() id: string = newId();
  @RefColumn() organizationId: string;
  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Organization;
  @EnumColumn() role: Role;
  @EnumColumn() permission: Permission;
  @Column({ type: 'boolean' }) granted: boolean;
}

/** R2: a single user's override; it wins over the role's. */
@Entity('user_permission_override')
@Unique(['userId', 'permission'])
export class UserPermissionOverride {
  @IdColumn() id: string = newId();
  @RefColumn() userId: string;
  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: User;
  @EnumColumn() permission: Permission;
  @Column({ type: 'boolean' }) granted: boolean;
}

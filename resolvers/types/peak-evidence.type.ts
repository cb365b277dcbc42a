import { Field, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.type';
import { LocationType, UserType } from './organization.type';

@ObjectType('LicenseEvidence', {
  description: 'R30: one user (USER) or location (LOCATION) in use at a billed peak, and when it became active.',
})
export class LicenseEvidenceType {
  @Field(() => UserType, { nullable: true, description: 'USER license: the active user.' }) user: UserType | null;
  @Field(() => LocationType, { nullable: true, description: 'LOCATION license: the active location.' })
  location: LocationType | null;
  @Field({ description: 'When it became active (at or before the peak): its latest activation up to peakAt.' })
  activeSince: Date;
}

export const LicenseEvidenceConnection = ConnectionType('LicenseEvidence', LicenseEvidenceType, 'license evidence');

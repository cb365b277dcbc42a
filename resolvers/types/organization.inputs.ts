import { IsEmail, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { BillingInterval, LicenseKind, Role } from '../../entities/enums';
import { MAX_CONTRACTED_LICENSES, MAX_PAYMENT_TERMS_DAYS, MAX_UNIT_PRICE_CENTS } from '../../src/services/bounds';
import { IsId, IsText, TEXT } from './validation';

@InputType('AddUserInput', { description: 'A new, active user (R8: takes a seat under the USER model).' })
export class AddUserInput {
  @Field({ description: 'Email; stored lower-cased; must be unique across the platform.' })
  @IsText(TEXT.email)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email: string;
  @Field({ description: 'Display name, 1 to 200 characters.' }) @IsText(TEXT.userName) name: string;
  @Field(() => Role, {
    nullable: true,
    description: 'Default EMPLOYEE. R3: only a role whose permissions the viewer holds may be given.',
  })
  role?: Role | null;
  @Field(() => ID, { nullable: true, description: 'An active location of the same organization.' })
  @IsId()
  locationId?: string | null;
}

@InputType('AddLocationInput', { description: 'A new, active location (R10: a license under the LOCATION model).' })
export class AddLocationInput {
  @Field({ description: 'Name, 1 to 200 characters, unique among active locations.' })
  @IsText(TEXT.locationName)
  name: string;
}

@InputType('ContractInput', {
  description: 'Contract terms. Omitted fields keep their current value (or the default on creation).',
})
export class ContractInput {
  @Field(() => LicenseKind, { description: 'R7: USER seats or LOCATION licenses.' }) licenseModel: LicenseKind;
  @Field(() => BillingInterval, { nullable: true, description: 'Default MONTHLY.' })
  billingInterval?: BillingInterval | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Cents per seat per period, 0 to 100,000,000 ($1,000,000.00). Default 0.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_PRICE_CENTS)
  seatPriceCents?: number | null;
  @Field(() => Int, { nullable: true, description: 'Seats included, 0 to 1,000,000. Default 0.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CONTRACTED_LICENSES)
  contractedSeats?: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Cents per location per period, 0 to 100,000,000 ($1,000,000.00). Default 0.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_PRICE_CENTS)
  locationPriceCents?: number | null;
  @Field(() => Int, { nullable: true, description: 'Locations included, 0 to 1,000,000. Default 0.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CONTRACTED_LICENSES)
  contractedLocations?: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Cents per credit (R12 list price), 0 to 100,000,000. Default 1000 ($10.00).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_PRICE_CENTS)
  creditUnitPriceCents?: number | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Default true. False: changes beyond the contract are refused (R11).',
  })
  allowOverage?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'Days from issue to due date, 0 to 365. Default 30.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PAYMENT_TERMS_DAYS)
  paymentTermsDays?: number | null;
}

@InputType('NewAdminInput', { description: 'The first user of a new organization; gets the ADMIN role.' })
class NewAdminInput {
  @Field({ description: 'Email; unique across the platform.' })
  @IsText(TEXT.email)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email: string;
  @Field({ description: 'Display name, 1 to 200 characters.' }) @IsText(TEXT.userName) name: string;
}

@InputType('CreateOrganizationInput', { description: 'A new organization with its admin and contract.' })
export class CreateOrganizationInput {
  @Field({ description: 'Name, 1 to 200 characters.' }) @IsText(TEXT.organizationName) name: string;
  @Field(() => NewAdminInput, { description: 'Its first user (ADMIN).' }) @ValidateNested() admin: NewAdminInput;
  @Field(() => ContractInput, { description: 'Its contract.' }) @ValidateNested() contract: ContractInput;
}

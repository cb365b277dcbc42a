import { Foundation1764100000000 } from './1764100000000-foundation';
import { BillingAlerts1764150000000 } from './1764150000000-billing-alerts';
import { Licenses1764200000000 } from './1764200000000-licenses';

/** In order; run on start (never synchronize). */
export const MIGRATIONS = [Foundation1764100000000, BillingAlerts1764150000000, Licenses1764200000000];

import { Foundation1764100000000 } from './1764100000000-foundation';

/** In order; run on start (never synchronize). */
export const MIGRATIONS = [Foundation1764100000000];

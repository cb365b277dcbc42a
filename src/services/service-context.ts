import type { Viewer } from '../auth/viewer';
import type { DbContext } from '../db/unit-of-work';

/** What every service method takes first: who asks, and the database handle (joined to the open transaction). */
export interface ServiceContext extends DbContext {
  viewer: Viewer;
}

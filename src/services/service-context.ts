import type { Viewer } from '../auth/viewer';
import type { DbContext } from '../db/unit-of-work';

/** What every service method takes first: who asks, and the database handle (joined to the open transaction). */
export interface ServiceContext extends DbContext {
  viewer: Viewer;
  /** The request's id (the request log's `requestId`, the response's X-Request-Id); absent for scheduled jobs. */
  requestId?: string;
}

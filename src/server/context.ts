import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer';
import type { Loaders } from '../loaders';
import type { Services } from '../services';
import type { ServiceContext } from '../services/service-context';

/** The GraphQL context of one HTTP request or one graphql-ws subscription event. */
export interface RequestContext extends ServiceContext {
  requestId: string;
  viewer: Viewer;
  services: Services;
  loaders: Loaders;
  log: Logger;
}

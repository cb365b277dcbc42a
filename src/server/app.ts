import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import express from 'express';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLSchema, validate } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { createDataSource } from '../../ormconfig';
import { AppConfig } from '../config/config';
import { createTokenVerifier } from '../auth/jwt';
import { authenticate, Viewer } from '../auth/viewer';
import { BillingError } from '../errors/errors';
import { createLoaders } from '../loaders';
import { createLogger } from '../observability/logger';
import { createMetrics, Metrics } from '../observability/metrics';
import { buildBillingSchema } from '../schema/build-schema';
import { ideRouter } from '../ide/ide-route';
import { createPubSubFor } from '../pubsub/pubsub';
import { seedDemoIfEmpty } from '../seed/demo';
import { createServices, Services } from '../services';
import { Clock } from '../services/clock';
import type { PaymentProvider } from '../payments/payment-provider';
import type { RequestContext } from './context';
import { createErrorFormatter } from './format-error';
import { allValidationRules, limitRules, parseCached, parseOptions } from './query-limits';

export interface BillingApp {
  config: AppConfig;
  dataSource: DataSource;
  services: Services;
  schema: GraphQLSchema;
  httpServer: Server;
  log: Logger;
  metrics: Metrics;
  /** Listens on `port` (0: any free port) and resolves to the base URL. */
  listen(port?: number): Promise<string>;
  /** Stops the scheduler (waiting for a running tick), drains HTTP and WebSocket connections and closes the database. */
  stop(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  log?: Logger;
  /** R20: the payment provider adapter; default the built-in sandbox (tests pass one to read its charge log). */
  paymentProvider?: PaymentProvider;
}

/** Builds one server instance: database (migrated), services, schema, HTTP and graphql-ws on one port. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<BillingApp> {
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const dataSource = createDataSource(config.databaseUrl);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  let ready = true;

  const events = createPubSubFor(config.redisUrl);
  const services = createServices({
    dataSource, config, log, metrics, pubSub: events.pubSub, clock: options.clock,
    paymentProvider: options.paymentProvider,
  });
  if (config.seedDemo) await seedDemoIfEmpty(services, dataSource, log);
  const schema = await buildBillingSchema(events.pubSub);
  const verify = createTokenVerifier(config);
  const formatError = createErrorFormatter(log);

  const authenticateHeader = (authorization: unknown) =>
    authenticate(authorization, { verify, em: dataSource.manager, permissions: services.permissions });
  // Loaders are made on first use: a long subscription's context never needs them (its events read per event).
  const contextFor = (viewer: Viewer, requestId: string): RequestContext => {
    let loaders: RequestContext['loaders'] | undefined;
    return {
      requestId, viewer, services, em: dataSource.manager, log: log.child({ requestId }),
      get loaders() {
        return (loaders ??= createLoaders(dataSource.manager, services));
      },
    };
  };

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer<{ authorization?: unknown }>(
    {
      schema,
      parse: parseCached,
      validate: (s, document) => validate(s, document, allValidationRules),
      // R6: the socket is authenticated once, at connect; a bad token closes it (4403).
      onConnect: async (ctx) => {
        try {
          await authenticateHeader(ctx.connectionParams?.authorization);
          return true;
        } catch {
          return false;
        }
      },
      // Each operation reads the viewer afresh (R4 at subscribe time: a permission granted or revoked since the
      // socket connected counts); a token that has expired since then closes the socket (R6).
      context: async (ctx) => contextFor(await authenticateHeader(ctx.connectionParams?.authorization), randomUUID()),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!('errors' in result) || !result.errors) return result;
        // Counted as the client sees them: formatError gives graphql-js's variable errors their BAD_USER_INPUT (R34).
        const errors = result.errors.map((e) => formatError(e.toJSON(), e));
        for (const e of errors) metrics.errors.inc({ code: String(e.extensions?.code) });
        return { ...result, errors } as unknown as typeof result;
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<RequestContext>({
    schema,
    validationRules: limitRules,
    parseOptions,
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(), // no HTTP caching of billing data; saves a pass over every response
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
      observabilityPlugin(metrics),
    ],
  });
  await apollo.start();

  app.get('/healthz', async (_req, res) => {
    try {
      await dataSource.query('SELECT 1');
      res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'starting', database: dataSource.options.type });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // GET /graphql from a browser: the IDE (GraphiQL, bundled in dist/ide); everything else on /graphql goes on to Apollo.
  app.use(ideRouter({ config, dataSource }));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id']) || randomUUID();
        return contextFor(await authenticateHeader(req.headers.authorization), requestId);
      },
    }),
  );

  // R23/R24: every instance runs the scheduler (BILLING_SCHEDULER_INTERVAL_MS; 0 = off); the jobs are safe side by side.
  services.scheduler.start();

  return {
    config, dataSource, services, schema, httpServer, log, metrics,
    listen: (port = config.port) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, () => {
          const address = httpServer.address();
          resolve(`http://localhost:${typeof address === 'object' && address ? address.port : port}`);
        });
      }),
    async stop() {
      ready = false;
      await services.scheduler.stop(); // waits for a running tick: the database must outlive it
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await apollo.stop(); // drains HTTP (and, through the plugin, graphql-ws)
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await events.close();
      services.outbox.close();
      await dataSource.destroy();
    },
  };
}

/** pino request logs (request id, operation, duration) and Prometheus counters. */
function observabilityPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, errors, contextValue: ctx }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const labels = { operation: operationName ?? 'anonymous', type: operation?.operation ?? 'unknown' };
          metrics.requests.inc(labels);
          metrics.duration.observe(labels, seconds);
          for (const e of errors ?? []) metrics.errors.inc({ code: String(e.extensions?.code ?? (e instanceof BillingError ? e.code : 'INTERNAL_SERVER_ERROR')) });
          (ctx ?? contextValue)?.log?.info({ ...labels, durationMs: Math.round(seconds * 1000), errors: errors?.length ?? 0 }, 'graphql request');
        },
      };
    },
  };
}


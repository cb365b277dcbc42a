import 'reflect-metadata';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, Server } from 'node:http';
import express, { ErrorRequestHandler, RequestHandler } from 'express';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { DocumentNode, execute, ExecutionArgs, GraphQLError, GraphQLSchema, specifiedRules, validate } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from 'pino';
import { createDataSource } from '../../ormconfig';
import { AppConfig } from '../config/config';
import { bearerToken, createTokenVerifier, TokenVerifier } from '../auth/jwt';
import { authenticate, Viewer } from '../auth/viewer';
import { BillingError, rateLimited } from '../errors/errors';
import { createLoaders } from '../loaders';
import { bindRequestReads } from '../db/request-reads';
import { createLogger } from '../observability/logger';
import { createMetrics, Metrics } from '../observability/metrics';
import { RequestLogPolicy, shouldLogRequest } from '../observability/request-log';
import { buildBillingSchema } from '../schema/build-schema';
import { ideRouter } from '../ide/ide-route';
import { dashboardRouter } from '../dashboard/dashboard-route';
import { createPubSubFor } from '../pubsub/pubsub';
import { seedDemoIfEmpty } from '../seed/demo';
import { createServices, Services } from '../services';
import { Clock, systemClock } from '../common/clock';
import { readCachePlugin } from './read-cache';
import type { PaymentProvider } from '../payments/payment-provider';
import type { RequestContext } from './context';
import { createErrorFormatter } from './format-error';
import { BODY_LIMIT_BYTES, createQueryLimits, parseCached, parseOptions } from './query-limits';
import { callerKey, createRequestBudget, remoteAddressOf } from './rate-limit';
import { introspectionRefusal } from './schema-exposure';

/** SIGTERM must end the process within 10 s (R36): in-flight HTTP requests get this long before they are cut. */
const HTTP_DRAIN_GRACE_MS = 6000;
const REQUEST_SETTLE_MS = 150;

export interface BillingApp {
  config: AppConfig;
  dataSource: DataSource;
  services: Services;
  schema: GraphQLSchema;
  httpServer: Server;
  log: Logger;
  metrics: Metrics;
  /** Listens on `port` (0: any free port) and resolves to the base URL (and METRICS_PORT, when set, for /metrics). */
  listen(port?: number): Promise<string>;
  /** Where /metrics is served on its own port (METRICS_PORT), once listening. */
  metricsUrl?: string;
  /**
   * The one drain path (R36): stops accepting, closes sockets (1001), lets in-flight requests, graphql-ws operations
   * and a running scheduler tick finish, then closes Redis and the database. Calling it again returns the same drain.
   */
  stop(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  log?: Logger;
  /** R20: the payment provider adapter; default the built-in sandbox (tests pass one to read its charge log). */
  paymentProvider?: PaymentProvider;
  /** Receives every SQL statement the server sends (tests count the statements of a request). */
  databaseLogger?: TypeOrmLogger;
}

/** Builds one server instance: database (migrated), services, schema, HTTP and graphql-ws on one port. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<BillingApp> {
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const dataSource = createDataSource(config.databaseUrl, options.databaseLogger);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  let ready = true;

  const events = createPubSubFor(config.redisUrl);
  const services = createServices({
    dataSource,
    config,
    log,
    metrics,
    pubSub: events.pubSub,
    clock: options.clock,
    paymentProvider: options.paymentProvider,
  });
  if (config.seedDemo) await seedDemoIfEmpty(services, dataSource, log);
  const schema = await buildBillingSchema(events.pubSub);
  const queryLimitErrors = createQueryLimits(schema);
  const verify = createTokenVerifier(config);
  const formatError = createErrorFormatter(log, { hideSuggestions: config.production });
  const budget = createRequestBudget(config, log);
  // R36: graphql-js leaves out its "Did you mean" suggestions in production (formatError strips those it adds later).
  const validationOptions = { hideSuggestions: config.production };
  const formatAll = (errors: readonly GraphQLError[]) => {
    for (const e of errors) metrics.errors.inc({ code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
    return errors.map((e) => formatError(e.toJSON(), e));
  };

  const authenticateHeader = (authorization: unknown, verifyToken: TokenVerifier = verify) =>
    authenticate(authorization, { verify: verifyToken, em: dataSource.manager, permissions: services.permissions });
  // An HTTP request's token is verified once: the budget keys on its subject, then the context reads its viewer.
  const verifications = new WeakMap<object, ReturnType<TokenVerifier>>();
  const verifyOncePer =
    (req: object): TokenVerifier =>
    (token) => {
      let claims = verifications.get(req);
      if (!claims) verifications.set(req, (claims = verify(token)));
      return claims;
    };
  // Loaders are made on first use: a long subscription's context never needs them (its events read per event).
  const contextFor = (viewer: Viewer, requestId: string): RequestContext => {
    let loaders: RequestContext['loaders'] | undefined;
    let requestLog: Logger | undefined;
    // The operation's own manager (the same connection pool), so services reading through it share its loaders.
    const em = dataSource.createEntityManager();
    const context: RequestContext = {
      requestId,
      viewer,
      services,
      em,
      // Made on first use too: most requests log nothing (the request line is sampled, see observabilityPlugin).
      get log() {
        return (requestLog ??= log.child({ requestId }));
      },
      get loaders() {
        return (loaders ??= createLoaders(em, services, viewer));
      },
    };
    bindRequestReads(em, () => context.loaders);
    return context;
  };

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);

  // A message over the body limit closes the socket (1009) before it is parsed, as HTTP answers 413.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: BODY_LIMIT_BYTES });
  /** Whose budget each socket's operations spend: its verified subject at connect, else its address. */
  const socketCallers = new WeakMap<object, string>();
  /** Queries and mutations over graphql-ws still running: the drain waits for them before the database closes. */
  const wsOperations = new Set<Promise<unknown>>();
  const wsCleanup = useServer<{ authorization?: unknown }>(
    {
      schema,
      isProd: config.production,
      // R6: the socket is authenticated once, at connect; a bad token closes it (4403).
      onConnect: async (ctx) => {
        try {
          const viewer = await authenticateHeader(ctx.connectionParams?.authorization);
          socketCallers.set(ctx, viewer.subject ? `sub:${viewer.subject}` : `ip:${remoteAddressOf(ctx.extra.request)}`);
          return true;
        } catch {
          return false;
        }
      },
      // Each operation is checked on its own and refused with an `error` for that operation only — the socket and
      // its other subscriptions go on: the budget (R36), syntax, the document's size, introspection, validation.
      // The viewer is read afresh (R4 at subscribe time: a permission granted or revoked since connect counts).
      onSubscribe: async (ctx, _id, payload) => {
        const retryAfter = await budget.consume(socketCallers.get(ctx) ?? `ip:${remoteAddressOf(ctx.extra.request)}`);
        if (retryAfter !== null) return [rateLimited(retryAfter)];
        let document: DocumentNode;
        try {
          document = parseCached(payload.query);
        } catch (error) {
          return [
            withCode(
              error instanceof GraphQLError ? error : new GraphQLError('The document could not be parsed'),
              'GRAPHQL_PARSE_FAILED',
            ),
          ];
        }
        const overLimits = queryLimitErrors(document);
        if (overLimits.length > 0) return overLimits;
        let viewer: Viewer;
        try {
          viewer = await authenticateHeader(ctx.connectionParams?.authorization);
        } catch (error) {
          // R6: a token that has expired since the socket connected ends the socket, as a bad one at connect does.
          ctx.extra.socket.close(4403, 'Forbidden');
          return [error as GraphQLError];
        }
        const refusal = introspectionRefusal(document, viewer, config.production);
        if (refusal) return [refusal];
        const invalid = validate(schema, document, specifiedRules, validationOptions);
        if (invalid.length > 0) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: contextFor(viewer, randomUUID()),
        };
      },
      execute: (args: ExecutionArgs) => {
        const running = Promise.resolve(execute(args));
        wsOperations.add(running);
        void running.finally(() => wsOperations.delete(running)).catch(() => {});
        return running;
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!('errors' in result) || !result.errors) return result;
        // Counted as the client sees them: formatError gives graphql-js's variable errors their BAD_USER_INPUT (R34).
        const errors = result.errors.map((e) => formatError(e.toJSON(), e));
        for (const e of errors) metrics.errors.inc({ code: String(e.extensions?.code) });
        return { ...result, errors } as unknown as typeof result;
      },
      onError: (_ctx, _id, _payload, errors) => formatAll(errors) as never,
    },
    wsServer,
  );

  const apollo = new ApolloServer<RequestContext>({
    schema,
    validationOptions,
    parseOptions,
    // R36 decides who may introspect (documentGuardPlugin), per caller rather than per NODE_ENV.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError,
    // One owner of shutdown (R36, STACK.md's Apollo trap): main.ts's signal handlers call stop() once.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: HTTP_DRAIN_GRACE_MS }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(), // no HTTP caching of billing data; saves a pass over every response
      readCachePlugin({ clock: options.clock ?? systemClock, ttlMs: config.readCacheMs }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
      observabilityPlugin(metrics, { slowMs: config.logSlowMs, sampleRate: config.logSampleRate }),
      documentGuardPlugin(config.production, metrics),
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
  const serveMetrics = metricsHandler(config, metrics);
  let metricsServer: Server | null = null;
  if (config.metricsPort !== undefined) {
    const metricsApp = express();
    metricsApp.disable('x-powered-by');
    metricsApp.get('/metrics', serveMetrics);
    metricsServer = createServer(metricsApp);
  } else {
    app.get('/metrics', serveMetrics);
  }
  // GET /graphql from a browser: the IDE (GraphiQL, bundled in dist/ide); everything else on /graphql goes on to Apollo.
  app.use(ideRouter({ config, dataSource }));
  // GET /dashboard: the reference Billing page (React + Apollo Client, bundled in dist/dashboard).
  app.use(dashboardRouter({ config, dataSource }));
  // R36: the budget is spent before the body is even read, so a caller over it costs next to nothing.
  const spendBudget: RequestHandler = async (req, res, next) => {
    const retryAfter = await budget.consume(
      await callerKey(req.headers.authorization, verifyOncePer(req), req.socket.remoteAddress),
    );
    if (retryAfter === null) return next();
    res
      .status(429)
      .set('Retry-After', String(retryAfter))
      .json({ errors: formatAll([rateLimited(retryAfter)]) });
  };
  // §6: a document past the query limits is refused before Apollo — before the viewer is read and before graphql-js
  // validates it (validation compares the fields of a selection set pairwise) — so a refusal costs a bounded parse
  // (the token limit; cached for documents that pass) and one linear walk. A syntax error is answered here too, as
  // Apollo would answer it, rather than parsed a second time. Apollo validates (and caches) what passes.
  const refuseDocumentsOverLimits: RequestHandler = (req, res, next) => {
    const query = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string') return next();
    let document: DocumentNode;
    try {
      document = parseCached(query);
    } catch (error) {
      if (!(error instanceof GraphQLError)) return next();
      res.status(400).json({ errors: formatAll([withCode(error, 'GRAPHQL_PARSE_FAILED')]) });
      return;
    }
    const overLimits = queryLimitErrors(document);
    if (overLimits.length === 0) return next();
    res.status(400).json({ errors: formatAll(overLimits) });
  };
  // A body announced past the limit is answered at once, from its Content-Length, and the connection closes: nothing of
  // it is read, parsed or budgeted. A chunked body of unknown length is still bounded by express.json below.
  const refuseOversizedBodies: RequestHandler = (req, res, next) => {
    if (!(Number(req.headers['content-length']) > BODY_LIMIT_BYTES)) return next();
    res
      .set('Connection', 'close')
      .status(413)
      .json({ errors: formatAll([bodyTooLarge()]) });
  };
  app.use(
    '/graphql',
    refuseOversizedBodies,
    spendBudget,
    express.json({ limit: BODY_LIMIT_BYTES }),
    refuseDocumentsOverLimits,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId =
          (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id']) || randomUUID();
        // R31: the client sees the id its request is logged and audited under.
        res.setHeader('X-Request-Id', requestId);
        return contextFor(await authenticateHeader(req.headers.authorization, verifyOncePer(req)), requestId);
      },
    }),
  );

  app.use(requestErrorHandler(log, formatAll));

  // Every instance spends the one shared budget from its first request (while Redis is unreachable, its own).
  await budget.ready();

  // R23/R24: every instance runs the scheduler (BILLING_SCHEDULER_INTERVAL_MS; 0 = off); the jobs are safe side by side.
  services.scheduler.start();

  let stopping: Promise<void> | null = null;
  const drain = async () => {
    ready = false;
    const schedulerStopped = services.scheduler.stop(); // aborts between safe points and waits for a running tick
    for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
    // The HTTP drain ends every connection that has no request read yet; requests already sent get a moment to be
    // read first (the loop may have been busy), so a client that sent one just before the signal still gets its answer.
    await new Promise((resolve) => setTimeout(resolve, REQUEST_SETTLE_MS));
    // Stops listening, waits for in-flight HTTP requests (cut after HTTP_DRAIN_GRACE_MS), disposes graphql-ws.
    await apollo.stop();
    if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    if (metricsServer?.listening) {
      metricsServer.closeAllConnections();
      await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
    }
    await Promise.allSettled([...wsOperations, schedulerStopped]);
    // Last, what the work above needed: Redis and the pool.
    await Promise.allSettled([events.close(), budget.close()]);
    services.outboxDeliverer.close();
    await dataSource.destroy();
  };

  const billingApp: BillingApp = {
    config,
    dataSource,
    services,
    schema,
    httpServer,
    log,
    metrics,
    listen: async (port = config.port) => {
      if (metricsServer)
        billingApp.metricsUrl = `http://localhost:${await listenOn(metricsServer, config.metricsPort!)}/metrics`;
      return `http://localhost:${await listenOn(httpServer, port)}`;
    },
    stop: () => (stopping ??= drain()),
  };
  return billingApp;
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** A graphql-js error with the code HTTP gives the same failure (Apollo's GRAPHQL_PARSE_FAILED / _VALIDATION_FAILED). */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: { ...error.extensions, code },
  });
}

/**
 * GET /metrics: with METRICS_TOKEN set, only for `Authorization: Bearer METRICS_TOKEN` (401 otherwise). In
 * production without a token it is not served (404) unless METRICS_PORT puts it on a port of its own (which an
 * operator keeps off the public network). Outside production without a token it is open, for local use.
 */
function metricsHandler(config: AppConfig, metrics: Metrics): RequestHandler {
  const expected = config.metricsToken ? Buffer.from(config.metricsToken) : null;
  return async (req, res) => {
    if (expected) {
      const given = Buffer.from(bearerToken(req.headers.authorization) ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer realm="metrics"')
          .json({ error: 'metrics need Authorization: Bearer METRICS_TOKEN' });
        return;
      }
    } else if (config.production && config.metricsPort === undefined) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/**
 * A body Express could not read (malformed JSON, too large, an unknown charset) is the client's error: a JSON
 * GraphQL error with its 4xx status and one log line, never Express's HTML page with a stack. Anything else is masked.
 */
function requestErrorHandler(
  log: Logger,
  formatAll: (errors: readonly GraphQLError[]) => unknown,
): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    const type = typeof err?.type === 'string' ? err.type : undefined;
    if (status === 500) log.error({ err, method: req.method, path: req.path }, 'request failed');
    else
      log.warn(
        { status, type, method: req.method, path: req.path, ip: req.socket.remoteAddress },
        'malformed request refused',
      );
    const message =
      type === 'entity.parse.failed'
        ? 'The request body is not valid JSON'
        : type === 'entity.too.large'
          ? bodyTooLarge().message
          : status === 500
            ? 'Internal server error'
            : 'The request body could not be read';
    const code = status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    res.status(status).json({ errors: formatAll([new GraphQLError(message, { extensions: { code } })]) });
  };
}

/** R36 on HTTP: an anonymous production caller may not introspect (graphql-ws checks the same in onSubscribe). */
function documentGuardPlugin(production: boolean, metrics: Metrics): ApolloServerPlugin<RequestContext> {
  const refuse = (error: GraphQLError) => {
    metrics.errors.inc({ code: String(error.extensions.code) });
    throw error;
  };
  return {
    async requestDidStart() {
      return {
        // Runs for every request, also those whose document Apollo validated before and kept.
        async didResolveOperation({ document, contextValue }) {
          const refusal = introspectionRefusal(document, contextValue.viewer, production);
          if (refusal) refuse(refusal);
        },
      };
    },
  };
}

/**
 * Prometheus counters for every request; a pino line (request id, operation, duration) for every request with an
 * error or slower than LOG_SLOW_MS, and for a LOG_SAMPLE_RATE share of the rest (the line says its sample rate).
 */
function observabilityPlugin(metrics: Metrics, logPolicy: RequestLogPolicy): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, errors, contextValue: ctx }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const labels = { operation: operationName ?? 'anonymous', type: operation?.operation ?? 'unknown' };
          metrics.requests.inc(labels);
          metrics.duration.observe(labels, seconds);
          for (const e of errors ?? [])
            metrics.errors.inc({
              code: String(e.extensions?.code ?? (e instanceof BillingError ? e.code : 'INTERNAL_SERVER_ERROR')),
            });
          const durationMs = Math.round(seconds * 1000);
          const errorCount = errors?.length ?? 0;
          if (!shouldLogRequest({ durationMs, errorCount }, logPolicy)) return;
          const sampled = errorCount === 0 && durationMs < logPolicy.slowMs && logPolicy.sampleRate < 1;
          (ctx ?? contextValue)?.log?.info(
            { ...labels, durationMs, errors: errorCount, ...(sampled ? { sampleRate: logPolicy.sampleRate } : {}) },
            'graphql request',
          );
        },
      };
    },
  };
}

/** 413: the body is over BODY_LIMIT_BYTES (answered from Content-Length, or by express.json for a chunked body). */
function bodyTooLarge(): GraphQLError {
  return new GraphQLError(`The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB`, {
    extensions: { code: 'BAD_REQUEST' },
  });
}

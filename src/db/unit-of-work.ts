import { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer';
import { OrganizationChangeListener, openScope, OrganizationTarget, ScopeOptions, Scoped } from './organization-scope';

/** What a service method needs of the request: who asks, and the database handle it must use. */
export interface DbContext {
  /** The open transaction's manager inside a unit of work, else the data source's. */
  em: EntityManager;
  /** Set inside a unit of work: work to run once the transaction has committed (dropped on rollback). */
  afterCommit?: (task: () => void | Promise<void>) => void;
}

/** See UnitOfWork.onScopeEnd. */
export type ScopeEndHook = (scope: Scoped<DbContext & { viewer: Viewer }>) => Promise<void>;

const MYSQL_RETRYABLE = new Set([1213 /* ER_LOCK_DEADLOCK */, 1205 /* ER_LOCK_WAIT_TIMEOUT */]);
const MAX_ATTEMPTS = 6;

/**
 * Runs a mutation as one transaction: a failure writes nothing, and events (live alerts, mail) are released
 * only after commit. SQLite has one writer: transactions queue in process. MariaDB uses READ COMMITTED with
 * row locks taken by the services, and a deadlock is retried from the start.
 */
export class UnitOfWork {
  private sqliteQueue: Promise<unknown> = Promise.resolve();
  readonly isSqlite: boolean;
  /** R27: hears every organization a committed forOrganization changed (set once at start). */
  private organizationChanged?: OrganizationChangeListener;

  constructor(
    private readonly dataSource: DataSource,
    private readonly log?: Logger,
  ) {
    this.isSqlite = dataSource.options.type === 'better-sqlite3';
  }

  async run<C extends DbContext, T>(ctx: C, work: (tx: C) => Promise<T>): Promise<T> {
    if (ctx.afterCommit) return work(ctx); // already inside one: join it
    if (this.isSqlite) return this.serialized(() => this.attempt(ctx, work));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(ctx, work);
      } catch (error) {
        const errno =
          (error as { driverError?: { errno?: number }; errno?: number }).driverError?.errno ??
          (error as { errno?: number }).errno;
        if (!errno || !MYSQL_RETRYABLE.has(errno) || attempt >= MAX_ATTEMPTS) throw error;
        this.log?.warn({ errno, attempt }, 'transaction retried after a lock conflict');
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
      }
    }
  }

  /**
   * The one entry point of every organization-scoped change: a unit of work on the organization `target` names
   * (R5: NOT_FOUND unless the viewer may see it), under its write lock, refused once it is terminated (R21)
   * unless `allowTerminated`. `work` gets the scope: the transaction's em and afterCommit, the locked
   * organization, and reads filtered to it. Inside an open unit of work it joins it (the lock is re-entrant).
   */
  forOrganization<C extends DbContext & { viewer: Viewer }, T>(
    ctx: C,
    target: OrganizationTarget,
    options: ScopeOptions,
    work: (scope: Scoped<C>) => Promise<T>,
  ): Promise<T> {
    return this.run(ctx, async (tx) => {
      const scope = await openScope(tx, target, options, this.isSqlite, this.organizationChanged);
      const result = await work(scope);
      // A scope opened inside a scope of the same organization leaves the end to the outer one, which ends last.
      const outer = ctx as Partial<Pick<Scoped<C>, 'organization' | 'organizationId'>>;
      const nested = outer.organization !== undefined && outer.organizationId === scope.organizationId;
      if (!nested) for (const hook of this.scopeEndHooks) await hook(scope);
      return result;
    });
  }

  /** R27: `listener` hears, after each commit, every organization the transaction changed through forOrganization. */
  onOrganizationChanged(listener: OrganizationChangeListener): void {
    this.organizationChanged = listener;
  }

  /**
   * Work that ends every organization scope: it runs after the scope's work, inside its transaction and under its
   * lock, before commit — so no change of the organization can skip it, and a failure rolls the change back.
   * R26: the alert rules' evaluation (AlertRuleService.evaluate) is the one such hook.
   */
  onScopeEnd(hook: ScopeEndHook): void {
    this.scopeEndHooks.push(hook);
  }

  private readonly scopeEndHooks: ScopeEndHook[] = [];

  private async attempt<C extends DbContext, T>(ctx: C, work: (tx: C) => Promise<T>): Promise<T> {
    const tasks: Array<() => void | Promise<void>> = [];
    const body = (em: EntityManager) =>
      work(
        Object.assign(Object.create(ctx) as C, {
          em,
          afterCommit: (task: () => void | Promise<void>) => tasks.push(task),
        }),
      );
    const result = this.isSqlite
      ? await this.dataSource.transaction(body)
      : await this.dataSource.transaction('READ COMMITTED', body);
    for (const task of tasks) {
      try {
        await task();
      } catch (error) {
        this.log?.error({ err: error }, 'after-commit task failed');
      }
    }
    return result;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.sqliteQueue.then(fn, fn);
    this.sqliteQueue = next.catch(() => undefined);
    return next;
  }
}

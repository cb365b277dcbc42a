/**
 * R35: one organization never stalls another. A scheduled job works through organizations (or notifications) one
 * at a time, each in its own transaction; what fails for one is handed to the run's failure sink and the job goes on
 * with the rest. A failed unit is left as it was (its transaction rolled back), so the next run retries it.
 */

/** One unit a scheduled job could not process: the organization it belongs to, and why (for the log only). */
export interface OrganizationFailure {
  /** Null when the failure is not one organization's (the job could not even list its work). */
  organizationId: string | null;
  error: unknown;
  /** What else names the failed unit in the log: an invoice, a notification. */
  detail?: Record<string, unknown>;
}

/** Where a job reports a failed unit: the scheduler logs, counts and lists it in the run report. */
export type FailureSink = (failure: OrganizationFailure) => void;

export interface IsolationOptions {
  /** Without a sink, failures are thrown together at the end, after every other unit was processed. */
  onFailure?: FailureSink;
  /** The server is stopping: end between two units (the rest is picked up by the next run). */
  signal?: AbortSignal;
}

/**
 * Runs `work` for each unit in turn. `work` opens its own transaction (UnitOfWork.run), so a failure rolls back that
 * unit only; it is reported, never thrown past the next unit.
 */
export async function forEachIsolated<T>(
  units: Iterable<T>,
  describe: (unit: T) => Omit<OrganizationFailure, 'error'>,
  work: (unit: T) => Promise<void>,
  options: IsolationOptions = {},
): Promise<void> {
  const unreported: unknown[] = [];
  for (const unit of units) {
    if (options.signal?.aborted) break;
    try {
      await work(unit);
    } catch (error) {
      if (options.onFailure) options.onFailure({ ...describe(unit), error });
      else unreported.push(error);
    }
  }
  if (unreported.length === 1) throw unreported[0];
  if (unreported.length > 1)
    throw new AggregateError(unreported, `${unreported.length} units of a scheduled job failed`);
}

import type { Logger } from 'typeorm';

/**
 * Every SQL statement a server sends, as TypeORM reports it (`logQuery`, transaction statements included), for
 * `startServer(driver, { appOptions: { databaseLogger: statements } })`. `during` counts one piece of work: the
 * suites that use it send one request at a time, with the scheduler off, so what is sent meanwhile is that work's.
 */
export class StatementLog implements Logger {
  private recording: string[] | null = null;
  private recordingParameters: unknown[][] | null = null;

  logQuery(query: string, parameters?: unknown[]): void {
    this.recording?.push(query);
    this.recordingParameters?.push(parameters ?? []);
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  /** The statements sent while `work` ran. */
  async during<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[]; parameters: unknown[][] }> {
    if (this.recording) throw new Error('StatementLog.during does not nest: one piece of work at a time');
    const statements: string[] = (this.recording = []);
    const parameters: unknown[][] = (this.recordingParameters = []);
    try {
      return { result: await work(), statements, parameters };
    } finally {
      this.recording = null;
      this.recordingParameters = null;
    }
  }
}

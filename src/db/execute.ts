import { EntityManager } from 'typeorm';

/**
 * Runs a raw INSERT / UPDATE / DELETE inside the open transaction and returns the affected row count on either
 * driver (better-sqlite3 `changes`, mysql2 `affectedRows`). For hot paths where the query builder's overhead
 * counts: the credit writers run while holding an organization's lock.
 */
export async function execute(em: EntityManager, sql: string, parameters: unknown[]): Promise<number> {
  if (!em.queryRunner) throw new Error('execute() runs inside a unit of work');
  const result = await em.queryRunner.query(sql, parameters, true);
  return result.affected ?? 0;
}

import 'reflect-metadata';
import { createDataSource } from '../../ormconfig';

/** Prints the SQL TypeORM would still need after the migrations ran: empty means no drift between entities and migrations. */
async function main() {
  const ds = createDataSource(process.env.DATABASE_URL || 'sqlite::memory:');
  await ds.initialize();
  await ds.runMigrations();
  const log = await ds.driver.createSchemaBuilder().log();
  for (const q of log.upQueries) console.log(q.query);
  console.log(log.upQueries.length === 0 ? 'no drift' : `${log.upQueries.length} statements of drift`);
  await ds.destroy();
  process.exit(log.upQueries.length === 0 ? 0 : 1);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});

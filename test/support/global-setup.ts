/** Says once, up front, what this run covers. */
export default async function globalSetup(): Promise<void> {
  if (!process.env.TEST_MYSQL_URL) {
    console.log('\n[notice] TEST_MYSQL_URL is not set: MariaDB suites are skipped (CI sets it; see .ci/run).');
  }
  if (!process.env.TEST_REDIS_URL) {
    console.log('[notice] TEST_REDIS_URL is not set: Redis fan-out suites are skipped (CI sets it; see .ci/run).\n');
  }
}

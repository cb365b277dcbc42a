import 'reflect-metadata';
import { signToken } from '../auth/jwt';
import { AppConfig, describeDatabase, loadConfig } from '../config/config';
import { User } from '../../entities';

/**
 * Development tokens (HS256 with JWT_SECRET):
 *   npm run token -- EMAIL        a user's token, found by email in DATABASE_URL
 *   npm run token -- --operator   a platform operator's token
 * Only the token goes to stdout (`TOKEN=$(npm run --silent token -- EMAIL)`); which database it was signed against
 * goes to stderr — a token is only good on a server that reads the same database (same DATABASE_URL).
 */
async function main() {
  const args = process.argv.slice(2);
  const config = loadConfig();
  if (args.includes('--operator')) {
    console.log(await signToken(config, { sub: 'operator', operator: true }));
    return;
  }
  const email = args.find((a) => !a.startsWith('--'));
  if (!email) {
    console.error('usage: npm run token -- EMAIL | --operator');
    process.exit(2);
  }
  const database = databaseLine(config);
  // Imported here, not above: ormconfig builds its DataSource on import, and a bad DATABASE_URL must read as one line.
  const { createDataSource } = await import('../../ormconfig.js');
  const dataSource = createDataSource(config.databaseUrl);
  await dataSource.initialize().catch((error: Error) => {
    throw new Error(`cannot open ${database}: ${error.message}`);
  });
  try {
    const user = await dataSource.manager.findOne(User, { where: { email: email.toLowerCase() } }).catch(() => null);
    if (!user) {
      console.error(`No user with email ${email} in ${database} (run npm start once to create the demo data).`);
      process.exit(1);
    }
    console.log(await signToken(config, { sub: user.id }));
    console.error(
      `Signed for ${user.email} (user ${user.id}) against ${database}; ` +
        'a server reading another database answers "The token\'s user does not exist".',
    );
  } finally {
    await dataSource.destroy();
  }
}

/** The database, password masked, and whether DATABASE_URL chose it or the embedded default did. */
function databaseLine(config: AppConfig): string {
  const described = describeDatabase(config.databaseUrl);
  return process.env.DATABASE_URL ? described : `${described} (DATABASE_URL is not set: the embedded default)`;
}

main().catch((error: unknown) => {
  // One line: a stack says nothing to someone who asked for a token (DATABASE_URL, the database down, …).
  const message = error instanceof Error ? error.message : String(error);
  console.error(`npm run token failed: ${message.split('\n')[0]}`);
  process.exit(1);
});

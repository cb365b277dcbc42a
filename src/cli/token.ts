import 'reflect-metadata';
import { signToken } from '../auth/jwt';
import { loadConfig } from '../config/config';
import { User } from '../../entities';
import { createDataSource } from '../../ormconfig';

/**
 * Development tokens (HS256 with JWT_SECRET):
 *   npm run token -- EMAIL        a user's token, found by email in DATABASE_URL
 *   npm run token -- --operator   a platform operator's token
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
  const dataSource = createDataSource(config.databaseUrl);
  await dataSource.initialize();
  try {
    const user = await dataSource.manager.findOne(User, { where: { email: email.toLowerCase() } }).catch(() => null);
    if (!user) {
      console.error(
        `No user with email ${email} in ${config.databaseUrl} (run npm start once to create the demo data).`,
      );
      process.exit(1);
    }
    console.log(await signToken(config, { sub: user.id }));
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

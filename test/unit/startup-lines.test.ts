import { checkDatabaseUrl, describeDatabase, maskDatabaseUrl } from '../../src/config/config';
import { StartupError, startupFailure } from '../../src/server/startup';

describe('DATABASE_URL for people: never its password (issue 15)', () => {
  it.each([
    ['mysql://root:s3cret@db:3306/billing', 'mysql://root:***@db:3306/billing'],
    ['mysql://root@db:3306/billing', 'mysql://root@db:3306/billing'],
    ['mysql://root:s3@c#r/et@db/billing', 'mysql://root:***@db/billing'],
    ['mariadb://app:s3cret@db/billing?ssl=true', 'mariadb://app:***@db/billing?ssl=true'],
    ['redis://:s3cret@cache:6379', 'redis://:***@cache:6379'],
    ['sqlite:./data/billing.sqlite', 'sqlite:./data/billing.sqlite'],
  ])('%s → %s', (url, masked) => {
    expect(maskDatabaseUrl(url)).toBe(masked);
  });

  it('names the SQLite file by its absolute path', () => {
    expect(describeDatabase('sqlite:./data/billing.sqlite', '/srv/opus')).toBe(
      'the SQLite file /srv/opus/data/billing.sqlite',
    );
    expect(describeDatabase('sqlite::memory:')).toBe('SQLite in memory');
    expect(describeDatabase('mysql://root:s3cret@db:3306/billing')).toBe('mysql://root:***@db:3306/billing');
  });

  it.each([
    ['sqlite:./data/billing.sqlite', null],
    ['mysql://root:s3cret@db:3306/billing', null],
    ['postgres://root:s3cret@db/billing', 'DATABASE_URL must start with sqlite: or mysql://'],
    ['mysql://root:s3cret@db:port/billing', 'DATABASE_URL is not a valid URL: "mysql://root:***@db:port/billing"'],
    ['mysql://root:s3cret@db:3306/', 'DATABASE_URL is not a valid URL'],
    ['mysql://root:s3cret@db:3306/a/b', 'DATABASE_URL is not a valid URL'],
  ])('checkDatabaseUrl(%s)', (url, error) => {
    if (error === null) expect(() => checkDatabaseUrl(url)).not.toThrow();
    else {
      expect(() => checkDatabaseUrl(url)).toThrow(error);
      expect(() => checkDatabaseUrl(url)).not.toThrow(/s3cret/);
    }
  });
});

describe('startupFailure: one line for each cause (issue 15)', () => {
  const settings = { databaseUrl: 'mysql://root:s3cret@db:3306/billing', port: 4000, metricsPort: 9100 };

  it('a refused login names no password', () => {
    const line = startupFailure(
      Object.assign(new Error("Access denied for user 'root'@'10.0.0.2' (using password: YES)"), {
        code: 'ER_ACCESS_DENIED_ERROR',
      }),
      settings,
    );
    expect(line).toBe(
      "The database refused the login in DATABASE_URL (Access denied for user 'root'@'10.0.0.2' (using password: YES)); check its user, password and grants.",
    );
  });

  it('a port the process may not open, and which variable sets it', () => {
    const error = Object.assign(new Error('listen EACCES'), { code: 'EACCES', syscall: 'listen', port: 9100 });
    expect(startupFailure(error, settings)).toBe(
      'port 9100 needs privileges this process does not have (EACCES); set METRICS_PORT to a port above 1023',
    );
  });

  it('the unexpected is one line too, any URL in it masked', () => {
    const error = new Error('cannot load mysql://root:s3cret@db/billing\nmore detail');
    expect(startupFailure(error, settings)).toBe(
      'cannot load mysql://root:***@db/billing (LOG_LEVEL=debug prints the stack)',
    );
  });

  it('a StartupError is said as it is', () => {
    expect(startupFailure(new StartupError('Redis at cache:6379 (REDIS_URL) is unreachable (ECONNREFUSED)'), {})).toBe(
      'Redis at cache:6379 (REDIS_URL) is unreachable (ECONNREFUSED)',
    );
  });
});

import { AuditSetupError, openAuditDb, redactUrl } from '../audit/audit-db';
import { AuditReport, INVARIANTS, runAudit } from '../audit/invariants';

const USAGE =
  'usage: npm run audit -- [DATABASE_URL] [--json] [--limit N]   (DATABASE_URL from the environment when not given)';

/**
 * The operator's audit: checks the invariants that make the books right (src/audit/invariants.ts) on a database,
 * read-only, in one snapshot.
 *   npm run audit -- mysql://user:pass@host:3306/billing      one line per violation, then a summary
 *   npm run audit -- sqlite:./data/billing.sqlite --json      the report as JSON
 * Exit code: 0 clean, 1 violations, 2 usage or connection error (one line on stderr).
 */
async function main(argv: string[]): Promise<number> {
  let json = false;
  let limit = 1000;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--limit') {
      limit = Number(argv[++i]);
      if (!Number.isInteger(limit) || limit < 1)
        throw new AuditSetupError(`--limit takes a positive whole number\n${USAGE}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(
        `${USAGE}\n\nInvariants:\n${INVARIANTS.map((i) => `  ${i.name} (${i.rules}): ${i.statement}`).join('\n')}`,
      );
      return 0;
    } else if (arg.startsWith('-')) throw new AuditSetupError(`unknown option ${arg}\n${USAGE}`);
    else positional.push(arg);
  }
  if (positional.length > 1) throw new AuditSetupError(`one DATABASE_URL at most\n${USAGE}`);
  const url = positional[0] ?? process.env.DATABASE_URL;
  if (!url) throw new AuditSetupError(`no database: give DATABASE_URL as an argument or in the environment\n${USAGE}`);

  const db = await openAuditDb(url);
  let report: AuditReport;
  try {
    for (const table of ['organization', 'credit_ledger_entry', 'invoice']) {
      if ((await db.columnsOf(table)).length === 0) {
        throw new AuditSetupError(
          `${redactUrl(url)} is not a billing database (no ${table} table): start the server on it once to run the migrations`,
        );
      }
    }
    report = await runAudit(db, { limit });
  } finally {
    await db.close();
  }
  if (json) {
    console.log(JSON.stringify({ database: redactUrl(url), ...report }, null, 2));
  } else {
    for (const v of report.violations) {
      const ids = Object.entries(v.ids)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => `${k}=${x}`)
        .join(' ');
      console.log(`VIOLATION ${v.invariant} (${v.rules}) organization=${v.organizationId ?? '-'} ${ids}: ${v.message}`);
    }
    for (const c of report.checks) {
      if (c.truncated)
        console.log(`  ${c.name}: more than ${limit} violations; the first ${limit} are listed (--limit N for more)`);
      if (c.skipped) console.log(`  skipped ${c.name} (${c.rules}): ${c.skipped}`);
    }
    const broken = report.checks.filter((c) => c.violations.length > 0);
    const summary =
      broken.length === 0
        ? 'no violations'
        : `${report.violations.length} violation(s): ${broken.map((c) => `${c.name} ${c.violations.length}${c.truncated ? '+' : ''}`).join(', ')}`;
    const checked = report.checks.filter((c) => !c.skipped).length;
    console.log(
      `audit of ${redactUrl(url)}: ${checked} invariants checked in ${(report.ms / 1000).toFixed(2)} s, ${summary}`,
    );
  }
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    // Usage and connection problems are one clear line, never a stack trace.
    const message =
      error instanceof AuditSetupError ? error.message : `audit failed: ${(error as Error)?.message ?? String(error)}`;
    console.error(message);
    process.exit(2);
  },
);

import { lintSql, type LintFinding, type Provider } from '../../src/core/lint/index.js';

export function lint(sql: string, provider: Provider = 'postgresql', hotfix = true): LintFinding[] {
  return lintSql(sql, { provider, hotfix, file: 'prisma/migrations/20240101000000_fix/migration.sql' });
}

/** Rule ids that fire (unsuppressed), sorted, without the timeout rules unless asked. */
export function rules(sql: string, provider: Provider = 'postgresql', withTimeouts = false): string[] {
  return lint(sql, provider)
    .filter((f) => !f.suppressed)
    .map((f) => f.rule)
    .filter((r) => withTimeouts || (r !== 'require-lock-timeout' && r !== 'require-statement-timeout'))
    .sort();
}

/** Prisma's usual preamble for a table that exists before the migration. */
export const TIMEOUTS = "SET lock_timeout = '5s';\nSET statement_timeout = '60s';\n";

import type { Provider, Severity } from './types.js';

export interface LintRule {
  id: string;
  /** Severity in a hotfix migration (stricter) and in an ordinary one. */
  severity: { hotfix: Severity; ordinary: Severity };
  providers: readonly Provider[];
  /** One line: why the statement is dangerous on a live table. */
  reason: string;
  /** The safe pattern to use instead. */
  safe: string;
}

const ALL: readonly Provider[] = ['postgresql', 'mysql', 'sqlite'];
const PG: readonly Provider[] = ['postgresql'];

const rule = (
  id: string,
  hotfix: Severity,
  ordinary: Severity,
  providers: readonly Provider[],
  reason: string,
  safe: string,
): LintRule => ({ id, severity: { hotfix, ordinary }, providers, reason, safe });

/**
 * The catalogue. Ids are stable: suppression comments and CI scripts name them.
 * docs/lint-rules.md documents each one; test/lint checks that the two agree.
 */
export const RULES = [
  rule(
    'create-index-non-concurrently',
    'error',
    'warning',
    PG,
    'CREATE INDEX without CONCURRENTLY blocks every write to an existing table while the whole index is built.',
    'CREATE INDEX CONCURRENTLY, alone in a migration of its own (it cannot run inside a transaction).',
  ),
  rule(
    'drop-index-non-concurrently',
    'warning',
    'info',
    PG,
    'DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: reads and writes queue behind it.',
    'DROP INDEX CONCURRENTLY, alone in a migration of its own.',
  ),
  rule(
    'concurrently-in-transaction',
    'error',
    'error',
    PG,
    'CONCURRENTLY (and VACUUM) cannot run in a transaction block; Prisma sends a multi-statement migration as one implicit transaction, so it fails with 25001.',
    'Move the statement into a migration folder of its own that contains only that statement.',
  ),
  rule(
    'add-foreign-key-without-not-valid',
    'error',
    'warning',
    PG,
    'Adding a FOREIGN KEY scans the whole existing table while holding a lock that blocks writes to it and to the referenced table.',
    'ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID; then, in a later migration, ALTER TABLE ... VALIDATE CONSTRAINT ...',
  ),
  rule(
    'add-check-without-not-valid',
    'error',
    'warning',
    PG,
    'Adding a CHECK constraint scans the whole existing table under an ACCESS EXCLUSIVE lock.',
    'ADD CONSTRAINT ... CHECK (...) NOT VALID; then, in a later migration, ALTER TABLE ... VALIDATE CONSTRAINT ...',
  ),
  rule(
    'validate-in-same-transaction',
    'warning',
    'info',
    PG,
    'VALIDATE CONSTRAINT in the same migration as its ADD ... NOT VALID still scans while the ADD lock is held: NOT VALID gains nothing.',
    'Run ALTER TABLE ... VALIDATE CONSTRAINT ... in a later migration.',
  ),
  rule(
    'add-unique-constraint',
    'error',
    'warning',
    PG,
    'ADD UNIQUE / PRIMARY KEY / EXCLUDE builds an index while blocking reads and writes on the existing table.',
    'CREATE UNIQUE INDEX CONCURRENTLY ... in its own migration, then ADD CONSTRAINT ... UNIQUE (or PRIMARY KEY) USING INDEX ...',
  ),
  rule(
    'add-column-not-null-without-default',
    'error',
    'error',
    ALL,
    'Adding a NOT NULL column without a DEFAULT fails on a table that has rows (PostgreSQL, SQLite) or fills it with zero values (MySQL).',
    'ADD COLUMN ... with a DEFAULT (constant defaults are instant since PostgreSQL 11), or add it nullable, backfill in batches, then SET NOT NULL safely.',
  ),
  rule(
    'add-column-table-rewrite',
    'error',
    'warning',
    PG,
    'A column with a volatile default (gen_random_uuid(), random(), clock_timestamp()), SERIAL, IDENTITY or GENERATED ... STORED rewrites the whole table under an ACCESS EXCLUSIVE lock.',
    'Add the column nullable without the default, set the default for new rows, backfill existing rows in batches.',
  ),
  rule(
    'change-column-type',
    'error',
    'warning',
    ['postgresql', 'mysql'],
    'Changing a column type usually rewrites (or copies) the whole table under an exclusive lock, and the running app may break on the new type.',
    'Add a new column, write to both, backfill in batches, switch reads, then drop the old column in a later release.',
  ),
  rule(
    'set-not-null',
    'error',
    'warning',
    PG,
    'SET NOT NULL scans the whole existing table under an ACCESS EXCLUSIVE lock.',
    'ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (later migration); then SET NOT NULL (PostgreSQL 12+ uses the check, no scan) and DROP CONSTRAINT c.',
  ),
  rule(
    'drop-column',
    'error',
    'warning',
    ALL,
    "Dropping a column breaks the running app: Prisma Client names every column it selects, so old app versions fail with 'column does not exist'.",
    'Remove the field from the schema and deploy the app first; drop the column in a later migration.',
  ),
  rule(
    'drop-table',
    'error',
    'warning',
    ALL,
    'Dropping a table loses its data and breaks any running code that still reads it.',
    'Deploy the app that no longer uses the table first; keep a backup; drop it in a later migration.',
  ),
  rule(
    'drop-not-null',
    'warning',
    'info',
    PG,
    'Dropping NOT NULL lets NULLs in that the running Prisma Client (field still required) fails to read.',
    'Deploy the app with the field optional first, then drop NOT NULL.',
  ),
  rule(
    'rename-column',
    'error',
    'warning',
    ALL,
    'Renaming a column breaks every running app version that uses the old name.',
    'Add the new column, backfill, switch the app, drop the old one later (or use @map in the Prisma schema and keep the database name).',
  ),
  rule(
    'rename-table',
    'error',
    'warning',
    ALL,
    'Renaming a table breaks every running app version that uses the old name.',
    'Keep the database name and use @@map in the Prisma schema, or create a view with the old name during the transition.',
  ),
  rule(
    'enum-add-value',
    'warning',
    'info',
    PG,
    'A new enum value cannot be used in the same transaction (55P04), fails in a transaction block before PostgreSQL 12, and old Prisma Clients cannot read rows that hold it.',
    'Add the value in a migration of its own, deploy the app that knows it, then start writing it.',
  ),
  rule(
    'enum-remove-or-rename-value',
    'error',
    'warning',
    PG,
    "Renaming or removing an enum value (Prisma's enum swap rewrites every column of the type) breaks running apps that still write the old value.",
    'Add the new value, migrate rows in batches, deploy the app, then remove the old value in a later migration.',
  ),
  rule(
    'require-lock-timeout',
    'error',
    'info',
    ['postgresql', 'mysql'],
    'Without lock_timeout a DDL statement queues behind any long transaction and blocks every query on the table while it waits.',
    "SET lock_timeout = '5s'; at the top of the migration (hotfix start --timeouts adds it); retry if it times out. MySQL: SET SESSION lock_wait_timeout = 5;",
  ),
  rule(
    'require-statement-timeout',
    'warning',
    'info',
    PG,
    'Without statement_timeout a scan, rewrite or data change on a big table can hold its locks for as long as it takes.',
    "SET statement_timeout = '60s'; at the top of the migration (hotfix start --timeouts adds it).",
  ),
  rule(
    'update-without-where',
    'error',
    'warning',
    ALL,
    'UPDATE without WHERE rewrites every row in one transaction: locks all rows, bloats the table, and cannot be stopped part way.',
    'UPDATE ... WHERE <key range> in batches (e.g. 1,000 rows at a time), outside the schema migration if it is large.',
  ),
  rule(
    'delete-without-where',
    'error',
    'warning',
    ALL,
    'DELETE without WHERE (or TRUNCATE) removes every row of a live table; TRUNCATE also takes an ACCESS EXCLUSIVE lock.',
    'DELETE ... WHERE <condition> in batches, after taking a backup of the rows.',
  ),
  rule(
    'add-foreign-key-table-copy',
    'error',
    'warning',
    ['mysql'],
    'MySQL adds a FOREIGN KEY with the COPY algorithm (the whole table is copied, writes blocked) unless foreign_key_checks is off.',
    'SET foreign_key_checks = 0 for the ALTER (INPLACE), after checking the data yourself, or use an online schema change tool (gh-ost, pt-osc).',
  ),
  rule(
    'table-redefinition',
    'warning',
    'info',
    ['sqlite'],
    "Prisma's SQLite table redefinition copies the whole table (INSERT ... SELECT) while holding the database write lock; columns not copied are lost.",
    'Check which columns the INSERT ... SELECT copies; run it when the database is quiet, with a backup.',
  ),
  rule(
    'parse-error',
    'error',
    'warning',
    PG,
    'The statement could not be parsed, so none of its risks could be checked (and PostgreSQL will probably reject it too).',
    'Fix the syntax; run the migration against a scratch database first.',
  ),
  rule(
    'invalid-suppression',
    'warning',
    'warning',
    ALL,
    'A hotfix-lint-disable comment without a reason, or naming an unknown rule, suppresses nothing.',
    'Write: -- hotfix-lint-disable-next-line <rule>[,<rule>] -- <why this is safe here>',
  ),
  rule(
    'unused-suppression',
    'info',
    'info',
    ALL,
    'A hotfix-lint-disable comment whose rule does not fire on the next statement hides nothing and may hide a later change.',
    'Remove the comment, or move it right above the statement it is meant for.',
  ),
] as const satisfies readonly LintRule[];

export type RuleId = (typeof RULES)[number]['id'];

const BY_ID: ReadonlyMap<string, LintRule> = new Map(RULES.map((r) => [r.id, r]));

export function getRule(id: string): LintRule | undefined {
  return BY_ID.get(id);
}

export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}

export function severityOf(id: string, hotfix: boolean): Severity {
  const r = BY_ID.get(id);
  if (!r) return 'warning';
  return hotfix ? r.severity.hotfix : r.severity.ordinary;
}

import { scanSql } from './sql/lexer.js';
/** First line of an unfilled down.sql: verify and rollback look for it. */
export const DOWN_TEMPLATE_MARKER = '-- hotfix:down-template';
export const MIGRATION_TEMPLATE_MARKER = '-- hotfix:migration-template';

export function migrationTemplate(name: string): string {
  return `${MIGRATION_TEMPLATE_MARKER} (delete this line once the SQL below is written)
-- Hotfix "${name}": the SQL that fixes production, exactly as it will run.
--
-- Keep it to the one fix. Under load, prefer:
--   SET lock_timeout = '5s';            -- give up rather than queue behind long locks
--   SET statement_timeout = '60s';
--   CREATE INDEX CONCURRENTLY ...;      -- alone in its own migration (not in a transaction)
--   ALTER TABLE ... ADD CONSTRAINT ... NOT VALID;  then VALIDATE CONSTRAINT in a second step
--   DELETE/UPDATE ... WHERE ...;        -- in batches on big tables
-- Write the reverse in down.sql beside this file.
`;
}

export function downTemplate(name: string, why: string): string {
  return `${DOWN_TEMPLATE_MARKER} (delete this line once the SQL below is written)
-- Reverse of hotfix "${name}". ${why}
-- hotfix rollback refuses to run until this file holds the real reverse SQL.
-- Undo exactly what migration.sql does, in reverse order, e.g.:
--   DROP INDEX CONCURRENTLY IF EXISTS "Order_customerId_idx";
--   ALTER TABLE "Comment" DROP CONSTRAINT IF EXISTS "fk_post_id";
-- Deleted rows cannot be brought back by SQL: say where the backup of them is.
`;
}

export function isDownTemplate(text: string): boolean {
  return text.trimStart().startsWith(DOWN_TEMPLATE_MARKER);
}

export function isMigrationTemplate(text: string): boolean {
  return text.trimStart().startsWith(MIGRATION_TEMPLATE_MARKER);
}

/**
 * What a down.sql is as a way back: missing, the unfilled template, comments only (no statement
 * to run: no way back either), or SQL. Only SQL is a plan.
 */
export type DownKind = 'missing' | 'template' | 'empty' | 'filled';

export function downKind(text: string | undefined): DownKind {
  if (text === undefined) return 'missing';
  if (isDownTemplate(text)) return 'template';
  if (scanSql(text, 'postgresql').statements.length > 0) return 'filled';
  // A part with nothing to undo says so (start writes it for a VALIDATE): that is its way back.
  return NOTHING_TO_UNDO.test(text) ? 'filled' : 'empty';
}

/** The line that makes a comment-only down.sql a way back: its migration leaves nothing to undo. */
const NOTHING_TO_UNDO = /^\s*-- (hotfix:nothing-to-undo|Nothing to undo:)/m;

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

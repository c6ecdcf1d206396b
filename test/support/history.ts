// Generated PostgreSQL migration histories of any length, for scale tests. The same history
// as the scale section of bench/run.mjs: five kinds of migration per table, in turn.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface GeneratedMigration {
  /** Folder name: a 14-digit timestamp-like prefix (sorts after INIT_MIGRATION), then `_m<i>`. */
  name: string;
  sql: string;
}

/**
 * `n` migrations on tables t0, t1, ... (five migrations each): CREATE TABLE, ADD COLUMN,
 * CREATE INDEX, ADD CONSTRAINT ... CHECK, then an UPDATE and a RENAME COLUMN in one file.
 * From the 4th migration on, the schema has a CHECK constraint.
 */
export function generatedHistory(n: number): GeneratedMigration[] {
  const out: GeneratedMigration[] = [];
  for (let i = 0; i < n; i++) {
    const t = `t${Math.floor(i / 5)}`;
    let sql: string;
    switch (i % 5) {
      case 0:
        sql = `CREATE TABLE "${t}" ("id" SERIAL NOT NULL, "name" TEXT, "ref" INTEGER, CONSTRAINT "${t}_pkey" PRIMARY KEY ("id"));\n`;
        break;
      case 1:
        sql = `ALTER TABLE "${t}" ADD COLUMN "c${i}" INTEGER DEFAULT 0;\n`;
        break;
      case 2:
        sql = `CREATE INDEX "${t}_name_idx" ON "${t}"("name");\n`;
        break;
      case 3:
        sql = `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_c_check" CHECK ("c${i - 2}" >= 0);\n`;
        break;
      default:
        sql = `UPDATE "${t}" SET "name" = 'x' WHERE "name" IS NULL;\nALTER TABLE "${t}" RENAME COLUMN "ref" TO "ref_id";\n`;
    }
    out.push({
      name: `2025${String(Math.floor(i / 1000)).padStart(2, '0')}${String(i % 1000).padStart(8, '0')}_m${i}`,
      sql,
    });
  }
  return out;
}

/** Writes `<migrationsDir>/<name>/migration.sql` for each migration. */
export async function writeHistory(migrationsDir: string, migrations: GeneratedMigration[]): Promise<void> {
  for (const m of migrations) {
    await mkdir(path.join(migrationsDir, m.name), { recursive: true });
    await writeFile(path.join(migrationsDir, m.name, 'migration.sql'), m.sql);
  }
}

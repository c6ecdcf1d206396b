// Databases and prisma in memory: each database is its `_prisma_migrations` rows plus what the
// catalog, verify.sql and row counts answer, set by the test. The fake prisma applies and marks
// rows as the real one does, and fails where a test says so. Decisions are tested on these; what
// a real server or the real CLI does is tested end to end (test/e2e, test/faults).
import path from 'node:path';
import type { Blocker, TimeoutSetting, WritePreflight } from '../../../src/adapters/db-preflight.js';
import type { CountedRows, DbReader } from '../../../src/adapters/db-reader.js';
import type { WriteOutcome, WriteStep } from '../../../src/adapters/db-writer.js';
import type { Prisma, PrismaRunResult } from '../../../src/adapters/prisma.js';
import type { BackupItem } from '../../../src/core/backup.js';
import { sha256Hex } from '../../../src/core/checksum.js';
import { connectError } from '../../../src/core/connect-cause.js';
import type { MigrationRow } from '../../../src/core/migration-state.js';
import type { PrismaOutcome } from '../../../src/core/prisma-output.js';
import { queryKey, type CatalogFact, type CatalogQuery } from '../../../src/core/proof/types.js';
import { analyzeSql } from '../../../src/core/sql/analyze.js';
import { objectKey, type DbObject } from '../../../src/core/sql/objects.js';
import type { Target } from '../../../src/core/target.js';
import type { InvalidIndexFact } from '../../../src/core/verify/invalid-index.js';
import type { Databases } from '../../../src/workflow/ports.js';
import type { MemoryFiles } from './files.js';

export class FakeDatabase {
  /** undefined: no `_prisma_migrations` table yet. */
  rows: MigrationRow[] | undefined = [];
  /**
   * The SQL that ran here (the history, what prisma applied, what hotfix ran itself): what
   * probeObjects finds is replayed from it. `objects` overrides it (objectKey -> exists).
   */
  readonly sql: string[] = [];
  readonly objects = new Map<string, boolean>();
  /** What the catalog says for a query (queryKey -> fact); absent: not there. */
  readonly catalog = new Map<string, CatalogFact>();
  invalidIndexes: InvalidIndexFact[] = [];
  /** verify.sql's answer per query (trimmed text); absent: no rows. */
  readonly verify = new Map<string, Omit<CountedRows, 'columns' | 'sample'>>();
  /** A count query's answer (the rows a DELETE would touch). */
  count = 0;
  /** How many of a backup's rows a restore check finds back as saved (undefined: all of them). */
  restoredFound: number | undefined;
  /** Why this role cannot write here (a read-only role); undefined: it can. */
  readOnly: string | undefined;
  /** Sessions in the way of a migration, as the preflight names them. */
  blockers: Blocker[] = [];
  /** Timeouts a fresh session of this role gets. */
  timeouts: TimeoutSetting[] = [];
  /** Prisma's migration lock is held by another session. */
  lockHolder: string | undefined;
  /** Connections fail (the server is down). */
  unreachable = false;
  /** migrate deploy fails on this migration with P3018 and this database error. */
  failOn: { migration: string; databaseCode: string; message: string } | undefined;
  /** Statements hotfix ran itself (down.sql of an in-place rollback), in order. */
  readonly ran: string[] = [];
  private seq = 0;

  constructor(readonly url: string) {}

  row(name: string, sql: string, state: 'applied' | 'failed' | 'rolled-back' = 'applied'): MigrationRow {
    if (state === 'applied') this.sql.push(sql);
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, ++this.seq)).toISOString();
    const row: MigrationRow = {
      id: `row-${this.seq}`,
      migrationName: name,
      checksum: sha256Hex(sql),
      startedAt: at,
      finishedAt: state === 'applied' ? at : null,
      rolledBackAt: state === 'rolled-back' ? at : null,
      appliedStepsCount: state === 'applied' ? 1 : 0,
      logs: state === 'failed' ? 'failed' : null,
    };
    (this.rows ??= []).push(row);
    return row;
  }

  latest(name: string): MigrationRow | undefined {
    return this.rows?.filter((r) => r.migrationName === name).at(-1);
  }

  setObject(object: DbObject, exists = true): void {
    this.objects.set(objectKey(object), exists);
  }

  setFact(query: CatalogQuery, fact: CatalogFact): void {
    this.catalog.set(queryKey(query), fact);
  }
}

/** Every database a test knows, by URL; `of(target)` throws for one nobody set up. */
export class FakeDatabases implements Databases {
  readonly dbs = new Map<string, FakeDatabase>();
  readonly backups: { url: string; dir: string }[] = [];

  add(url: string): FakeDatabase {
    const db = new FakeDatabase(url);
    this.dbs.set(url, db);
    return db;
  }

  of(target: { url: string }): FakeDatabase {
    const db = this.dbs.get(target.url.replace(/[?&]application_name=[^&]*/, ''));
    if (!db) throw new Error(`fake: no database at ${target.url}`);
    return db;
  }

  private reachable(target: Target): FakeDatabase {
    const db = this.of(target);
    if (db.unreachable)
      throw connectError(
        target,
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      );
    return db;
  }

  reader = (target: Target): Promise<DbReader> => {
    const db = this.reachable(target);
    const reader: DbReader = {
      migrations: () => Promise.resolve(db.rows?.map((r) => ({ ...r }))),
      migrateLockHolder: () => Promise.resolve(db.lockHolder),
      lockHolders: () => Promise.resolve(db.lockHolder ? [db.lockHolder] : []),
      query: <T>(sql: string, params: unknown[] = []) => {
        if (/pg_index/.test(sql) && /indisvalid/.test(sql)) return Promise.resolve(db.invalidIndexes as T[]);
        if (/json_populate_recordset/.test(sql)) {
          // rollback --restore's check: the saved rows, and how many are back as saved.
          const expected = (JSON.parse(typeof params[0] === 'string' ? params[0] : '[]') as unknown[]).length;
          return Promise.resolve([{ expected, found: db.restoredFound ?? expected }] as T[]);
        }
        if (/indisprimary/.test(sql)) return Promise.resolve([{ name: 'id' }] as T[]);
        if (/count\(\*\)/i.test(sql)) return Promise.resolve([{ n: db.count }] as T[]);
        return Promise.resolve([] as T[]); // BEGIN, SET LOCAL, ROLLBACK
      },
      countedQuery: (sql: string) => {
        const answer = db.verify.get(sql.trim().replace(/;$/, '')) ?? {
          total: 0,
          keyColumns: null,
          keys: [],
        };
        return Promise.resolve({ ...answer, columns: [], sample: [] });
      },
      close: () => Promise.resolve(),
    };
    return Promise.resolve(reader);
  };

  runStatements = (target: Target, steps: WriteStep[]): Promise<WriteOutcome> => {
    const db = this.reachable(target);
    db.ran.push(...steps.map((s) => s.sql));
    db.sql.push(...steps.map((s) => `${s.sql};`));
    return Promise.resolve({ ok: true, committed: steps.map((s) => s.index) });
  };

  probeObjects = async (
    target: Target,
    objects: readonly DbObject[],
    schema: string,
  ): Promise<Map<string, boolean>> => {
    const db = this.reachable(target);
    const found = new Map<string, boolean>();
    for (const text of db.sql)
      for (const st of await analyzeSql(text, target.provider, schema))
        for (const e of st.effects) found.set(objectKey(e.object), e.exists);
    for (const [k, v] of db.objects) found.set(k, v);
    return new Map(objects.map((o) => [objectKey(o), found.get(objectKey(o)) ?? false]));
  };

  preflight = (target: Target): Promise<WritePreflight> => {
    const db = this.reachable(target);
    return Promise.resolve({ readOnly: db.readOnly, timeouts: db.timeouts, blockers: db.blockers });
  };

  markRolledBack = (target: Target, migrations: readonly string[]): Promise<WriteOutcome> => {
    const db = this.reachable(target);
    for (const name of migrations) {
      const row = db.latest(name);
      if (row?.finishedAt && !row.rolledBackAt) row.rolledBackAt = new Date().toISOString();
    }
    return Promise.resolve({ ok: true, committed: [0] });
  };

  terminateOwnSessions = () => Promise.resolve();

  readCatalog = (target: Target, queries: readonly CatalogQuery[]): Promise<Map<string, CatalogFact>> => {
    const db = this.reachable(target);
    return Promise.resolve(
      new Map(queries.map((q) => [queryKey(q), db.catalog.get(queryKey(q)) ?? { exists: false }])),
    );
  };

  /** Where backups are written (the project's files); set by fakeProject. */
  files: MemoryFiles | undefined;

  /** --backup: one saved row per item (`{"id": 1}`) and a restore.sql that inserts it back. */
  backup = async (target: Target, items: readonly BackupItem[], dir: string) => {
    this.backups.push({ url: this.of(target).url, dir });
    const saved = items.map((item, k) => ({
      statement: item.statement,
      table: item.table,
      column: item.column ?? null,
      rows: 1,
      file: `${k + 1}-${item.table}.json`,
    }));
    // As the real one: the backups folder ignores itself in git.
    await this.files?.write(path.join(path.dirname(path.dirname(dir)), '.gitignore'), '*\n');
    for (const s of saved) await this.files?.write(path.join(dir, s.file), '[{"id":1}]');
    const restore = saved.map(
      (s) =>
        `INSERT INTO "${s.table}" SELECT * FROM json_populate_recordset(NULL::"${s.table}", '[{"id":1}]');`,
    );
    await this.files?.write(path.join(dir, 'restore.sql'), `${restore.join('\n')}\n`);
    return { dir, items: saved, restoreFile: path.join(dir, 'restore.sql') };
  };
}

const result = (outcome: PrismaOutcome, exitCode = outcome.kind === 'ok' ? 0 : 1): PrismaRunResult => ({
  command: 'prisma',
  args: [],
  exitCode,
  stdout: '',
  stderr: outcome.kind === 'ok' ? '' : 'message' in outcome ? outcome.message : '',
  durationMs: 1,
  outcome,
});

/**
 * The project's prisma: deploy applies the pending folders of `migrationsDir` (from the fake
 * files) in order, resolve marks rows, diff says what a test set (`diff`). Each call is logged.
 */
export class FakePrisma implements Prisma {
  /** What the project's prisma package says (a test may make it a 6.x). */
  version = '7.10.1';
  major: Prisma['major'] = 7;
  via = 'node_modules/.bin/prisma (fake)';
  readonly calls: string[] = [];
  /** migrate diff's answer: exit code 0 (no difference), 2 with SQL, or 1 with an error. */
  diff: { exitCode: 0 | 1 | 2; stdout?: string; stderr?: string } = { exitCode: 0 };
  /** The next deploy or resolve answers this instead (and changes nothing). */
  failNext: PrismaOutcome | undefined;
  /** The next deploy or resolve does its work, then answers this (it wrote, then failed). */
  failAfterWrite: PrismaOutcome | undefined;

  constructor(
    private readonly files: MemoryFiles,
    private readonly dbs: FakeDatabases,
    private readonly migrationsDir: string,
  ) {}

  argv = () => [];

  run: Prisma['run'] = async (command, target) => {
    this.calls.push(
      command.kind === 'resolve' ? `resolve --${command.action} ${command.migration}` : command.kind,
    );
    if (command.kind === 'diff') {
      const d = this.diff;
      return { ...result({ kind: 'ok' }, d.exitCode), stdout: d.stdout ?? '', stderr: d.stderr ?? '' };
    }
    const db = this.dbs.of({ url: target.url ?? '' });
    if (this.failNext) {
      const outcome = this.failNext;
      this.failNext = undefined;
      return result(outcome);
    }
    if (db.unreachable)
      return result({ kind: 'unreachable', code: 'P1001', message: "P1001: Can't reach database server" });
    if (db.lockHolder)
      return result({
        kind: 'lock-timeout',
        code: 'P1002',
        message: 'P1002: timed out on the migration lock',
      });
    const done =
      command.kind === 'deploy'
        ? await this.deploy(db)
        : command.kind === 'resolve'
          ? await this.resolve(db, command.action, command.migration)
          : result({ kind: 'ok' });
    const after = this.failAfterWrite;
    this.failAfterWrite = undefined;
    return after ? result(after) : done;
  };

  private async folders(): Promise<string[]> {
    const names = (await this.files.list(this.migrationsDir))
      .filter((e) => e.dir)
      .map((e) => e.name)
      .sort();
    const out: string[] = [];
    for (const n of names)
      if ((await this.files.kind(path.join(this.migrationsDir, n, 'migration.sql'))) === 'file') out.push(n);
    return out;
  }

  private async deploy(db: FakeDatabase): Promise<PrismaRunResult> {
    const failed = db.rows?.find((r) => !r.finishedAt && !r.rolledBackAt);
    if (failed)
      return result({
        kind: 'failed-migrations',
        code: 'P3009',
        migrations: [failed.migrationName],
        message: `P3009: The \`${failed.migrationName}\` migration failed`,
      });
    for (const name of await this.folders()) {
      if (db.latest(name)?.finishedAt && !db.latest(name)?.rolledBackAt) continue;
      const sql = (await this.files.read(path.join(this.migrationsDir, name, 'migration.sql'))) ?? '';
      if (db.failOn?.migration === name) {
        db.row(name, sql, 'failed');
        const { databaseCode, message } = db.failOn;
        return result({
          kind: 'migration-failed',
          code: 'P3018',
          migration: name,
          databaseCode,
          databaseError: message,
          message: `P3018: ${message}`,
        });
      }
      db.row(name, sql);
    }
    return result({ kind: 'ok' });
  }

  private async resolve(
    db: FakeDatabase,
    action: 'applied' | 'rolled-back',
    name: string,
  ): Promise<PrismaRunResult> {
    const row = db.latest(name);
    if (action === 'applied') {
      if (row?.finishedAt && !row.rolledBackAt)
        return result({
          kind: 'already-applied',
          code: 'P3008',
          migration: name,
          message: `P3008: The migration \`${name}\` is already recorded as applied in the database.`,
        });
      const sql = (await this.files.read(path.join(this.migrationsDir, name, 'migration.sql'))) ?? '';
      db.row(name, sql).appliedStepsCount = 0;
      return result({ kind: 'ok' });
    }
    if (!row || row.finishedAt || row.rolledBackAt)
      return result({
        kind: 'not-failed',
        code: 'P3012',
        migration: name,
        message: `P3012: Migration \`${name}\` cannot be rolled back because it is not in a failed state.`,
      });
    row.rolledBackAt = new Date().toISOString();
    return result({ kind: 'ok' });
  }
}

import type { Node, RangeVar } from 'libpg-query';
import { lineAt, lineStarts, scanSql } from './sql/lexer.js';
import { loadParser, parsePg } from './sql/parser.js';
import type { Provider } from './lint/types.js';

/**
 * What a migration changes in the database catalog, statement by statement, so that rollback
 * can tell which parts of a FAILED migration are in the database (Prisma applies a file
 * atomically in some versions and statement by statement in others, and SQLite never in one
 * transaction), run only the matching parts of down.sql, and check that nothing is left.
 *
 * Only effects that the catalog can confirm are modelled (tables, columns, indexes,
 * constraints, types, NOT NULL, defaults...). Anything else (data changes, DO blocks, type
 * changes) is "unknown": never guessed, always reported.
 */

export type ObjectKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'sequence'
  | 'index'
  | 'type'
  | 'trigger'
  | 'column'
  | 'constraint'
  | 'not-null'
  | 'default';

export interface DbObject {
  kind: ObjectKind;
  /** PostgreSQL schema when it is not the default one; always undefined on SQLite. */
  schema?: string | undefined;
  /** Owning table: columns, constraints, NOT NULL, defaults; indexes when the SQL names it. */
  table?: string | undefined;
  name: string;
  /** SQLite: names compare without case (the label keeps the case as written). */
  caseless?: true | undefined;
}

export interface Effect {
  object: DbObject;
  /** Whether the object exists (NOT NULL / default: is set) once the statement has run. */
  exists: boolean;
  /** Running it when the object is already so does not fail (IF [NOT] EXISTS, SET NOT NULL...). */
  idempotent: boolean;
}

export type StatementKind = 'change' | 'session' | 'transaction' | 'unknown';

export interface SqlStatement {
  /** 1-based position in its file. */
  index: number;
  line: number;
  /** The statement as written (comments inside kept), without its `;`. */
  sql: string;
  kind: StatementKind;
  effects: Effect[];
  /** Must run outside a transaction (CONCURRENTLY, VACUUM). */
  concurrent: boolean;
  /** Why an unknown statement is unknown ("a data change (UPDATE)"). */
  note?: string | undefined;
}

const WITH_TABLE = new Set<ObjectKind>(['column', 'constraint', 'not-null', 'default']);

/** Identity of an object: indexes are per schema (their table is only metadata). */
export function objectKey(o: DbObject): string {
  const fold = (s: string | undefined) => (o.caseless ? (s ?? '').toLowerCase() : (s ?? ''));
  return [o.kind, fold(o.schema), WITH_TABLE.has(o.kind) ? fold(o.table) : '', o.name].join('\u0000');
}

const qi = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** How messages name an object: `column "User"."flag"`. */
export function objectLabel(o: DbObject): string {
  const rel = (name: string) => (o.schema ? `${qi(o.schema)}.${qi(name)}` : qi(name));
  switch (o.kind) {
    case 'column':
      return `column ${rel(o.table ?? '?')}.${qi(o.name)}`;
    case 'constraint':
      return `constraint ${qi(o.name)} on ${rel(o.table ?? '?')}`;
    case 'not-null':
      return `NOT NULL on ${rel(o.table ?? '?')}.${qi(o.name)}`;
    case 'default':
      return `default of ${rel(o.table ?? '?')}.${qi(o.name)}`;
    case 'schema':
      return `schema ${qi(o.name)}`;
    default:
      return `${o.kind} ${rel(o.name)}`;
  }
}

/** SQL that removes an object a migration added: offered when down.sql lacks it. */
export function removalSql(o: DbObject, provider: Provider): string | undefined {
  const rel = (name: string) => (o.schema ? `${qi(o.schema)}.${qi(name)}` : qi(name));
  switch (o.kind) {
    case 'table':
    case 'view':
    case 'sequence':
    case 'index':
    case 'type':
    case 'trigger':
      return `DROP ${o.kind.toUpperCase()} ${rel(o.name)};`;
    case 'column':
      return `ALTER TABLE ${rel(o.table ?? '?')} DROP COLUMN ${qi(o.name)};`;
    case 'constraint':
      return provider === 'sqlite'
        ? undefined
        : `ALTER TABLE ${rel(o.table ?? '?')} DROP CONSTRAINT ${qi(o.name)};`;
    case 'not-null':
      return `ALTER TABLE ${rel(o.table ?? '?')} ALTER COLUMN ${qi(o.name)} DROP NOT NULL;`;
    case 'default':
      return `ALTER TABLE ${rel(o.table ?? '?')} ALTER COLUMN ${qi(o.name)} DROP DEFAULT;`;
    case 'schema':
      return `DROP SCHEMA ${qi(o.name)};`;
  }
}

/** The schema Prisma uses for a PostgreSQL URL (`?schema=`), `public` without one. */
export function pgDefaultSchema(url: string): string {
  try {
    return new URL(url).searchParams.get('schema') || 'public';
  } catch {
    return 'public';
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL, from libpg-query's AST

function strings(nodes: Node[] | undefined): string[] {
  const out: string[] = [];
  for (const n of nodes ?? []) if ('String' in n && n.String.sval !== undefined) out.push(n.String.sval);
  return out;
}

const UNKNOWN_NOTES: Record<string, string> = {
  InsertStmt: 'a data change (INSERT)',
  UpdateStmt: 'a data change (UPDATE)',
  DeleteStmt: 'a data change (DELETE)',
  MergeStmt: 'a data change (MERGE)',
  DoStmt: 'a DO block',
  CreateFunctionStmt: 'a function definition',
  CreateTrigStmt: 'a trigger definition',
  AlterEnumStmt: 'an enum value change',
  GrantStmt: 'a privilege change',
};

type Analysis = Pick<SqlStatement, 'kind' | 'effects' | 'concurrent' | 'note'>;

const unknown = (note: string, concurrent = false): Analysis => ({
  kind: 'unknown',
  effects: [],
  concurrent,
  note,
});

function pgAnalysis(node: Node, defaultSchema: string): Analysis {
  const schemaOf = (schema: string | undefined) =>
    schema === undefined || schema === defaultSchema ? undefined : schema;
  const rel = (rv: RangeVar | undefined) =>
    rv?.relname ? { schema: schemaOf(rv.schemaname), name: rv.relname } : undefined;
  const fromList = (names: string[]) => {
    const name = names.at(-1);
    return name === undefined
      ? undefined
      : { schema: schemaOf(names.length > 1 ? names.at(-2) : undefined), name };
  };
  const change = (effects: Effect[], concurrent = false): Analysis => ({
    kind: 'change',
    effects,
    concurrent,
  });

  if ('VariableSetStmt' in node) return { kind: 'session', effects: [], concurrent: false };
  if ('TransactionStmt' in node) return { kind: 'transaction', effects: [], concurrent: false };
  if ('VacuumStmt' in node) return unknown('VACUUM / ANALYZE', true);
  if ('CreateStmt' in node) {
    const t = rel(node.CreateStmt.relation);
    if (!t) return unknown('CREATE TABLE without a name');
    return change([
      { object: { kind: 'table', ...t }, exists: true, idempotent: node.CreateStmt.if_not_exists === true },
    ]);
  }
  if ('CreateTableAsStmt' in node) {
    const s = node.CreateTableAsStmt;
    const t = rel(s.into?.rel);
    if (!t) return unknown('CREATE ... AS without a name');
    const kind = s.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table';
    return change([{ object: { kind, ...t }, exists: true, idempotent: s.if_not_exists === true }]);
  }
  if ('ViewStmt' in node) {
    const t = rel(node.ViewStmt.view);
    if (!t) return unknown('CREATE VIEW without a name');
    return change([
      { object: { kind: 'view', ...t }, exists: true, idempotent: node.ViewStmt.replace === true },
    ]);
  }
  if ('CreateSeqStmt' in node) {
    const t = rel(node.CreateSeqStmt.sequence);
    if (!t) return unknown('CREATE SEQUENCE without a name');
    return change([
      {
        object: { kind: 'sequence', ...t },
        exists: true,
        idempotent: node.CreateSeqStmt.if_not_exists === true,
      },
    ]);
  }
  if ('CreateEnumStmt' in node) {
    const t = fromList(strings(node.CreateEnumStmt.typeName));
    if (!t) return unknown('CREATE TYPE without a name');
    return change([{ object: { kind: 'type', ...t }, exists: true, idempotent: false }]);
  }
  if ('CompositeTypeStmt' in node) {
    const t = rel(node.CompositeTypeStmt.typevar);
    if (!t) return unknown('CREATE TYPE without a name');
    return change([{ object: { kind: 'type', ...t }, exists: true, idempotent: false }]);
  }
  if ('CreateSchemaStmt' in node) {
    const name = node.CreateSchemaStmt.schemaname;
    if (!name) return unknown('CREATE SCHEMA without a name');
    return change([
      {
        object: { kind: 'schema', name },
        exists: true,
        idempotent: node.CreateSchemaStmt.if_not_exists === true,
      },
    ]);
  }
  if ('IndexStmt' in node) {
    const s = node.IndexStmt;
    const t = rel(s.relation);
    // An unnamed index gets a name from PostgreSQL: nothing to look it up by.
    if (!s.idxname || !t) return unknown('an index without a name', s.concurrent === true);
    return change(
      [
        {
          object: { kind: 'index', schema: t.schema, table: t.name, name: s.idxname },
          exists: true,
          idempotent: s.if_not_exists === true,
        },
      ],
      s.concurrent === true,
    );
  }
  if ('DropStmt' in node) {
    const s = node.DropStmt;
    const kinds: Partial<Record<string, ObjectKind>> = {
      OBJECT_TABLE: 'table',
      OBJECT_INDEX: 'index',
      OBJECT_VIEW: 'view',
      OBJECT_MATVIEW: 'view',
      OBJECT_SEQUENCE: 'sequence',
      OBJECT_TYPE: 'type',
      OBJECT_SCHEMA: 'schema',
    };
    const kind = s.removeType ? kinds[s.removeType] : undefined;
    if (!kind)
      return unknown(
        `DROP of a ${String(s.removeType ?? 'object')
          .replace(/^OBJECT_/, '')
          .toLowerCase()}`,
      );
    const effects: Effect[] = [];
    for (const obj of s.objects ?? []) {
      let names: string[] = [];
      if ('List' in obj) names = strings(obj.List.items);
      else if ('String' in obj && obj.String.sval !== undefined) names = [obj.String.sval];
      else if ('TypeName' in obj) names = strings(obj.TypeName.names);
      const t = kind === 'schema' ? { schema: undefined, name: names.at(-1) } : fromList(names);
      if (!t?.name) return unknown('DROP of an object without a name');
      effects.push({
        object: { kind, schema: t.schema, name: t.name },
        exists: false,
        idempotent: s.missing_ok === true,
      });
    }
    return change(effects, s.concurrent === true);
  }
  if ('AlterTableStmt' in node) {
    const s = node.AlterTableStmt;
    const t = rel(s.relation);
    if (s.objtype !== 'OBJECT_TABLE' || !t) return unknown('an ALTER that is not on a table');
    const effects: Effect[] = [];
    const on = (kind: ObjectKind, name: string): DbObject => ({
      kind,
      schema: t.schema,
      table: t.name,
      name,
    });
    for (const item of s.cmds ?? []) {
      if (!('AlterTableCmd' in item)) return unknown('an unrecognised ALTER TABLE');
      const cmd = item.AlterTableCmd;
      const def = cmd.def;
      const guarded = cmd.missing_ok === true;
      switch (cmd.subtype) {
        case 'AT_AddColumn': {
          const col = def && 'ColumnDef' in def ? def.ColumnDef.colname : undefined;
          if (!col) return unknown('ADD COLUMN without a name');
          effects.push({ object: on('column', col), exists: true, idempotent: guarded });
          break;
        }
        case 'AT_DropColumn':
          if (!cmd.name) return unknown('DROP COLUMN without a name');
          effects.push({ object: on('column', cmd.name), exists: false, idempotent: guarded });
          break;
        case 'AT_AddConstraint': {
          const con = def && 'Constraint' in def ? def.Constraint.conname : undefined;
          if (!con) return unknown('a constraint without a name');
          effects.push({ object: on('constraint', con), exists: true, idempotent: false });
          break;
        }
        case 'AT_DropConstraint':
          if (!cmd.name) return unknown('DROP CONSTRAINT without a name');
          effects.push({ object: on('constraint', cmd.name), exists: false, idempotent: guarded });
          break;
        case 'AT_SetNotNull':
        case 'AT_DropNotNull':
          if (!cmd.name) return unknown('ALTER COLUMN without a name');
          effects.push({
            object: on('not-null', cmd.name),
            exists: cmd.subtype === 'AT_SetNotNull',
            idempotent: true,
          });
          break;
        case 'AT_ColumnDefault':
          if (!cmd.name) return unknown('ALTER COLUMN without a name');
          effects.push({ object: on('default', cmd.name), exists: def !== undefined, idempotent: true });
          break;
        default:
          // A type change, VALIDATE, storage...: the catalog cannot say whether it ran.
          return unknown(`ALTER TABLE ... ${String(cmd.subtype ?? '').replace(/^AT_/, '')}`);
      }
    }
    return change(effects);
  }
  if ('RenameStmt' in node) {
    const s = node.RenameStmt;
    const t = rel(s.relation);
    if (!t || !s.newname) return unknown('a RENAME');
    const pair = (kind: ObjectKind, from: string, to: string, table?: string): Analysis =>
      change([
        { object: { kind, schema: t.schema, table, name: from }, exists: false, idempotent: false },
        { object: { kind, schema: t.schema, table, name: to }, exists: true, idempotent: false },
      ]);
    if (s.renameType === 'OBJECT_TABLE') return pair('table', t.name, s.newname);
    if (s.renameType === 'OBJECT_INDEX') return pair('index', t.name, s.newname);
    if (s.renameType === 'OBJECT_COLUMN' && s.subname) return pair('column', s.subname, s.newname, t.name);
    if (s.renameType === 'OBJECT_TABCONSTRAINT' && s.subname)
      return pair('constraint', s.subname, s.newname, t.name);
    return unknown('a RENAME');
  }
  const type = Object.keys(node)[0] ?? 'statement';
  return unknown(UNKNOWN_NOTES[type] ?? `a ${type.replace(/Stmt$/, '')} statement`);
}

// ---------------------------------------------------------------------------------------------
// SQLite, from the statement text (the lexer blanks comments and string literals first)

const ID = String.raw`(?:"((?:[^"]|"")*)"|\x60([^\x60]*)\x60|([A-Za-z_][\w$]*))`;
/** An optional `schema.` prefix (not captured), then the name (3 groups, as ID). */
const QUALIFIED = String.raw`(?:(?:"(?:[^"]|"")*"|\x60[^\x60]*\x60|[A-Za-z_][\w$]*)\s*\.\s*)?${ID}`;

function idOf(m: RegExpExecArray, from: number): string {
  return (m[from] ?? m[from + 1] ?? m[from + 2] ?? '').replace(/""/g, '"');
}

function sqliteAnalysis(code: string): Analysis {
  const change = (effects: Effect[]): Analysis => ({ kind: 'change', effects, concurrent: false });
  let m: RegExpExecArray | null;
  if (/^(PRAGMA)\b/i.test(code)) return { kind: 'session', effects: [], concurrent: false };
  if (/^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(code))
    return { kind: 'transaction', effects: [], concurrent: false };
  if (
    (m = new RegExp(
      String.raw`^CREATE\s+(?:TEMP(?:ORARY)?\s+)?(TABLE|VIEW|TRIGGER)\s+(IF\s+NOT\s+EXISTS\s+)?${QUALIFIED}`,
      'i',
    ).exec(code))
  ) {
    const kind = m[1]!.toLowerCase() as ObjectKind;
    return change([
      { object: { kind, caseless: true, name: idOf(m, 3) }, exists: true, idempotent: m[2] !== undefined },
    ]);
  }
  if (
    (m = new RegExp(
      String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(IF\s+NOT\s+EXISTS\s+)?${QUALIFIED}\s+ON\s+${ID}`,
      'i',
    ).exec(code))
  ) {
    return change([
      {
        object: { kind: 'index', caseless: true, table: idOf(m, 5), name: idOf(m, 2) },
        exists: true,
        idempotent: m[1] !== undefined,
      },
    ]);
  }
  if (
    (m = new RegExp(String.raw`^DROP\s+(TABLE|VIEW|TRIGGER|INDEX)\s+(IF\s+EXISTS\s+)?${QUALIFIED}`, 'i').exec(
      code,
    ))
  ) {
    const kind = m[1]!.toLowerCase() as ObjectKind;
    return change([
      { object: { kind, caseless: true, name: idOf(m, 3) }, exists: false, idempotent: m[2] !== undefined },
    ]);
  }
  const alter = new RegExp(String.raw`^ALTER\s+TABLE\s+${QUALIFIED}\s+`, 'iy');
  if ((m = alter.exec(code))) {
    const table = idOf(m, 1);
    const rest = code.slice(alter.lastIndex);
    let r: RegExpExecArray | null;
    if ((r = new RegExp(String.raw`^ADD\s+(?:COLUMN\s+)?${ID}`, 'i').exec(rest)))
      return change([
        {
          object: { kind: 'column', caseless: true, table, name: idOf(r, 1) },
          exists: true,
          idempotent: false,
        },
      ]);
    if ((r = new RegExp(String.raw`^DROP\s+(?:COLUMN\s+)?${ID}`, 'i').exec(rest)))
      return change([
        {
          object: { kind: 'column', caseless: true, table, name: idOf(r, 1) },
          exists: false,
          idempotent: false,
        },
      ]);
    if ((r = new RegExp(String.raw`^RENAME\s+TO\s+${ID}`, 'i').exec(rest)))
      return change([
        { object: { kind: 'table', caseless: true, name: table }, exists: false, idempotent: false },
        { object: { kind: 'table', caseless: true, name: idOf(r, 1) }, exists: true, idempotent: false },
      ]);
    if ((r = new RegExp(String.raw`^RENAME\s+(?:COLUMN\s+)?${ID}\s+TO\s+${ID}`, 'i').exec(rest)))
      return change([
        {
          object: { kind: 'column', caseless: true, table, name: idOf(r, 1) },
          exists: false,
          idempotent: false,
        },
        {
          object: { kind: 'column', caseless: true, table, name: idOf(r, 4) },
          exists: true,
          idempotent: false,
        },
      ]);
    return unknown('an ALTER TABLE');
  }
  const verb = /^\w+/.exec(code)?.[0]?.toUpperCase() ?? 'statement';
  return unknown(
    ['INSERT', 'UPDATE', 'DELETE', 'REPLACE'].includes(verb)
      ? `a data change (${verb})`
      : `a ${verb} statement`,
  );
}

/**
 * Splits SQL into statements and says what each one does to the catalog. PostgreSQL names
 * are as PostgreSQL stores them (unquoted folded to lower case); SQLite names are lower case
 * (SQLite compares them without case).
 */
export async function analyzeSql(
  sql: string,
  provider: Provider,
  defaultSchema = 'public',
): Promise<SqlStatement[]> {
  if (provider === 'postgresql') await loadParser();
  const starts = lineStarts(sql);
  return scanSql(sql, provider).statements.map((chunk, i): SqlStatement => {
    const text = sql.slice(chunk.start, chunk.end);
    let analysis: Analysis;
    if (provider === 'postgresql') {
      try {
        const stmts = parsePg(text).stmts ?? [];
        const node = stmts[0]?.stmt;
        analysis =
          stmts.length === 1 && node
            ? pgAnalysis(node, defaultSchema)
            : unknown('a statement that does not parse');
      } catch {
        analysis = unknown('a statement that does not parse');
      }
      if (analysis.kind === 'unknown' && /\bCONCURRENTLY\b|^VACUUM\b/i.test(chunk.code))
        analysis.concurrent = true;
    } else {
      analysis = sqliteAnalysis(chunk.code);
    }
    return { index: i + 1, line: lineAt(starts, chunk.start), sql: text, ...analysis };
  });
}

// ---------------------------------------------------------------------------------------------
// Plans

export interface MigrationPart {
  object: DbObject;
  label: string;
  /** What the migration does to it (its first statement that touches it). */
  change: 'adds' | 'removes';
  statement: number;
  /** Its state before the migration, read from what the migration does to it first. */
  before: boolean;
  /** Its state in the database now. */
  now: boolean;
  /** The migration's change is in the database (now differs from before). */
  present: boolean;
}

export interface Unchecked {
  statement: number;
  sql: string;
  why: string;
}

export interface DownStep {
  statement: SqlStatement;
  run: boolean;
  why: string;
}

export interface RevertPlan {
  parts: MigrationPart[];
  /** Migration statements whose effect the catalog cannot show. */
  unchecked: Unchecked[];
  steps: DownStep[];
  /** down statements that cannot be matched to the database (mode 'needed' only). */
  unmatched: SqlStatement[];
  /** down statements that would fail as the database stands. */
  conflicts: { statement: SqlStatement; why: string }[];
  /** Parts of the migration still in the database once the planned steps ran. */
  leftovers: MigrationPart[];
}

export type Existing = (object: DbObject) => boolean;

/** Every object the statements touch, once each (what to look up in the catalog). */
export function objectsOf(...lists: SqlStatement[][]): DbObject[] {
  const seen = new Map<string, DbObject>();
  for (const list of lists)
    for (const s of list)
      for (const e of s.effects) if (!seen.has(objectKey(e.object))) seen.set(objectKey(e.object), e.object);
  return [...seen.values()];
}

/**
 * The migration's parts and their state. An object the migration leaves as it found it (the
 * SQLite "redefine table" dance, a scratch table) shows nothing in the catalog: it is listed
 * as unchecked instead.
 */
export function migrationParts(
  migration: SqlStatement[],
  existing: Existing,
): { parts: MigrationPart[]; unchecked: Unchecked[] } {
  const first = new Map<string, { effect: Effect; statement: SqlStatement }>();
  const last = new Map<string, Effect>();
  const unchecked: Unchecked[] = [];
  for (const s of migration) {
    if (s.kind === 'unknown')
      unchecked.push({
        statement: s.index,
        sql: s.sql,
        why: s.note ?? 'its effect is not visible in the catalog',
      });
    for (const e of s.effects) {
      const key = objectKey(e.object);
      if (!first.has(key)) first.set(key, { effect: e, statement: s });
      last.set(key, e);
    }
  }
  const parts: MigrationPart[] = [];
  for (const [key, { effect, statement }] of first) {
    const before = !effect.exists;
    if (last.get(key)?.exists === before) {
      unchecked.push({
        statement: statement.index,
        sql: statement.sql,
        why: `${objectLabel(effect.object)} ends as it started; what changed in it is not visible in the catalog`,
      });
      continue;
    }
    const now = existing(effect.object);
    parts.push({
      object: effect.object,
      label: objectLabel(effect.object),
      change: effect.exists ? 'adds' : 'removes',
      statement: statement.index,
      before,
      now,
      present: now !== before,
    });
  }
  unchecked.sort((a, b) => a.statement - b.statement);
  return { parts, unchecked };
}

/**
 * Which down.sql statements to run, simulated against the catalog as it stands.
 * - 'needed' (a failed migration): run a statement only when what it undoes is there; a
 *   statement that cannot be matched (a data change) is never guessed: it is `unmatched`.
 * - 'all' (the revert migration of an applied one): everything runs as one migration; the
 *   plan says which statements would fail and what would be left.
 */
export function planRevert(
  migration: SqlStatement[],
  down: SqlStatement[],
  existing: Existing,
  mode: 'needed' | 'all',
): RevertPlan {
  const { parts, unchecked } = migrationParts(migration, existing);
  const known = new Map<string, DbObject>(objectsOf(migration, down).map((o) => [objectKey(o), o]));
  const sim = new Map<string, boolean>();
  const get = (o: DbObject) => sim.get(objectKey(o)) ?? existing(o);
  const set = (o: DbObject, value: boolean) => {
    sim.set(objectKey(o), value);
    if (value) return;
    // What goes with a dropped table or column.
    for (const other of known.values()) {
      const same = (a: string | undefined, b: string | undefined) =>
        o.caseless ? a?.toLowerCase() === b?.toLowerCase() : a === b;
      const onTable = o.kind === 'table' && same(other.table, o.name) && other.schema === o.schema;
      const onColumn =
        o.kind === 'column' &&
        (other.kind === 'not-null' || other.kind === 'default') &&
        same(other.table, o.table) &&
        same(other.name, o.name) &&
        other.schema === o.schema;
      if (onTable || onColumn) sim.set(objectKey(other), false);
    }
  };
  const steps: DownStep[] = [];
  const unmatched: SqlStatement[] = [];
  const conflicts: RevertPlan['conflicts'] = [];
  for (const s of down) {
    if (s.kind === 'session') {
      steps.push({ statement: s, run: true, why: 'session setting' });
      continue;
    }
    if (s.kind === 'transaction') {
      steps.push({
        statement: s,
        run: mode === 'all',
        why: mode === 'all' ? 'transaction control' : 'skipped: hotfix runs down.sql in its own transaction',
      });
      continue;
    }
    if (s.kind === 'unknown') {
      if (mode === 'needed') {
        unmatched.push(s);
        steps.push({
          statement: s,
          run: false,
          why: `not run: ${s.note ?? 'unknown effect'} cannot be matched to the database`,
        });
      } else {
        steps.push({ statement: s, run: true, why: `${s.note ?? 'unknown effect'}: not checkable` });
      }
      continue;
    }
    const needed = s.effects.filter((e) => get(e.object) !== e.exists);
    const blocking = s.effects.filter((e) => get(e.object) === e.exists && !e.idempotent);
    const describe = (e: Effect) =>
      `${objectLabel(e.object)} ${e.exists ? 'is already there' : 'is not there'}`;
    if (blocking.length > 0 && (needed.length > 0 || mode === 'all')) {
      conflicts.push({ statement: s, why: `it would fail: ${blocking.map(describe).join(', ')}` });
      steps.push({ statement: s, run: false, why: `would fail: ${blocking.map(describe).join(', ')}` });
      continue;
    }
    if (needed.length === 0) {
      steps.push({
        statement: s,
        run: mode === 'all',
        why:
          mode === 'all' ? 'changes nothing (already so)' : `skipped: ${s.effects.map(describe).join(', ')}`,
      });
      continue;
    }
    for (const e of s.effects) set(e.object, e.exists);
    steps.push({
      statement: s,
      run: true,
      why: needed.map((e) => `${e.exists ? 'restores' : 'removes'} ${objectLabel(e.object)}`).join(', '),
    });
  }
  // Session settings alone are not worth a transaction.
  if (mode === 'needed' && !steps.some((st) => st.run && st.statement.kind === 'change')) {
    for (const st of steps) if (st.statement.kind === 'session') st.run = false;
  }
  const leftovers = parts.filter((p) => get(p.object) !== p.before);
  return { parts, unchecked, steps, unmatched, conflicts, leftovers };
}

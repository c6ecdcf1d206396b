import type { ObjectKind } from './objects.js';
import { unknownStatement, type Analysis, type Effect } from './statement.js';

/**
 * What SQLite statements do to the catalog, read from their text (the lexer blanks comments and
 * string literals first).
 */

const ID = String.raw`(?:"((?:[^"]|"")*)"|\x60([^\x60]*)\x60|([A-Za-z_][\w$]*))`;
/** An optional `schema.` prefix (not captured), then the name (3 groups, as ID). */
const QUALIFIED = String.raw`(?:(?:"(?:[^"]|"")*"|\x60[^\x60]*\x60|[A-Za-z_][\w$]*)\s*\.\s*)?${ID}`;

function idOf(m: RegExpExecArray, from: number): string {
  return (m[from] ?? m[from + 1] ?? m[from + 2] ?? '').replace(/""/g, '"');
}

/** What a statement does, from its code (comments and string literals blanked by the lexer). */
export function sqliteAnalysis(code: string): Analysis {
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
    return unknownStatement('an ALTER TABLE');
  }
  const verb = /^\w+/.exec(code)?.[0]?.toUpperCase() ?? 'statement';
  if (!['INSERT', 'UPDATE', 'DELETE', 'REPLACE'].includes(verb))
    return unknownStatement(`a ${verb} statement`);
  const unknown = unknownStatement(`a data change (${verb})`);
  m = new RegExp(
    String.raw`^(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+${QUALIFIED}`,
    'i',
  ).exec(code);
  return m ? { ...unknown, writes: { kind: 'table', caseless: true, name: idOf(m, 1) } } : unknown;
}

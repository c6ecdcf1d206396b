import type { Constraint } from 'libpg-query';
import { excerpt } from '../text.js';
import { push, q, relKey, type Ctx, type Needs, type Stmt } from './postgres-context.js';

/** Rules on adding constraints to an existing table: validation scans and index builds. */

export function addConstraint(
  ctx: Ctx,
  stmt: Stmt,
  table: string,
  con: Constraint,
  needs: Needs,
  singleText: string | undefined,
  inlineColumn?: string,
): void {
  const T = q(table);
  const name = con.conname ? `${q(con.conname)} ` : '';
  const later = `ALTER TABLE ${T} VALIDATE CONSTRAINT ${con.conname ? q(con.conname) : '<name>'}; in a later migration`;
  const notValidFix = (what: string) =>
    inlineColumn !== undefined
      ? `Add the column without the inline ${what}, then ALTER TABLE ${T} ADD CONSTRAINT ... ${what} ... NOT VALID; and ${later}.`
      : singleText !== undefined
        ? `${excerpt(singleText, 300)} NOT VALID; then ${later}.`
        : `Add NOT VALID to this ${what}; then ${later}.`;
  if (con.contype === 'CONSTR_FOREIGN') {
    const ref = relKey(con.pktable) ?? '?';
    if (con.skip_validation) {
      if (con.conname) ctx.notValid.add(`${table}\0${con.conname}`);
      return;
    }
    needs.time ??= `Foreign key ${name}on ${T}`;
    push(
      ctx,
      stmt,
      'add-foreign-key-without-not-valid',
      `Foreign key ${name}on existing table ${T} is validated at once: a full scan of ${T} while writes to ${T} and ${q(ref)} are blocked.`,
      notValidFix('FOREIGN KEY'),
    );
  } else if (con.contype === 'CONSTR_CHECK') {
    if (con.skip_validation) {
      if (con.conname) ctx.notValid.add(`${table}\0${con.conname}`);
      return;
    }
    needs.time ??= `CHECK ${name}on ${T}`;
    push(
      ctx,
      stmt,
      'add-check-without-not-valid',
      `CHECK ${name}on existing table ${T} is validated at once: a full scan of ${T} under an ACCESS EXCLUSIVE lock.`,
      notValidFix('CHECK'),
    );
  } else if (
    (con.contype === 'CONSTR_UNIQUE' ||
      con.contype === 'CONSTR_PRIMARY' ||
      con.contype === 'CONSTR_EXCLUSION') &&
    !con.indexname
  ) {
    const kind =
      con.contype === 'CONSTR_UNIQUE'
        ? 'UNIQUE'
        : con.contype === 'CONSTR_PRIMARY'
          ? 'PRIMARY KEY'
          : 'EXCLUDE';
    needs.time ??= `${kind} ${name}on ${T}`;
    const idx = con.conname ?? `${table}_new_idx`;
    push(
      ctx,
      stmt,
      'add-unique-constraint',
      `${kind} ${name}on existing table ${T} builds its index while blocking reads and writes on ${T}.`,
      kind === 'EXCLUDE'
        ? 'Build the constraint during a quiet window, with lock_timeout and statement_timeout set.'
        : `CREATE UNIQUE INDEX CONCURRENTLY ${q(idx)} ON ${T} (...); in its own migration, then ALTER TABLE ${T} ADD CONSTRAINT ${q(idx)} ${kind} USING INDEX ${q(idx)};`,
    );
  }
}

/**
 * Another session's query, as hotfix may show it: its shape without its values. A session that
 * holds a lock may be running `UPDATE "User" SET email = 'alice@…'`; its text goes into messages,
 * CI logs and the ledger, so every literal (strings, dollar-quoted bodies, numbers) becomes `?`
 * and comments are dropped. A hand scanner rather than the parser: pg_stat_activity cuts queries
 * at track_activity_query_size, and a cut query does not parse, yet must not leak either.
 */
export function queryShape(sql: string, max = 120): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
      out += ' ';
      continue;
    }
    if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
      continue;
    }
    if (c === '"') {
      // An identifier: kept (names are schema, not data).
      let j = i + 1;
      while (j < n && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      out += sql.slice(i, Math.min(j + 1, n));
      i = j + 1;
      continue;
    }
    if (
      c === "'" ||
      ((c === 'E' || c === 'e' || c === 'B' || c === 'b' || c === 'X' || c === 'x') && next === "'")
    ) {
      let j = c === "'" ? i + 1 : i + 2;
      while (j < n) {
        if (sql[j] === '\\' && c !== "'") j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      out += '?';
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        out += '?';
        i = end < 0 ? n : end + tag[0].length;
        continue;
      }
      // $1: a parameter, already no value.
    }
    if (/[0-9]/.test(c) && !/[A-Za-z0-9_$]/.test(out.at(-1) ?? ' ')) {
      let j = i;
      while (j < n && /[0-9.eE_xXa-fA-F]/.test(sql[j]!)) {
        if ((sql[j] === 'e' || sql[j] === 'E') && (sql[j + 1] === '-' || sql[j + 1] === '+')) j++;
        j++;
      }
      out += '?';
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  const flat = out.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

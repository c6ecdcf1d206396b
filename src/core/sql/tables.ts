/** The tables a migration names, for asking who holds locks on them. */
export function tablesOf(sql: string): string[] {
  const names = new Set<string>();
  const re =
    /\b(?:TABLE|ON|INTO|UPDATE|FROM|JOIN|REFERENCES)\s+(?:ONLY\s+|IF\s+(?:NOT\s+)?EXISTS\s+)?(?:"?[\w$]+"?\s*\.\s*)?(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*))/gi;
  for (const m of sql.matchAll(re)) {
    const name = m[1]?.replace(/""/g, '"') ?? m[2]!.toLowerCase();
    if (!['only', 'if', 'select'].includes(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

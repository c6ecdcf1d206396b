/**
 * package.json (and package-lock.json) with a new version, the rest of the text as it was
 * (formatting, key order). Only the first `count` `"version": "<from>"` occurrences change:
 * package.json's top level (1), package-lock.json's top level and packages[""] (2), which come
 * before any dependency's entry. Text that does not have them is returned unchanged.
 */
export function withVersion(text: string, from: string, to: string, count = 1): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`("version"\\s*:\\s*")${escaped}(")`, 'g');
  let n = 0;
  const out = text.replace(pattern, (match, open: string, close: string) =>
    n++ < count ? `${open}${to}${close}` : match,
  );
  try {
    const doc = JSON.parse(out) as { version?: unknown; packages?: Record<string, { version?: unknown }> };
    const ok = doc.version === to && (count < 2 || doc.packages?.['']?.version === to);
    return ok ? out : text;
  } catch {
    return text;
  }
}

import { createHash } from 'node:crypto';

const sha256Buffer = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** sha256 of a migration file's text, as Prisma records it in `_prisma_migrations.checksum`. */
export function sha256Hex(text: string): string {
  return sha256Buffer(text).toString('hex');
}

/**
 * Does `script` match a checksum Prisma recorded? The same rule as Prisma's schema engine
 * (`script_matches_checksum`): the file as is, with CRLF turned into LF, or with LF turned into
 * CRLF (git's autocrlf rewrites line endings, so a CRLF-only difference is not an edit); and
 * the non-zero-padded hex that old engines wrote (prisma-engines#1887).
 */
export function checksumMatches(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')];
  const legacy = checksum.length > 0 && checksum.length !== 64;
  return variants.some((variant) => {
    const digest = sha256Buffer(variant);
    const hex = legacy ? [...digest].map((b) => b.toString(16)).join('') : digest.toString('hex');
    return hex === checksum.toLowerCase();
  });
}

import v8 from 'node:v8';
import type { Node, ParseResult } from 'libpg-query';
import { infraError } from '../errors.js';

/**
 * PostgreSQL's own parser (libpg_query compiled to WebAssembly, no native build, no download).
 * Importing the package starts compiling the 1.7 MB wasm module, so it is imported lazily:
 * commands that never lint pay nothing.
 */
type ParseSync = (sql: string) => ParseResult;

let parseSyncFn: ParseSync | undefined;
let loading: Promise<void> | undefined;

export interface LoadParserOptions {
  /**
   * Run the parser's WebAssembly with V8's baseline compiler only (`--liftoff-only`, the
   * default). A lint run is short: measured on 568 Prisma migrations, tiering up to TurboFan
   * spent ~500 ms compiling for a run that takes ~180 ms without it. The flag only concerns
   * WebAssembly, and nothing else in this process runs any.
   */
  baselineOnly?: boolean;
}

export function loadParser(options: LoadParserOptions = {}): Promise<void> {
  loading ??= (async () => {
    try {
      if (options.baselineOnly !== false) v8.setFlagsFromString('--liftoff-only');
      const mod = await import('libpg-query');
      await mod.loadModule();
      parseSyncFn = mod.parseSync;
    } catch (cause) {
      loading = undefined;
      throw infraError('LINT_PARSER_UNAVAILABLE', 'Could not load the PostgreSQL parser (libpg-query).', {
        hint: 'Reinstall dependencies (npm install) so that node_modules/libpg-query is present.',
        cause,
      });
    }
  })();
  return loading;
}

export function isParserLoaded(): boolean {
  return parseSyncFn !== undefined;
}

export interface PgSyntaxError {
  message: string;
  /** Byte offset into the parsed text, when the parser says. */
  cursor: number | undefined;
}

export function parsePg(sql: string): ParseResult {
  if (!parseSyncFn) {
    throw infraError('LINT_PARSER_NOT_LOADED', 'The PostgreSQL parser was used before it was loaded.', {
      hint: 'Call `await loadParser()` (src/core/sql/parser.ts) before lintSql on PostgreSQL.',
    });
  }
  return parseSyncFn(sql);
}

export function syntaxErrorOf(error: unknown): PgSyntaxError {
  const e = error as { message?: unknown; sqlDetails?: { cursorPosition?: unknown } };
  const cursor = e.sqlDetails?.cursorPosition;
  return {
    message: typeof e.message === 'string' ? e.message : String(error),
    cursor: typeof cursor === 'number' ? cursor : undefined,
  };
}

/** The `String` parts of a name in the AST (`schema.table`, a type or function name). */
export function nameParts(nodes: Node[] | undefined): string[] {
  const out: string[] = [];
  for (const n of nodes ?? []) if ('String' in n && n.String.sval !== undefined) out.push(n.String.sval);
  return out;
}

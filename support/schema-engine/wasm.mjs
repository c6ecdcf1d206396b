// Loads @prisma/schema-engine-wasm by hand: Node 20 cannot import `.wasm` as an ES module.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const PACKAGE = '@prisma/schema-engine-wasm';

function packageDir() {
  // The package's "exports" do not expose package.json; its main file sits at the root.
  return path.dirname(require.resolve(PACKAGE));
}

/** The engines hash of the Wasm build, e.g. `561d7b42579a2459cc8edf3788918b626c640023`. */
export function enginesHash() {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageDir(), 'package.json'), 'utf8'));
    const version = String(pkg.version ?? '');
    const hash = version.split('.').pop() ?? '';
    return /^[0-9a-f]{40}$/.test(hash) ? hash : version;
  } catch {
    return 'unknown';
  }
}

/**
 * Where the Wasm engine's panic hook leaves the panic message. The Rust side calls
 * `global.PRISMA_WASM_PANIC_REGISTRY.set_message(info.to_string())` and then aborts, so the
 * JavaScript caller only sees `RuntimeError: unreachable`; without a registry the hook itself
 * throws a TypeError that replaces the panic. Same shape as Prisma's own `WasmPanicRegistry`
 * (`@prisma/internals`), which the CLI installs for its in-process Wasm engines.
 */
export class WasmPanicRegistry {
  message = '';

  get() {
    return `${this.message}`;
  }

  /** Called by the Wasm panic hook only. @param {string} value */
  set_message(value) {
    this.message = `RuntimeError: ${value}`;
  }
}

/** The process-wide registry (created once, shared with anything else that installed one). */
export function panicRegistry() {
  const g = /** @type {any} */ (globalThis);
  if (typeof g.PRISMA_WASM_PANIC_REGISTRY?.set_message !== 'function') {
    g.PRISMA_WASM_PANIC_REGISTRY = new WasmPanicRegistry();
  }
  return /** @type {WasmPanicRegistry} */ (g.PRISMA_WASM_PANIC_REGISTRY);
}

/**
 * The engine panicked (or a JavaScript exception unwound through it): its Wasm instance must
 * not be used again. `message` is what Prisma's `getWasmError` reads from the registry
 * (`RuntimeError: panicked at <file>:<line>:<col>:\n<message>`); `backtrace` is that message
 * followed by the JavaScript stack, like Prisma's.
 */
export class WasmPanic extends Error {
  /** @param {string} message @param {string} backtrace */
  constructor(message, backtrace) {
    super(message);
    this.name = 'WasmPanic';
    this.backtrace = backtrace;
  }
}

/**
 * The WasmPanic for an error thrown by (or through) the Wasm engine: a `RuntimeError` takes
 * its text from the panic registry; any other error is reported as itself.
 * @param {unknown} error
 */
export function toWasmPanic(error) {
  if (error instanceof WasmPanic) return error;
  const e = /** @type {any} */ (error);
  const stack = String(e?.stack ?? 'NO_BACKTRACE');
  if (e instanceof WebAssembly.RuntimeError || e?.name === 'RuntimeError') {
    const message = panicRegistry().get() || `RuntimeError: ${String(e?.message ?? e)}`;
    return new WasmPanic(message, [message, ...stack.split('\n').slice(1)].join('\n'));
  }
  return new WasmPanic(String(e?.message ?? e), stack);
}

/** @type {Promise<any> | undefined} */
let loaded;

/** @returns {Promise<any>} the `SchemaEngine` class */
export function loadSchemaEngineClass() {
  loaded ??= (async () => {
    panicRegistry();
    const bg = await import(`${PACKAGE}/schema_engine_bg`);
    const bytes = await readFile(path.join(packageDir(), 'schema_engine_bg.wasm'));
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return bg.SchemaEngine;
  })();
  return loaded;
}

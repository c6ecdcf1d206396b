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

/** @type {Promise<any> | undefined} */
let loaded;

/** @returns {Promise<any>} the `SchemaEngine` class */
export function loadSchemaEngineClass() {
  loaded ??= (async () => {
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

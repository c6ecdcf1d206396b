import os from 'node:os';
import type { Exec } from '../adapters/exec.js';
import { faultPoint, setActivity, setCanceller } from '../adapters/interrupt.js';
import type { Ports } from '../workflow/ports.js';

// The process-wide interrupt state (a signal arrives outside any call stack): bin.ts installs
// the handlers, the spinner registers its cleanup.
export { onInterrupt, setCleanup } from '../adapters/interrupt.js';

/**
 * The real outside world, wired once: the composition root, the one module outside workflow's
 * ports that names adapters. Each is loaded when first used (import()), so `--help` and
 * `status` never load pg, execa or the Wasm parser they do not need.
 */
export function createPorts(exec: Exec = lazyExec): Ports {
  const writer = () => import('../adapters/db-writer.js');
  return {
    files: lazyFiles(),
    git: async (cwd) => (await import('../adapters/git.js')).openGit(cwd, exec),
    prisma: async (root, schema, gitRoot) =>
      (await import('../adapters/prisma.js')).openPrisma(root, schema, exec, gitRoot),
    db: {
      reader: async (target) => (await import('../adapters/db-reader.js')).openDbReader(target),
      runStatements: async (target, steps, options) => (await writer()).runStatements(target, steps, options),
      preflight: async (target, ask) =>
        (await import('../adapters/db-preflight.js')).writePreflight(target, ask),
      probeObjects: async (target, objects, schema) => (await writer()).probeObjects(target, objects, schema),
      markRolledBack: async (target, migrations, schema) =>
        (await writer()).markRolledBack(target, migrations, schema),
      terminateOwnSessions: async (target) => (await writer()).terminateOwnSessions(target),
      readCatalog: async (target, queries) =>
        (await import('../adapters/catalog.js')).readCatalog(target, queries),
      backup: async (target, items, dir) =>
        (await import('../adapters/backup.js')).takeBackup(target, items, dir),
    },
    lock: async (file, label, options) =>
      (await import('../adapters/fs-safe.js')).acquireLock(file, label, options),
    run: { setActivity, setCanceller, faultPoint },
    host: os.hostname(),
  };
}

/** Loaded on first use: execa is a large module graph that `--help` or `status` never need. */
const lazyExec: Exec = async (file, args, options) =>
  (await import('../adapters/exec.js')).exec(file, args, options);

function lazyFiles(): Ports['files'] {
  const files = () => import('../adapters/files.js').then((m) => m.nodeFiles);
  return {
    read: async (f) => (await files()).read(f),
    write: async (f, t) => (await files()).write(f, t),
    create: async (f, t) => (await files()).create(f, t),
    mkdir: async (d, o) => (await files()).mkdir(d, o),
    remove: async (p) => (await files()).remove(p),
    list: async (d) => (await files()).list(d),
    kind: async (p) => (await files()).kind(p),
    realpath: async (p) => (await files()).realpath(p),
    tempDir: async (p) => (await files()).tempDir(p),
  };
}

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DirEntry, Files } from '../workflow/ports.js';
import { readIfExists, writeFileAtomic } from './fs-safe.js';

/** The real file system behind the Files port. */
export const nodeFiles: Files = {
  read: readIfExists,
  write: writeFileAtomic,
  create: (file, text) => fs.writeFile(file, text, { flag: 'wx' }),
  mkdir: async (dir, options) => {
    await fs.mkdir(dir, { recursive: options?.recursive === true });
  },
  remove: (p) => fs.rm(p, { recursive: true, force: true }),
  list: async (dir): Promise<DirEntry[]> =>
    (await fs.readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, dir: e.isDirectory() })),
  kind: async (p) => {
    const st = await fs.stat(p).catch(() => undefined);
    return st?.isDirectory() ? 'dir' : st?.isFile() ? 'file' : undefined;
  },
  realpath: (p) => fs.realpath(p).catch(() => undefined),
  tempDir: (prefix) => fs.mkdtemp(path.join(os.tmpdir(), prefix)),
};

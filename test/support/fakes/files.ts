// The Files port in memory: absolute POSIX paths, text only. Failures are injected by name.
import path from 'node:path';
import type { DirEntry, Files } from '../../../src/workflow/ports.js';

const errno = (code: string, p: string) =>
  Object.assign(new Error(`${code}: ${p}`), { code, path: p }) as NodeJS.ErrnoException;

export class MemoryFiles implements Files {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>(['/']);
  private temp = 0;
  /** Fault injection: the next writes (write/create) fail with this code while > 0 are left. */
  failWrites: { code: string; count: number } | undefined;

  seed(root: string, files: Record<string, string>): void {
    for (const [rel, text] of Object.entries(files)) this.put(path.join(root, rel), text);
  }

  /** Every file under `dir`, relative to it (for the fake git's working tree). */
  under(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return [...this.files.keys()].filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
  }

  put(file: string, text: string): void {
    this.mkdirs(path.dirname(file));
    this.files.set(file, text);
  }

  private mkdirs(dir: string): void {
    for (let d = dir; !this.dirs.has(d); d = path.dirname(d)) this.dirs.add(d);
  }

  private injected(file: string): void {
    if (this.failWrites && this.failWrites.count > 0) {
      this.failWrites.count -= 1;
      throw errno(this.failWrites.code, file);
    }
  }

  read(file: string): Promise<string | undefined> {
    return Promise.resolve(this.files.get(file));
  }

  write(file: string, text: string): Promise<void> {
    this.injected(file);
    this.put(file, text);
    return Promise.resolve();
  }

  create(file: string, text: string): Promise<void> {
    if (this.files.has(file) || this.dirs.has(file)) return Promise.reject(errno('EEXIST', file));
    if (!this.dirs.has(path.dirname(file))) return Promise.reject(errno('ENOENT', file));
    this.injected(file);
    this.files.set(file, text);
    return Promise.resolve();
  }

  mkdir(dir: string, options?: { recursive?: boolean }): Promise<void> {
    if (options?.recursive) {
      this.mkdirs(dir);
      return Promise.resolve();
    }
    if (this.dirs.has(dir) || this.files.has(dir)) return Promise.reject(errno('EEXIST', dir));
    if (!this.dirs.has(path.dirname(dir))) return Promise.reject(errno('ENOENT', dir));
    this.dirs.add(dir);
    return Promise.resolve();
  }

  remove(p: string): Promise<void> {
    this.files.delete(p);
    this.dirs.delete(p);
    for (const f of [...this.files.keys()]) if (f.startsWith(`${p}/`)) this.files.delete(f);
    for (const d of [...this.dirs]) if (d.startsWith(`${p}/`)) this.dirs.delete(d);
    return Promise.resolve();
  }

  list(dir: string): Promise<DirEntry[]> {
    if (!this.dirs.has(dir)) return Promise.reject(errno('ENOENT', dir));
    const out = new Map<string, boolean>();
    const prefix = dir === '/' ? '/' : `${dir}/`;
    for (const d of this.dirs)
      if (d.startsWith(prefix) && !d.slice(prefix.length).includes('/') && d !== dir)
        out.set(d.slice(prefix.length), true);
    for (const f of this.files.keys())
      if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/'))
        out.set(f.slice(prefix.length), false);
    return Promise.resolve([...out].map(([name, isDir]) => ({ name, dir: isDir })));
  }

  kind(p: string): Promise<'file' | 'dir' | undefined> {
    return Promise.resolve(this.files.has(p) ? 'file' : this.dirs.has(p) ? 'dir' : undefined);
  }

  realpath(p: string): Promise<string | undefined> {
    return Promise.resolve(this.files.has(p) || this.dirs.has(p) ? p : undefined);
  }

  tempDir(prefix: string): Promise<string> {
    const dir = `/tmp/${prefix}${++this.temp}`;
    this.mkdirs(dir);
    return Promise.resolve(dir);
  }
}

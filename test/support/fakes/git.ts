// The Git port in memory, over MemoryFiles as the working tree: commits are snapshots of the
// tracked files, the index a snapshot too. Enough git for hotfix's own use of it (branches,
// --only commits, --no-ff merges with conflicts, tags), checked against the real thing by the
// end-to-end tests that keep a real repository.
import path from 'node:path';
import type { Git, MergeResult } from '../../../src/adapters/git.js';
import { infraError } from '../../../src/core/errors.js';
import type { MemoryFiles } from './files.js';

type Tree = Map<string, string>;
interface Commit {
  id: string;
  tree: Tree;
  parents: string[];
  message: string;
}

const gitFailed = (what: string, why: string) =>
  infraError('GIT_FAILED', `git ${what} failed: ${why}`, { hint: 'Fix what git reports, then retry.' });

export class MemoryGit implements Git {
  readonly commits = new Map<string, Commit>();
  readonly branches = new Map<string, string>();
  readonly tags = new Map<string, string>();
  readonly pushed: { remote: string; refs: string[] }[] = [];
  head_: { branch: string } | { detached: string };
  index: Tree = new Map();
  mergeHead: string | undefined;
  email: string | undefined = 'oncall@example.com';
  remoteNames: string[] = [];
  /** Fault injection: the next commits fail with this message while > 0 are left. */
  failCommits: { why: string; count: number } | undefined;
  private next = 0;

  constructor(
    private readonly files: MemoryFiles,
    readonly root: string,
    base = 'main',
  ) {
    files.put(path.join(root, '.git', 'HEAD'), `ref: refs/heads/${base}\n`);
    this.head_ = { branch: base };
  }

  /** Commits the whole working tree on the current branch (a test's own `git commit -am`). */
  commitAll(message: string): string {
    this.index = this.worktree();
    return this.record(message, new Map(this.index));
  }

  private record(message: string, tree: Tree, extraParent?: string): string {
    const id = (++this.next).toString(16).padStart(40, '0');
    const parent = this.headCommit();
    this.commits.set(id, {
      id,
      tree,
      parents: [...(parent ? [parent] : []), ...(extraParent ? [extraParent] : [])],
      message,
    });
    if ('branch' in this.head_) this.branches.set(this.head_.branch, id);
    else this.head_ = { detached: id };
    return id;
  }

  private headCommit(): string | undefined {
    return 'branch' in this.head_ ? this.branches.get(this.head_.branch) : this.head_.detached;
  }

  private headTree(): Tree {
    const id = this.headCommit();
    return id ? this.commits.get(id)!.tree : new Map();
  }

  private ignored(rel: string): boolean {
    if (rel.startsWith('.git/')) return true;
    for (let dir = path.posix.dirname(rel); dir !== '.'; dir = path.posix.dirname(dir)) {
      const ignore = this.files.files.get(path.join(this.root, dir, '.gitignore'));
      if (ignore?.split('\n').includes('*')) return true;
    }
    return false;
  }

  private worktree(): Tree {
    const tree: Tree = new Map();
    for (const rel of this.files.under(this.root)) {
      if (!this.ignored(rel)) tree.set(rel, this.files.files.get(path.join(this.root, rel))!);
    }
    return tree;
  }

  private resolve(ref: string): string | undefined {
    if (ref === 'HEAD') return this.headCommit();
    if (ref === 'MERGE_HEAD') return this.mergeHead;
    const name = ref.replace(/\^\{commit\}$/, '');
    if (name.startsWith('refs/heads/')) return this.branches.get(name.slice(11));
    if (name.startsWith('refs/tags/')) return this.tags.get(name.slice(10));
    return this.branches.get(name) ?? this.tags.get(name) ?? (this.commits.has(name) ? name : undefined);
  }

  private ancestors(id: string): Set<string> {
    const seen = new Set<string>();
    const todo = [id];
    while (todo.length > 0) {
      const c = todo.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      todo.push(...(this.commits.get(c)?.parents ?? []));
    }
    return seen;
  }

  private matches(rel: string, paths: readonly string[]): boolean {
    return paths.some((p) => p === rel || rel.startsWith(`${p.replace(/\/$/, '')}/`) || p === '.');
  }

  /**
   * Replaces the tracked files of the working tree with `tree`'s (untracked files stay); as git
   * does, a folder left empty by a removed file goes too.
   */
  private switchTo(tree: Tree): void {
    for (const rel of this.headTree().keys())
      if (!tree.has(rel)) {
        this.files.files.delete(path.join(this.root, rel));
        this.pruneEmpty(path.dirname(path.join(this.root, rel)));
      }
    for (const [rel, text] of tree) this.files.put(path.join(this.root, rel), text);
    this.index = new Map(tree);
  }

  private pruneEmpty(dir: string): void {
    for (let d = dir; d.startsWith(`${this.root}/`); d = path.dirname(d)) {
      const inside = `${d}/`;
      const used =
        [...this.files.files.keys()].some((f) => f.startsWith(inside)) ||
        [...this.files.dirs].some((x) => x.startsWith(inside));
      if (used) return;
      this.files.dirs.delete(d);
    }
  }

  currentBranch = () => Promise.resolve('branch' in this.head_ ? this.head_.branch : undefined);

  dirtyPaths = (): Promise<string[]> => {
    const head = this.headTree();
    const work = this.worktree();
    const out = new Set<string>();
    for (const rel of new Set([...head.keys(), ...work.keys(), ...this.index.keys()])) {
      if (head.get(rel) !== this.index.get(rel) || this.index.get(rel) !== work.get(rel)) out.add(rel);
    }
    return Promise.resolve([...out].sort());
  };

  branchExists = (branch: string) => Promise.resolve(this.branches.has(branch));

  createBranch = async (branch: string, from: string) => {
    if (this.branches.has(branch))
      throw gitFailed('checkout -b', `fatal: a branch named '${branch}' already exists`);
    const id = this.resolve(from);
    if (!id) throw gitFailed('checkout -b', `fatal: '${from}' is not a commit`);
    // The working tree is carried over (both are the same commit for hotfix's use).
    this.branches.set(branch, id);
    this.head_ = { branch };
    return Promise.resolve();
  };

  /** git checkout --detach: HEAD on the same commit, on no branch. */
  detach(): void {
    this.head_ = { detached: this.headCommit()! };
  }

  checkout = async (branch: string) => {
    const id = this.branches.get(branch);
    if (!id)
      throw gitFailed('checkout', `error: pathspec '${branch}' did not match any file(s) known to git`);
    const tree = this.commits.get(id)!.tree;
    const head = this.headTree();
    const work = this.worktree();
    const blocked = [...new Set([...head.keys(), ...tree.keys()])].filter(
      (rel) => head.get(rel) !== tree.get(rel) && work.get(rel) !== head.get(rel),
    );
    if (blocked.length > 0)
      throw gitFailed(
        'checkout',
        `error: Your local changes to the following files would be overwritten by checkout: ${blocked.join(' ')}`,
      );
    const dirty = await this.dirtyPaths();
    const keep = new Map(dirty.filter((rel) => work.has(rel)).map((rel) => [rel, work.get(rel)!]));
    this.switchTo(tree);
    this.head_ = { branch };
    for (const [rel, text] of keep) this.files.put(path.join(this.root, rel), text);
  };

  deleteBranch = (branch: string) => {
    if (!this.branches.delete(branch))
      return Promise.reject(gitFailed('branch -D', `error: branch '${branch}' not found`));
    return Promise.resolve();
  };

  userEmail = () => Promise.resolve(this.email);

  add = (paths: readonly string[]) => {
    const work = this.worktree();
    for (const rel of new Set([...this.index.keys(), ...work.keys()])) {
      if (!this.matches(rel, paths)) continue;
      const text = work.get(rel);
      if (text === undefined) this.index.delete(rel);
      else this.index.set(rel, text);
    }
    return Promise.resolve();
  };

  unstage = (paths: readonly string[]) => {
    const head = this.headTree();
    for (const rel of new Set([...this.index.keys(), ...head.keys()])) {
      if (!this.matches(rel, paths)) continue;
      const text = head.get(rel);
      if (text === undefined) this.index.delete(rel);
      else this.index.set(rel, text);
    }
    return Promise.resolve();
  };

  commit = (message: string, paths: readonly string[]) => {
    if (this.failCommits && this.failCommits.count > 0) {
      this.failCommits.count -= 1;
      return Promise.reject(gitFailed('commit', this.failCommits.why));
    }
    // --only: the named paths as they are in the working tree, on top of HEAD.
    const tree = new Map(this.headTree());
    const work = this.worktree();
    let changed = false;
    for (const rel of new Set([...tree.keys(), ...work.keys()])) {
      if (!this.matches(rel, paths)) continue;
      const text = work.get(rel);
      if (text !== tree.get(rel)) changed = true;
      if (text === undefined) {
        tree.delete(rel);
        this.index.delete(rel);
      } else {
        tree.set(rel, text);
        this.index.set(rel, text);
      }
    }
    if (!changed && this.mergeHead === undefined)
      return Promise.reject(gitFailed('commit', 'nothing to commit'));
    const merging = this.mergeHead;
    this.mergeHead = undefined;
    return Promise.resolve(this.record(message, tree, merging));
  };

  head = () => Promise.resolve(this.headCommit());

  resetSoft = (commit: string) => {
    if ('branch' in this.head_) this.branches.set(this.head_.branch, commit);
    else this.head_ = { detached: commit };
    return Promise.resolve();
  };

  show = (ref: string, file: string) => {
    const id = this.resolve(ref);
    return Promise.resolve(id ? this.commits.get(id)!.tree.get(file) : undefined);
  };

  listFiles = (ref: string, dir: string) => {
    const id = this.resolve(ref);
    if (!id) return Promise.resolve([]);
    return Promise.resolve(
      [...this.commits.get(id)!.tree.keys()].filter((f) => f.startsWith(`${dir}/`)).sort(),
    );
  };

  localBranches = (pattern: string) => {
    const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    return Promise.resolve([...this.branches.keys()].filter((b) => re.test(b)).sort());
  };

  commonDir = () => Promise.resolve(path.join(this.root, '.git'));
  gitDir = () => Promise.resolve(path.join(this.root, '.git'));
  behindUpstream = () => Promise.resolve(undefined);
  fetchUpstream = () => Promise.resolve();
  resolveRef = (ref: string) => Promise.resolve(this.resolve(ref));

  isAncestor = (commit: string, of: string) => {
    const a = this.resolve(commit);
    const b = this.resolve(of);
    return Promise.resolve(a !== undefined && b !== undefined && this.ancestors(b).has(a));
  };

  merge = (branch: string, message: string): Promise<MergeResult> => {
    const theirs = this.resolve(branch);
    const ours = this.headCommit();
    if (!theirs || !ours)
      return Promise.reject(gitFailed('merge', `merge: ${branch} - not something we can merge`));
    if (this.ancestors(ours).has(theirs)) return Promise.resolve({ merged: true, commit: ours }); // up to date
    const mine = this.ancestors(ours);
    const common = [...this.ancestors(theirs)].filter((c) => mine.has(c));
    // The merge base: a common ancestor that is no proper ancestor of another common one.
    const base = common.find((c) => !common.some((d) => d !== c && this.ancestors(d).has(c)));
    const [b, o, t] = [
      base ? this.commits.get(base)!.tree : new Map<string, string>(),
      this.headTree(),
      this.commits.get(theirs)!.tree,
    ];
    const tree: Tree = new Map(o);
    const conflicts: string[] = [];
    for (const rel of new Set([...b.keys(), ...o.keys(), ...t.keys()])) {
      const [vb, vo, vt] = [b.get(rel), o.get(rel), t.get(rel)];
      if (vo === vt || vt === vb) continue;
      if (vo === vb) {
        if (vt === undefined) tree.delete(rel);
        else tree.set(rel, vt);
        continue;
      }
      conflicts.push(rel);
      tree.set(rel, `<<<<<<< HEAD\n${vo ?? ''}=======\n${vt ?? ''}>>>>>>> ${branch}\n`);
    }
    this.switchTo(tree);
    if (conflicts.length > 0) {
      this.mergeHead = theirs;
      for (const rel of conflicts) this.index.delete(rel);
      return Promise.resolve({ merged: false, conflicts: conflicts.sort() });
    }
    return Promise.resolve({ merged: true, commit: this.record(message, tree, theirs) });
  };

  mergeInProgress = () => Promise.resolve(this.mergeHead !== undefined);
  /** Set by a test: a rebase or cherry-pick a person has under way. */
  operation: 'rebase' | 'cherry-pick' | 'revert' | undefined;
  inProgress = () => Promise.resolve(this.mergeHead !== undefined ? ('merge' as const) : this.operation);
  identity = () => Promise.resolve(this.email ? `On Call <${this.email}> 1765101600 +0000` : undefined);

  tag = (name: string) => {
    if (this.tags.has(name)) return Promise.reject(gitFailed('tag', `fatal: tag '${name}' already exists`));
    this.tags.set(name, this.headCommit()!);
    return Promise.resolve();
  };

  push = (remote: string, refs: readonly string[]) => {
    this.pushed.push({ remote, refs: [...refs] });
    return Promise.resolve();
  };

  remotes = () => Promise.resolve(this.remoteNames);
}

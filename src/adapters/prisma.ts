import { fileURLToPath } from 'node:url';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { infraError } from '../core/errors.js';
import {
  buildPrismaArgv,
  majorOf,
  type ArgvContext,
  type PrismaCommand,
  type PrismaMajor,
} from '../core/prisma-argv.js';
import { classifyPrismaOutput, engineMissing, type PrismaOutcome } from '../core/prisma-output.js';
import { secretsOfUrl, withoutRowValues } from '../core/redact.js';
import type { Exec, ExecResult } from './exec.js';
import { ownSessionName } from './interrupt.js';
import type { PrismaTarget } from '../core/target.js';

export type { PrismaTarget } from '../core/target.js';

/**
 * PostgreSQL: prisma's sessions carry this process's name (application_name, which Prisma's
 * URL accepts), so that an interrupt can end them; a name the user chose is kept.
 */
function named(target: PrismaTarget): string | undefined {
  const url = target.url;
  if (url === undefined || target.provider !== 'postgresql' || /[?&]application_name=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${encodeURIComponent(ownSessionName('prisma'))}`;
}

export interface PrismaRunResult extends ExecResult {
  outcome: PrismaOutcome;
}

export interface Prisma {
  version: string;
  major: PrismaMajor;
  /** How it was found, for messages: a path or "pnpm exec prisma". */
  via: string;
  argv(command: PrismaCommand, target: PrismaTarget): string[];
  run(
    command: PrismaCommand,
    target: PrismaTarget,
    options?: { input?: string; timeoutMs?: number },
  ): Promise<PrismaRunResult>;
}

interface Located {
  file: string;
  prefix: string[];
  via: string;
  /** package.json of the prisma package, when we can read the version without spawning. */
  packageJson: string | undefined;
}

/** Walks up from `start` to `boundary` (inclusive): a workspace root, never past the repository. */
function findUp(start: string, relative: string, boundary: string): string | undefined {
  let dir = path.resolve(start);
  const stop = path.resolve(boundary);
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (dir === stop || parent === dir) return undefined;
    dir = parent;
  }
}

/** The project's own prisma: node_modules/.bin (walking up, for workspaces), else its package manager. */
async function locate(root: string, boundary: string): Promise<Located | undefined> {
  const bin = findUp(root, path.join('node_modules', '.bin', 'prisma'), boundary);
  if (bin) {
    let packageJson: string | undefined;
    try {
      // .bin/prisma links to <pkg>/build/index.js: the package.json is two levels up.
      const real = await fs.realpath(bin);
      const candidate = path.join(path.dirname(path.dirname(real)), 'package.json');
      if (existsSync(candidate)) packageJson = candidate;
    } catch {
      // A copied (not linked) bin: fall back to `prisma --version`.
    }
    return { file: bin, prefix: [], via: bin, packageJson };
  }
  const managers: [string, string, string[]][] = [
    ['pnpm-lock.yaml', 'pnpm', ['exec', 'prisma']],
    ['yarn.lock', 'yarn', ['prisma']],
    ['bun.lock', 'bunx', ['prisma']],
    ['bun.lockb', 'bunx', ['prisma']],
    ['package-lock.json', 'npx', ['--no-install', 'prisma']],
  ];
  for (const [lockfile, file, prefix] of managers) {
    if (findUp(root, lockfile, boundary))
      return { file, prefix, via: `${file} ${prefix.join(' ')}`, packageJson: undefined };
  }
  return undefined;
}

const VERSION_LINE = /^prisma\s*:\s*(\d+\.\d+\.\d+\S*)/im;

/**
 * Finds the project's prisma and reads its version once (from its package.json when it can:
 * spawning `prisma --version` costs about a second).
 */
export async function openPrisma(
  root: string,
  schema: string,
  exec: Exec,
  boundary: string = root,
): Promise<Prisma> {
  const located = await locate(root, boundary);
  if (!located) {
    throw infraError('PRISMA_MISSING', `No prisma CLI found for ${root}.`, {
      hint: 'Install it in the project: npm install -D prisma',
    });
  }
  let version: string | undefined;
  if (located.packageJson) {
    const pkg = JSON.parse(await fs.readFile(located.packageJson, 'utf8')) as {
      name?: string;
      version?: string;
    };
    if (pkg.name === 'prisma' && pkg.version) version = pkg.version;
  }
  if (!version) {
    const result = await exec(located.file, [...located.prefix, '--version'], {
      cwd: root,
      timeoutMs: 60_000,
    });
    version = VERSION_LINE.exec(result.stdout)?.[1];
    if (result.exitCode !== 0 || !version) {
      throw infraError('PRISMA_VERSION', `Could not read the prisma version through ${located.via}.`, {
        hint: 'Check that prisma is installed in the project (npx prisma --version).',
        details: { stderr: result.stderr.slice(-2000) },
      });
    }
  }
  const major = majorOf(version);
  const context = (target: PrismaTarget): ArgvContext => ({ schema, prismaConfig: target.prismaConfig });
  return {
    version,
    major,
    via: located.via,
    argv: (command, target) => buildPrismaArgv(major, command, context(target)),
    run: async (command, target, options = {}) => {
      const args = [...located.prefix, ...buildPrismaArgv(major, command, context(target))];
      const env: Record<string, string | undefined> = {
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      };
      const url = named(target);
      if (url !== undefined) env[target.urlEnv] = url;
      const raw = await exec(located.file, args, {
        cwd: root,
        env,
        input: options.input,
        timeoutMs: options.timeoutMs,
        secrets: secretsOfUrl(target.url),
      });
      // The database's words about a failed statement can quote production rows (DETAIL: Key
      // (email)=(...)); what prisma says goes into messages and the ledger only without them.
      const result = { ...raw, stdout: withoutRowValues(raw.stdout), stderr: withoutRowValues(raw.stderr) };
      const engine = result.exitCode !== 0 ? engineMissing(`${result.stderr}\n${result.stdout}`) : undefined;
      if (engine) throw engineError(engine.why);
      // migrate diff --exit-code uses 2 for "there is a difference": not an error.
      const outcome =
        command.kind === 'diff' && result.exitCode === 2
          ? ({ kind: 'ok' } as const)
          : classifyPrismaOutput(result.exitCode, result.stdout, result.stderr);
      return { ...result, outcome };
    },
  };
}

/** The stand-in engine hotfix ships (support/schema-engine), from dist/adapters/ or src/adapters/. */
const STAND_IN = fileURLToPath(new URL('../../support/schema-engine/schema-engine.mjs', import.meta.url));

function engineError(why: string): Error {
  return infraError('PRISMA_ENGINE_MISSING', `prisma could not start: ${why}. Nothing ran.`, {
    hint: `Use the Wasm schema engine hotfix ships (PostgreSQL and SQLite): export PRISMA_SCHEMA_ENGINE_BINARY=${STAND_IN}. Or let prisma download its engine once (PRISMA_ENGINES_MIRROR for a mirror). README: "Prisma's schema engine".`,
    details: { standIn: STAND_IN },
  });
}

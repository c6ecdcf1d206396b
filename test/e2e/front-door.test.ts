// The front door (issue 22): the package as a user gets it. `npm pack` of this repository,
// installed into a new Prisma 7 project with npm, runs `npx hotfix --help` and `status`; the
// stand-in engine it ships works through its one documented line; and with the engine missing,
// the first command that needs it names the problem and the fix, with nothing recorded.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { git } from '../support/git.js';
import { repoRoot } from '../support/hotfix.js';
import { queryEnginePlaceholder } from '../support/prisma-project.js';

const PRISMA_VERSION = (
  JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', 'prisma', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe.sequential('npm pack, installed into a new Prisma 7 project', () => {
  let dir: string;
  let app: string;
  let tarball: string;
  const standIn = () =>
    path.join(app, 'node_modules', 'prisma-hotfix', 'support', 'schema-engine', 'schema-engine.mjs');
  // No inherited PRISMA_SCHEMA_ENGINE_BINARY: the user's shell before they set anything.
  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? dir,
    NO_COLOR: '1',
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    PRISMA_QUERY_ENGINE_LIBRARY: queryEnginePlaceholder(),
    DATABASE_URL: 'file:./dev.db',
    ...extra,
  });
  const npx = (args: string[], extra: Record<string, string> = {}) =>
    execa('npx', ['--no-install', ...args], {
      cwd: app,
      env: env(extra),
      extendEnv: false,
      reject: false,
      timeout: 180_000,
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hotfix-front-door-'));
    // dist/ is built by the test run (pretest); --ignore-scripts keeps pack from building again.
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: repoRoot,
    });
    const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(dir, info[0]!.filename);
    expect(info[0]!.files.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'bin/hotfix.js',
        'dist/bin.js',
        'support/schema-engine/schema-engine.mjs',
        'action.yml',
      ]),
    );

    app = path.join(dir, 'app');
    mkdirSync(path.join(app, 'prisma', 'migrations', '20240101000000_init'), { recursive: true });
    writeFileSync(
      path.join(app, 'package.json'),
      `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`,
    );
    writeFileSync(
      path.join(app, 'prisma', 'schema.prisma'),
      'datasource db {\n  provider = "sqlite"\n}\n\nmodel Post {\n  id    Int    @id\n  title String\n}\n',
    );
    writeFileSync(
      path.join(app, 'prisma.config.ts'),
      "import { defineConfig, env } from 'prisma/config';\nexport default defineConfig({ schema: 'prisma/schema.prisma', datasource: { url: env('DATABASE_URL') } });\n",
    );
    writeFileSync(
      path.join(app, 'prisma', 'migrations', '20240101000000_init', 'migration.sql'),
      'CREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "title" TEXT NOT NULL);\n',
    );
    writeFileSync(path.join(app, 'prisma', 'migrations', 'migration_lock.toml'), 'provider = "sqlite"\n');
    writeFileSync(path.join(app, '.gitignore'), 'node_modules\n*.db\n');
    const install = await execa(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '-D', tarball, `prisma@${PRISMA_VERSION}`],
      { cwd: app, reject: false, timeout: 600_000 },
    );
    expect(install.exitCode, install.stderr).toBe(0);
    git(app, 'init', '-q', '-b', 'main');
    git(app, 'config', 'user.email', 'oncall@example.com');
    git(app, 'config', 'user.name', 'On Call');
    git(app, 'add', '-A');
    git(app, 'commit', '-qm', 'app');
  }, 900_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('npx hotfix --help and npx hotfix status work', async () => {
    const help = await npx(['hotfix', '--help']);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: hotfix');
    const status = await npx(['hotfix', 'status']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain('No hotfixes recorded');
  });

  test("the shipped stand-in engine works through the README's one line", async () => {
    const deploy = await npx(['prisma', 'migrate', 'deploy'], { PRISMA_SCHEMA_ENGINE_BINARY: standIn() });
    expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(0);
    expect(deploy.stdout + deploy.stderr).toContain('20240101000000_init');
  });

  test('the engine missing: PRISMA_ENGINE_MISSING (exit 4) with the fix; nothing ran, nothing recorded', async () => {
    writeFileSync(path.join(dir, 'fix.sql'), 'CREATE INDEX "Post_title_idx" ON "Post"("title");\n');
    const start = await npx([
      'hotfix',
      'start',
      'title-index',
      '--sql',
      path.join(dir, 'fix.sql'),
      '--no-schema-check',
    ]);
    expect(start.exitCode, start.stdout + start.stderr).toBe(0);
    const ledgerFile = path.join(app, '.hotfix', 'title-index.json');
    const ledger = readFileSync(ledgerFile, 'utf8');
    const head = git(app, 'rev-parse', 'HEAD');
    const missing = path.join(dir, 'no-such-engine');
    const deploy = ['hotfix', 'deploy', 'title-index', '--env', 'production', '--yes'];
    const r = await npx([...deploy, '--no-rollback-plan', '--reason', 'front-door test'], {
      PRISMA_SCHEMA_ENGINE_BINARY: missing,
    });
    expect(r.exitCode, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toContain('PRISMA_ENGINE_MISSING');
    expect(r.stderr).toContain(`PRISMA_SCHEMA_ENGINE_BINARY points at ${missing}, which does not exist`);
    expect(r.stderr).toContain(`export PRISMA_SCHEMA_ENGINE_BINARY=${standIn()}`);
    expect(r.stderr).toContain('nothing was recorded');
    expect(readFileSync(ledgerFile, 'utf8')).toBe(ledger);
    expect(git(app, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(app, 'status', '--porcelain')).toBe('');
  });
});

// The bugs the plan/apply restructure fixed, end to end on PostgreSQL with the real Prisma 7 CLI:
// an interrupted resolve is settled as a resolve (it was settled as a deploy), and a rollback
// dry run refuses where the real run refuses (it printed a plan and exited 0).
import { describe, expect, test } from 'vitest';
import { pgQuery, prismaMigrations } from '../support/db.js';
import { git, snapshot } from '../support/git.js';
import { leaveIntent, ledgerEvents, runHotfix, startWithSql } from '../support/hotfix.js';
import { runPrisma } from '../support/prisma-project.js';
import { type TwoEnvProject, useTwoEnvProject } from '../support/scenario.js';

const events = (s: TwoEnvProject, name: string) => ledgerEvents(s, name).map((e) => `${e.type}:${e.outcome}`);

describe('plan/apply fixes (PostgreSQL)', () => {
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'planfix' });

  // Typed ("resolve-applied") and as older ledgers wrote it ("migrate resolve --applied").
  test.each(['resolve-applied', 'migrate resolve --applied'])(
    'a resolve killed after prisma marked it, then deploy: recorded as resolved, not deployed (%s)',
    async (action) => {
      const name = action === 'resolve-applied' ? 'idx-typed' : 'idx-legacy';
      const index = `Post_${name.replace('-', '_')}_idx`;
      const sql = `CREATE INDEX "${index}" ON "Post"("title");\n`;
      const migration = await startWithSql(s, name, sql, `DROP INDEX "${index}";\n`);
      // Production patched by hand; the resolve's prisma child finished before hotfix was killed.
      await pgQuery(s.prodUrl, sql);
      const marked = await runPrisma(s.project, ['migrate', 'resolve', '--applied', migration], {
        env: { DATABASE_URL: s.prodUrl },
      });
      expect(marked.exitCode, marked.all).toBe(0);
      leaveIntent(s, name, {
        command: 'resolve',
        migration,
        env: 'production',
        details: { action, check: 'catalog check: index present' },
      });

      const r = await runHotfix(s.project.dir, ['deploy', name, '--env', 'production', '--yes'], s.env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `an earlier resolve was interrupted; the database shows ${migration} applied: recorded as done`,
      );
      expect(r.stdout).toContain('already applied');
      expect(events(s, name).slice(-2)).toEqual(['intent:pending', 'resolved:ok']);
      const status = JSON.parse((await runHotfix(s.project.dir, ['status', name, '--json'], s.env)).stdout);
      expect(status.hotfixes[0].envs).toEqual([
        expect.objectContaining({ name: 'production', state: 'resolved' }),
      ]);
      expect(git(s.project.dir, 'status', '--porcelain')).toBe('');
      // Applied once, by hand: deploy ran nothing.
      expect((await prismaMigrations(s.prodUrl)).filter((m) => m.migration_name === migration)).toHaveLength(
        1,
      );
    },
  );

  test('rollback --dry-run on the base branch refuses like the real run (NOT_ON_HOTFIX_BRANCH)', async () => {
    const migration = await startWithSql(
      s,
      'add-karma',
      'ALTER TABLE "User" ADD COLUMN "karma" INTEGER;\n',
      'ALTER TABLE "User" DROP COLUMN "karma";\n',
    );
    const d = await runHotfix(s.project.dir, ['deploy', 'add-karma', '--env', 'staging'], s.env);
    expect(d.exitCode, d.stderr).toBe(0);
    git(s.project.dir, 'checkout', '-q', 'main');
    git(s.project.dir, 'merge', '-q', '--no-edit', 'hotfix/add-karma');

    const before = snapshot(s.project.dir);
    const dry = await runHotfix(
      s.project.dir,
      ['rollback', 'add-karma', '--env', 'staging', '--dry-run', '--json'],
      s.env,
    );
    const real = await runHotfix(
      s.project.dir,
      ['rollback', 'add-karma', '--env', 'staging', '--json'],
      s.env,
    );
    for (const r of [dry, real]) {
      expect(r.exitCode, r.stderr).toBe(2);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'NOT_ON_HOTFIX_BRANCH' });
      expect(r.stderr).toContain('git checkout hotfix/add-karma');
    }
    expect(snapshot(s.project.dir)).toEqual(before);
    expect((await prismaMigrations(s.stagingUrl)).filter((m) => m.migration_name === migration)).toHaveLength(
      1,
    );

    // On the hotfix branch the same dry run plans the roll forward and says what it would ask.
    git(s.project.dir, 'checkout', '-q', 'hotfix/add-karma');
    const plan = await runHotfix(
      s.project.dir,
      ['rollback', 'add-karma', '--env', 'staging', '--dry-run'],
      s.env,
    );
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /Plan\n {2}1\. write and commit prisma\/migrations\/\d{14}_revert_add_karma\/migration\.sql/,
    );
    expect(plan.stdout).toContain('prisma migrate deploy');
  });
});

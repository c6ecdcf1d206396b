// A password with URL-encoded specials (p%40ss%3Aw%2Frd, that is p@ss:w/rd) as a canary through
// every command that touches a database, on real PostgreSQL (trust auth ignores the password,
// so every command really runs), through successes and failures alike: absent, decoded or
// encoded, from stdout, stderr, --json, the ledgers, commit messages and `git log -p`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { git } from '../support/git.js';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { PROD_ENV, useTwoEnvProject } from '../support/scenario.js';

const PASSWORD = 'p%40ss%3Aw%2Frd';
const LEAKS = [/p@ss/, /ss:w/, /w\/rd/, /p%40ss/i, /ss%3Aw/i, /w%2Frd/i];

describe.sequential('an encoded password never leaks (PostgreSQL)', () => {
  const seen: string[] = [];
  const hotfix = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runHotfix(s.project.dir, args, { ...s.env, ...extra });
    seen.push(`$ hotfix ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  const s = useTwoEnvProject(
    { provider: 'postgresql', prefix: 'secrets_enc', password: PASSWORD },
    async (s) => {
      await startWithSql(
        s,
        'canary',
        'ALTER TABLE "User" ADD COLUMN "canary" TEXT;\n',
        'ALTER TABLE "User" DROP COLUMN "canary";\n',
      );
    },
  );

  test('the URLs carry the canary', () => {
    expect(s.env[PROD_ENV]).toContain(`:${PASSWORD}@`);
  });

  test('every command, in text and --json, succeeding and failing', async () => {
    const unreachable = { [PROD_ENV]: s.env[PROD_ENV]!.replace(/@[^/]+\//, '@127.0.0.1:1/') };
    const runs: [string[], Record<string, string>?][] = [
      [['deploy', 'canary', '--env', 'staging', '--dry-run', '--json']],
      [['deploy', 'canary', '--env', 'staging']],
      [['status', 'canary', '--json']],
      [['verify', '--env', 'production', '--env', 'staging', '--json']],
      [['verify', '--env', 'production'], unreachable],
      [['resolve', 'canary', '--env', 'production', '--yes', '--json']],
      [['deploy', 'canary', '--env', 'production', '--yes'], unreachable],
      [['deploy', 'canary', '--env', 'production', '--yes', '--json'], unreachable],
      [['rollback', 'canary', '--env', 'staging', '--json']],
      [['report', 'canary', '--env', 'staging']],
      [['checklist', 'canary', '--json']],
      [['deploy', 'canary', '--env', 'production', '--yes']],
    ];
    for (const [args, extra] of runs) await hotfix(args, extra);
    // The failures really failed and the successes really ran: the canary went through both.
    expect(seen.some((t) => /DB_UNREACHABLE|unreachable|Cannot reach/i.test(t))).toBe(true);
    expect(seen.some((t) => t.includes('Deployed to staging'))).toBe(true);
    for (const text of seen) for (const leak of LEAKS) expect(text, text).not.toMatch(leak);
  });

  test('nor in the ledger, the commit messages or git log -p', () => {
    const dir = path.join(s.project.dir, '.hotfix');
    const ledgers = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'));
    expect(ledgers.length).toBeGreaterThan(0);
    const history = git(s.project.dir, 'log', '-p', '--all');
    expect(history).toContain('.hotfix/canary.json');
    for (const text of [...ledgers, history]) for (const leak of LEAKS) expect(text).not.toMatch(leak);
  });
});

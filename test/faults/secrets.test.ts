// A password must never be printed, whatever the URL looks like. An unencoded "@", ":" or "/"
// in it makes the URL unparseable; the error still shows the URL's shape, and that shape once
// masked only up to the first "@", leaving the rest of the password in every --json document.
import { describe, expect, it } from 'vitest';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { PROD_ENV, STAGING_ENV, useTwoEnvProject } from '../support/scenario.js';

const CANARY_URLS = [
  'postgresql://u:p@ss:w/rd@db.internal:5432/shop',
  'postgresql://u:p@ss:w/rd@db.internal/shop?schema=public',
  'mysql://root:p@ss:w/rd@db.internal:3306/shop',
];
// Any of these in the output is a leak (the password, its tail, or its encoded form).
const LEAKS = [/p@ss/, /ss:w/, /w\/rd/, /p%40ss/i];

let name: string;

const s = useTwoEnvProject({ provider: 'sqlite', prefix: 'secrets' }, async (s) => {
  name = 'leak-check';
  await startWithSql(
    s,
    name,
    'CREATE INDEX "Post_title_idx" ON "Post"("title");\n',
    'DROP INDEX "Post_title_idx";\n',
  );
});

const commands = (hotfix: string): string[][] => [
  ['verify', '--env', 'production'],
  ['deploy', hotfix, '--env', 'production', '--yes'],
  ['resolve', hotfix, '--env', 'production', '--yes'],
  ['rollback', hotfix, '--env', 'production', '--yes'],
  ['deploy', hotfix, '--env', 'production', '--dry-run'],
];

describe('a password with unencoded specials never reaches the output', () => {
  for (const url of CANARY_URLS) {
    it(`every command, text and --json: ${url.replace(/:[^@]*@.*@/, ':<canary>@')}`, async () => {
      for (const args of commands(name)) {
        for (const json of [true, false]) {
          const r = await runHotfix(s.project.dir, [...args, ...(json ? ['--json'] : [])], {
            ...s.env,
            [PROD_ENV]: url,
            [STAGING_ENV]: url,
          });
          const where = `hotfix ${args.join(' ')}${json ? ' --json' : ''}`;
          // A malformed URL is a usage error, raised before anything runs.
          expect(r.exitCode, `${where}\n${r.stderr}`).toBe(2);
          for (const leak of LEAKS) {
            expect(r.stdout, `${where} stdout`).not.toMatch(leak);
            expect(r.stderr, `${where} stderr`).not.toMatch(leak);
          }
          if (json) {
            const doc = JSON.parse(r.stdout);
            expect(doc.error.code).toBe('MALFORMED_URL');
            // The shape still helps: scheme, user and host stay readable.
            expect(doc.error.details.shape).toMatch(/^(postgresql|mysql):\/\/(u|root):\*\*\*@db\.internal/);
          }
        }
      }
    });
  }
});

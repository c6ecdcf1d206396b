// Connection failures name their real cause (real PostgreSQL): a login the server refuses is not
// a server that is down, a missing database is neither, and two URL typos get their own words.
import { describe, expect, test } from 'vitest';
import { runHotfix, startWithSql } from '../support/hotfix.js';
import { PROD_ENV, useTwoEnvProject } from '../support/scenario.js';

describe.sequential('connection errors say why (PostgreSQL)', () => {
  let prod: URL;
  const s = useTwoEnvProject({ provider: 'postgresql', prefix: 'connect' }, async (s) => {
    await startWithSql(
      s,
      'conn',
      'ALTER TABLE "User" ADD COLUMN "conn" TEXT;\n',
      'ALTER TABLE "User" DROP COLUMN "conn";\n',
    );
    prod = new URL(s.env[PROD_ENV]!);
  });

  const withUrl = (url: string) => ({ ...s.env, [PROD_ENV]: url });
  const variant = (edit: (u: URL) => void) => {
    const u = new URL(prod.toString());
    edit(u);
    return u.toString();
  };

  test.each([
    {
      what: 'a role the server does not know',
      url: () => variant((u) => (u.username = 'nobody_here')),
      code: 'DB_AUTH_FAILED',
      said: /refused the login[\s\S]*check the user and password/,
    },
    {
      what: 'a database the server does not have',
      url: () => variant((u) => (u.pathname = '/no_such_db_here')),
      code: 'DB_NOT_FOUND',
      said: /no database of that name[\s\S]*check the database name/,
    },
    {
      what: 'TLS required by the URL, and the server has none',
      url: () => variant((u) => u.searchParams.set('sslmode', 'require')),
      code: 'DB_TLS',
      said: /TLS handshake failed[\s\S]*sslmode/,
    },
    {
      what: 'nothing listening on the port',
      url: () => variant((u) => (u.port = '1')),
      code: 'DB_UNREACHABLE',
      said: /no connection[\s\S]*is up and reachable/,
    },
  ])('$what: $code, exit 4, from verify and from deploy', async ({ url, code, said }) => {
    for (const args of [
      ['verify', '--env', 'production'],
      ['deploy', 'conn', '--env', 'production', '--yes'],
    ]) {
      const r = await runHotfix(s.project.dir, args, withUrl(url()));
      expect(r.exitCode, r.stdout + r.stderr).toBe(4);
      expect(r.stdout + r.stderr).toContain(code);
      expect(r.stdout + r.stderr).toMatch(said);
    }
  });

  test.each([
    {
      what: 'a raw "#" in the password',
      url: () => s.env[PROD_ENV]!.replace('postgres@', 'postgres:pa#ss@'),
      said: 'its password holds "#", which a URL cannot carry unencoded',
    },
    {
      what: 'a pasted leading space',
      url: () => ` ${s.env[PROD_ENV]!}`,
      said: 'it starts or ends with whitespace',
    },
  ])('$what: exit 2 MALFORMED_URL saying so, before anything runs', async ({ url, said }) => {
    const r = await runHotfix(
      s.project.dir,
      ['deploy', 'conn', '--env', 'production', '--yes'],
      withUrl(url()),
    );
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('MALFORMED_URL');
    expect(r.stderr).toContain(said);
    expect(r.stderr).not.toContain('pa#ss');
  });
});

// hotfix verify's CI formats against their documented formats: GitHub's workflow commands
// (annotations, escaping), the Markdown job summary, GitLab's code-quality report; and where
// findings point (core/verify/location.ts).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { VerifyResult } from '../../src/commands/verify.js';
import { HotfixError } from '../../src/core/errors.js';
import { finding, locate, type VerifyFinding } from '../../src/core/verify/index.js';
import {
  codeClimate,
  codeClimateError,
  githubAnnotations,
  githubError,
  githubSummary,
  renderGithub,
} from '../../src/ui/verify-ci.js';
import { parseAnnotation, parseAnnotations } from '../support/github-commands.js';

const facts = {
  projectDir: 'apps/api',
  migrationsRel: 'prisma/migrations',
  configFile: 'hotfix.config.json',
};
const M = '20250611021000_post_author_index';

function result(findings: VerifyFinding[], exitCode: 0 | 1 | 4 = 1): VerifyResult {
  const located = findings.map((f) => ({ ...f, location: locate(f, facts) }));
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  return {
    command: 'verify',
    ok: exitCode === 0,
    exitCode,
    strict: false,
    findings: located,
    summary: { errors: count('error'), warnings: count('warning'), infos: count('info') },
    checked: {
      hotfixes: 1,
      migrations: 2,
      envs: [
        {
          name: 'staging',
          database: 'db.internal:5432/app',
          checked: true,
          applied: 2,
          pending: 0,
          failed: 0,
          missing: 0,
          drift: 'none',
          durationMs: 1234,
        },
      ],
    },
  };
}

const lintError = finding('LINT_ERROR', {
  migration: M,
  hotfix: 'post-author-index',
  message: `prisma/migrations/${M}/migration.sql:3 pg-create-index-blocking: CREATE INDEX blocks writes`,
  fix: 'CREATE INDEX CONCURRENTLY',
  details: { rule: 'pg-create-index-blocking', file: `prisma/migrations/${M}/migration.sql`, line: 3 },
});
// Every character the syntax reserves, in the message and in a property (the title has the env).
const tricky = finding('MIGRATION_FAILED', {
  env: 'stag,ing:1',
  migration: M,
  message: '100% failed, at 02:10\r\nERROR: relation "x" exists',
  fix: 'hotfix rollback post-author-index --env staging',
});
const downTemplate = finding('HOTFIX_DOWN_TEMPLATE', {
  migration: M,
  hotfix: 'post-author-index',
  message: 'down',
});
const unmerged = finding('MERGE_CHECK_SKIPPED', { message: 'Branch develop is neither...' });
const noLock = finding('LOCK_FILE_MISSING', { message: 'no lock file' });

describe('where findings point', () => {
  it('lint: its file and line; a migration: migration.sql (down.sql) line 1; else lock file, config, folder', () => {
    expect(locate(lintError, facts)).toEqual({
      file: `apps/api/prisma/migrations/${M}/migration.sql`,
      line: 3,
    });
    expect(locate(tricky, facts)).toEqual({ file: `apps/api/prisma/migrations/${M}/migration.sql`, line: 1 });
    expect(locate(downTemplate, facts)).toEqual({
      file: `apps/api/prisma/migrations/${M}/down.sql`,
      line: 1,
    });
    expect(locate(noLock, facts).file).toBe('apps/api/prisma/migrations/migration_lock.toml');
    expect(locate(unmerged, facts).file).toBe('apps/api/hotfix.config.json');
    expect(locate(unmerged, { ...facts, projectDir: '', configFile: undefined })).toEqual({
      file: 'prisma/migrations',
      line: 1,
    });
  });
});

describe('--format github', () => {
  const r = result([
    lintError,
    tricky,
    downTemplate,
    finding('LINT_WARNING', { message: 'w' }),
    finding('LINT_SUPPRESSED', { message: 'x' }),
  ]);

  it('one annotation per finding in the documented syntax, its severity as the command', () => {
    const lines = githubAnnotations(r);
    expect(lines).toHaveLength(5);
    const parsed = lines.map(parseAnnotation);
    expect(parsed.map((a) => a.command)).toEqual(['error', 'error', 'error', 'warning', 'notice']);
    expect(parsed[0]).toEqual({
      command: 'error',
      properties: {
        file: `apps/api/prisma/migrations/${M}/migration.sql`,
        line: '3',
        title: 'hotfix verify: LINT_ERROR',
      },
      message: `${lintError.message}\nFix: CREATE INDEX CONCURRENTLY`,
    });
  });

  it('escapes %, CR and LF in messages, and also , and : in properties, and decodes back', () => {
    const line = githubAnnotations(result([tricky]))[0]!;
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toContain('title=hotfix verify%3A MIGRATION_FAILED on stag%2Cing%3A1');
    expect(line).toContain('::100%25 failed, at 02:10%0D%0AERROR');
    expect(parseAnnotation(line)).toMatchObject({
      properties: { title: 'hotfix verify: MIGRATION_FAILED on stag,ing:1' },
      message: `${tricky.message}\nFix: ${tricky.fix}`,
    });
  });

  it('the text report follows inside stop-commands, so logs quoted in it are not commands', () => {
    const out = renderGithub(r, 'REPORT\n::error::injected\n', 'tok-123', ['summary not written']);
    const lines = out.trimEnd().split('\n');
    expect(lines.slice(0, 6).every((l) => l.startsWith('::'))).toBe(true);
    expect(lines[5]).toMatch(/^::warning title=hotfix verify::summary not written$/);
    expect(lines.slice(6)).toEqual([
      '::stop-commands::tok-123',
      'REPORT',
      '::error::injected',
      '::tok-123::',
    ]);
    // What the runner reads as commands: only the annotations.
    expect(parseAnnotations(out)).toHaveLength(6);
  });

  it('an error that stopped verify is one error annotation', () => {
    const error = new HotfixError('usage', 'UNKNOWN_ENV', 'Unknown environment "prodution".', {
      hint: 'Known environments: production',
    });
    expect(parseAnnotation(githubError(error).trimEnd())).toEqual({
      command: 'error',
      properties: { title: 'hotfix: UNKNOWN_ENV (exit 2)' },
      message: 'Unknown environment "prodution".\nWhat to do: Known environments: production',
    });
  });

  it('the job summary: verdict, one table row per finding (cells escaped), the environments', () => {
    const md = githubSummary(
      result([lintError, tricky, finding('LINT_WARNING', { message: 'a | b <script>' })]),
    );
    expect(md).toMatch(/^### :x: hotfix verify failed: exit 1, findings of error severity\n/);
    const rows = md.split('\n').filter((l) => l.startsWith('| :'));
    expect(rows).toHaveLength(3);
    // Each row has exactly the 6 columns of the header: no unescaped | inside a cell.
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(6);
    expect(md).toContain('a \\| b &lt;script&gt;');
    expect(md).toContain('100% failed, at 02:10<br>ERROR');
    expect(md).toContain(`\`apps/api/prisma/migrations/${M}/migration.sql:3\``);
    expect(md).toMatch(/\| staging \| db\.internal:5432\/app \| 2 \| 0 \| 0 \| none \| 1\.2 s \|/);
    expect(githubSummary(result([], 0))).toMatch(/^### :white_check_mark: hotfix verify passed\n/);
  });
});

/** GitLab's code-quality report format: the fields GitLab reads, and nothing left undefined. */
const codeQualityReport = z.array(
  z.strictObject({
    description: z.string().min(1),
    check_name: z.string().min(1),
    fingerprint: z.string().min(1),
    severity: z.enum(['info', 'minor', 'major', 'critical', 'blocker']),
    location: z.strictObject({
      path: z
        .string()
        .min(1)
        .refine((p) => !p.startsWith('/'), 'relative to the repository root'),
      lines: z.strictObject({ begin: z.number().int().min(1) }),
    }),
  }),
);

describe('--format gitlab', () => {
  const findings = [lintError, tricky, downTemplate, unmerged, finding('LINT_SUPPRESSED', { message: 'x' })];

  it('is a code-quality report: every field, severities mapped, paths and lines from the finding', () => {
    const report = codeQualityReport.parse(JSON.parse(JSON.stringify(codeClimate(result(findings)))));
    expect(report.map((i) => [i.check_name, i.severity, i.location.path, i.location.lines.begin])).toEqual([
      ['LINT_ERROR', 'major', `apps/api/prisma/migrations/${M}/migration.sql`, 3],
      ['MIGRATION_FAILED', 'major', `apps/api/prisma/migrations/${M}/migration.sql`, 1],
      ['HOTFIX_DOWN_TEMPLATE', 'major', `apps/api/prisma/migrations/${M}/down.sql`, 1],
      ['MERGE_CHECK_SKIPPED', 'info', 'apps/api/hotfix.config.json', 1],
      ['LINT_SUPPRESSED', 'info', 'apps/api/hotfix.config.json', 1],
    ]);
    expect(report[1]!.description).toBe(`[stag,ing:1] 100% failed, at 02:10 Fix: ${tricky.fix}`);
  });

  it('fingerprints are unique, and stable across runs and rewordings', () => {
    const twice = [lintError, { ...lintError }];
    const a = codeClimate(result(twice)).map((i) => i.fingerprint);
    expect(new Set(a).size).toBe(2);
    const reworded = codeClimate(result([{ ...lintError, message: 'other words' }, lintError]));
    expect(reworded.map((i) => i.fingerprint)).toEqual(a);
  });

  it('an error that stopped verify is a report with one blocker', () => {
    const error = new HotfixError('infra', 'DB_UNREACHABLE', 'Cannot reach staging.');
    const report = codeQualityReport.parse(codeClimateError(error, 'hotfix.config.json'));
    expect(report).toMatchObject([{ check_name: 'DB_UNREACHABLE', severity: 'blocker' }]);
  });
});

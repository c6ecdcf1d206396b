import { usageError } from './errors.js';

/**
 * Everything that differs between Prisma majors lives here (flags) and in prisma-output.ts
 * (what the CLI prints). Prisma 8 replaces migrate deploy/_prisma_migrations: adding it means
 * a new branch in these two files, not edits across the commands.
 */
export type PrismaMajor = 6 | 7;
export const SUPPORTED_MAJORS: readonly PrismaMajor[] = [6, 7];

export type DiffSource =
  | { kind: 'migrations'; path: string }
  | { kind: 'schema'; path: string }
  | { kind: 'datasource' }
  | { kind: 'empty' };

export type PrismaCommand =
  | { kind: 'deploy' }
  | { kind: 'status' }
  | { kind: 'resolve'; action: 'applied' | 'rolled-back'; migration: string }
  | { kind: 'execute'; file: string }
  | { kind: 'execute-stdin' }
  | { kind: 'diff'; from: DiffSource; to: DiffSource; script: boolean; exitCode?: boolean };

export interface ArgvContext {
  /** Schema path relative to the project root. */
  schema: string;
  /** Prisma config file for this environment (Prisma 7 `--config`), if any. */
  prismaConfig?: string | undefined;
}

function diffSource(major: PrismaMajor, side: 'from' | 'to', source: DiffSource, ctx: ArgvContext): string[] {
  switch (source.kind) {
    case 'migrations':
      return [`--${side}-migrations`, source.path];
    case 'empty':
      return [`--${side}-empty`];
    case 'schema':
      return major === 7 ? [`--${side}-schema`, source.path] : [`--${side}-schema-datamodel`, source.path];
    case 'datasource':
      // Never --from-url: the URL would be visible in the process list. Both majors read it
      // from the environment through the config (7) or the schema's datasource block (6).
      return major === 7 ? [`--${side}-config-datasource`] : [`--${side}-schema-datasource`, ctx.schema];
  }
}

export function buildPrismaArgv(major: PrismaMajor, command: PrismaCommand, ctx: ArgvContext): string[] {
  // Prisma 7 reads schema, migrations and datasource from its config; 6 needs --schema.
  const target =
    major === 7 ? (ctx.prismaConfig ? ['--config', ctx.prismaConfig] : []) : ['--schema', ctx.schema];
  switch (command.kind) {
    case 'deploy':
      return ['migrate', 'deploy', ...target];
    case 'status':
      return ['migrate', 'status', ...target];
    case 'resolve':
      return ['migrate', 'resolve', `--${command.action}`, command.migration, ...target];
    case 'execute':
      return ['db', 'execute', '--file', command.file, ...target];
    case 'execute-stdin':
      return ['db', 'execute', '--stdin', ...target];
    case 'diff': {
      const usesMigrations = command.from.kind === 'migrations' || command.to.kind === 'migrations';
      if (major === 6 && usesMigrations) {
        // Prisma 6 takes the shadow database only as --shadow-database-url on argv, which
        // would put a password in the process list; we do not do that.
        throw usageError(
          'PRISMA6_DIFF_MIGRATIONS',
          'Prisma 6 can diff a migrations folder only with --shadow-database-url on its command line, which would expose the database password.',
          { hint: 'Upgrade to Prisma 7, or write the SQL yourself and pass it with --sql FILE.' },
        );
      }
      return [
        'migrate',
        'diff',
        ...diffSource(major, 'from', command.from, ctx),
        ...diffSource(major, 'to', command.to, ctx),
        ...(command.script ? ['--script'] : []),
        ...(command.exitCode ? ['--exit-code'] : []),
        ...(major === 7 && ctx.prismaConfig ? ['--config', ctx.prismaConfig] : []),
      ];
    }
  }
}

/** `7.10.1` -> 7; anything else is refused with the versions we support. */
export function majorOf(version: string): PrismaMajor {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (major === 6 || major === 7) return major;
  throw usageError(
    'PRISMA_UNSUPPORTED',
    `Prisma ${version} is not supported by this hotfix version (supported: 6.x, 7.x).`,
    {
      hint: 'Install prisma@7 in the project, or a prisma-hotfix release that supports your Prisma.',
    },
  );
}

import type { LedgerEvent, LedgerFile } from './ledger.js';
import type { MigrationRow } from './migration-state.js';

/** A hotfix's history as people read it: the ledger's events, and what `_prisma_migrations` shows. */
export interface TimelineEntry {
  at: string;
  /** `ledger` (an event, with its seq) or `_prisma_migrations` of an environment. */
  source: 'ledger' | '_prisma_migrations';
  seq: number | null;
  actor: string | null;
  env: string | null;
  event: string;
  outcome: string;
  what: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One sentence for an event: what happened, with the facts its details carry. */
export function describeEvent(e: LedgerEvent, file: Pick<LedgerFile, 'branch' | 'base'>): string {
  const d = e.details ?? {};
  const on = e.env ? ` on ${e.env.name}` : '';
  const code = str(d.code) ? ` (${str(d.code)})` : '';
  switch (e.type) {
    case 'started':
      return `Hotfix started: branch ${file.branch} from ${file.base}`;
    case 'migration-created':
      return `Migration ${e.migration ?? ''} written${e.checksum ? ` (sha256 ${e.checksum.slice(0, 12)})` : ''}`;
    case 'backed-up':
      return `Backed up${on} what the next step takes away (${str(d.dir) ?? 'a backup folder'})`;
    case 'rehashed':
      return `Migration ${e.migration ?? ''} re-pinned after an edit${e.checksum ? ` (sha256 ${e.checksum.slice(0, 12)})` : ''}`;
    case 'linted':
      return `Migration linted${typeof d.errors === 'number' ? `: ${d.errors} error(s)` : ''}`;
    case 'intent':
      return `About to ${str(d.action) ?? e.command}${on}`;
    case 'deployed':
      return e.outcome === 'ok' ? `Deployed${on} (prisma migrate deploy)` : `Deploy${on} ${e.outcome}${code}`;
    case 'resolved':
      return e.outcome === 'ok'
        ? `Marked applied${on} without running its SQL (patched by hand; prisma migrate resolve)`
        : `Resolve${on} ${e.outcome}${code}`;
    case 'rolled-back':
      return e.outcome === 'ok' ? `Rolled back${on}` : `Rollback${on} ${e.outcome}${code}`;
    case 'restored':
      return e.outcome === 'ok'
        ? `Restored${on} from its backup${str(d.backup) ? ` (${str(d.backup)})` : ''}: rolled back there only`
        : `Restore${on} ${e.outcome}${code}`;
    case 'rolled-forward':
      return e.outcome === 'ok'
        ? `Rolled forward${on}${str(d.revert) ? ` with ${str(d.revert)}` : ''}`
        : `Roll forward${on} ${e.outcome}${code}`;
    case 'verified':
      return `Verified${on}`;
    case 'finished': {
      const merged = Array.isArray(d.merged) ? d.merged.join(' and ') : '';
      if (e.outcome === 'ok') {
        return `Finished: merged into ${merged}${str(d.version) ? `, version ${str(d.version)}` : ''}${str(d.tag) ? `, tag ${str(d.tag)}` : ''}`;
      }
      const conflict = d.conflict as { branch?: unknown; files?: unknown } | undefined;
      return `Finish stopped: conflict merging into ${str(conflict?.branch) ?? '?'}${merged ? ` (${merged} already merged)` : ''}`;
    }
    case 'checked':
      return `Checklist ${str(d.phase) ?? '?'}.${str(d.item) ?? '?'} done${str(d.note) ? `: ${str(d.note)}` : ''}`;
  }
}

export interface EnvRows {
  env: string;
  rows: MigrationRow[];
}

/**
 * Every ledger event in order, with the rows of the hotfix's migrations in each environment read
 * from `_prisma_migrations` (started, finished, rolled back) placed by time.
 */
export function timeline(
  file: LedgerFile,
  migrations: readonly string[],
  dbRows: readonly EnvRows[] = [],
): TimelineEntry[] {
  const ledger: TimelineEntry[] = file.events.map((e) => ({
    at: e.at,
    source: 'ledger',
    seq: e.seq,
    actor: e.actor,
    env: e.env?.name ?? null,
    event: e.type,
    outcome: e.outcome,
    what: describeEvent(e, file),
  }));
  const db: TimelineEntry[] = [];
  for (const { env, rows } of dbRows) {
    for (const r of rows.filter((row) => migrations.includes(row.migrationName))) {
      const add = (at: string | null, event: string, what: string) => {
        if (at)
          db.push({
            at,
            source: '_prisma_migrations',
            seq: null,
            actor: null,
            env,
            event,
            outcome: 'ok',
            what,
          });
      };
      add(r.startedAt, 'row-started', `_prisma_migrations: ${r.migrationName} started on ${env}`);
      add(
        r.finishedAt,
        'row-finished',
        `_prisma_migrations: ${r.migrationName} finished on ${env} (${r.appliedStepsCount} step(s) applied)`,
      );
      add(r.rolledBackAt, 'row-rolled-back', `_prisma_migrations: ${r.migrationName} rolled back on ${env}`);
    }
  }
  db.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // Merge by time; the ledger's own order (seq) is kept as it is.
  const out: TimelineEntry[] = [];
  let i = 0;
  for (const entry of ledger) {
    while (i < db.length && Date.parse(db[i]!.at) < Date.parse(entry.at)) out.push(db[i++]!);
    out.push(entry);
  }
  return [...out, ...db.slice(i)];
}

/** Minutes between two times, for people ("42 min", "1 h 5 min"). */
export function duration(from: string, to: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

import { z } from 'zod';
import { ledgerError } from './errors.js';
import { validateHotfixName } from './names.js';

/** Bump only with a migration path: older tools refuse newer files rather than misread them. */
export const LEDGER_SCHEMA_VERSION = 1;

export const EVENT_TYPES = [
  'started',
  'migration-created',
  'linted',
  'rehashed',
  'intent',
  'deployed',
  'resolved',
  'rolled-back',
  'rolled-forward',
  'verified',
  'finished',
  /**
   * A checklist item a person ticked (`hotfix checklist --done`): details {phase, item, note}.
   * Added without a schemaVersion bump: no file without it changes meaning, and a tool from
   * before it refuses such a file as invalid (exit 3, "invalid option") instead of misreading it.
   */
  'checked',
  /** `--backup` saved what a step takes away: details {dir, items, restore}. Same versioning note. */
  'backed-up',
  /**
   * `rollback --restore`: the backup put back (checked: count and keys), the hotfix rolled back
   * in that environment only. Details {backup, tables, scope: 'here'}. Same versioning note.
   */
  'restored',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const envRef = z.strictObject({
  name: z.string().min(1),
  /** Short hash of provider/host/port/database: tells databases apart without storing a URL. */
  fingerprint: z.string().regex(/^[0-9a-f]{12}$/),
});
export type EnvRef = z.infer<typeof envRef>;

export const ledgerEventSchema = z.strictObject({
  seq: z.number().int().positive(),
  type: z.enum(EVENT_TYPES),
  at: z.iso.datetime(),
  actor: z.string().min(1),
  command: z.string().min(1),
  outcome: z.enum(['ok', 'failed', 'skipped', 'pending']),
  env: envRef.optional(),
  migration: z.string().optional(),
  checksum: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  reason: z.string().optional(),
  /** Facts that belong to one event type (P-code, database error, files): free-form but JSON. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type LedgerEvent = z.infer<typeof ledgerEventSchema>;

export const ledgerFileSchema = z
  .strictObject({
    schemaVersion: z.literal(LEDGER_SCHEMA_VERSION),
    name: z.string().min(1),
    branch: z.string().min(1),
    base: z.string().min(1),
    migration: z.string().min(1),
    createdAt: z.iso.datetime(),
    events: z.array(ledgerEventSchema).min(1),
  })
  .superRefine((file, ctx) => {
    file.events.forEach((event, index) => {
      if (event.seq !== index + 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', index, 'seq'],
          message: `expected seq ${index + 1}, found ${event.seq} (events are append-only)`,
        });
      }
    });
  });
export type LedgerFile = z.infer<typeof ledgerFileSchema>;

export type NewEvent = Omit<LedgerEvent, 'seq'>;

/** An event before a run stamps it with its time, actor and command (workflow/recorder.ts). */
export type EventDraft = Omit<NewEvent, 'at' | 'actor' | 'command'>;

const CONFLICT_MARKER = /^(<{7}|={7}|>{7})(\s|$)/m;

/**
 * Parses a ledger file's text. Every failure is a ledger error (exit 3) naming the file;
 * callers must never fall back to an empty ledger.
 */
export function parseLedger(text: string, where: string): LedgerFile {
  // On another branch, `where` is "<branch>:<path>": git log takes the branch and the path apart.
  const colon = where.indexOf(':');
  const history =
    colon > 0 ? `git log -p ${where.slice(0, colon)} -- ${where.slice(colon + 1)}` : `git log -p -- ${where}`;
  const hint = `Fix or restore ${where} from git (${history}); hotfix never rewrites a ledger it cannot read.`;
  if (CONFLICT_MARKER.test(text)) {
    throw ledgerError('LEDGER_CONFLICTED', `Ledger ${where} contains git conflict markers.`, {
      hint: `Resolve the merge conflict in ${where} keeping every event of both sides in time order, then commit.`,
      details: { path: where },
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw ledgerError('LEDGER_CORRUPT', `Ledger ${where} is not valid JSON: ${(cause as Error).message}`, {
      hint,
      cause,
      details: { path: where },
    });
  }
  const version =
    typeof raw === 'object' && raw !== null ? (raw as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof version === 'number' && version > LEDGER_SCHEMA_VERSION) {
    throw ledgerError(
      'LEDGER_NEWER_VERSION',
      `Ledger ${where} has schemaVersion ${version}; this hotfix understands up to ${LEDGER_SCHEMA_VERSION}.`,
      {
        hint: 'Upgrade prisma-hotfix (npm install -D prisma-hotfix@latest).',
        details: { path: where, schemaVersion: version },
      },
    );
  }
  const parsed = ledgerFileSchema.safeParse(raw);
  const issues = parsed.success
    ? namesIssues(parsed.data)
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  if (!parsed.success || issues.length > 0) {
    throw ledgerError('LEDGER_INVALID', `Ledger ${where} is invalid: ${issues.join('; ')}`, {
      hint,
      details: { path: where, issues },
    });
  }
  // Text from a ledger is printed (status, report, checklists): a terminal never gets its
  // escape sequences. The next event written saves the cleaned text with it.
  return plainText(parsed.data);
}

/**
 * A ledger names paths (the hotfix's branch and ledger file, its migration folders): a name a
 * command would refuse on input is refused when read, so a crafted file cannot point elsewhere.
 */
function namesIssues(file: LedgerFile): string[] {
  const issues: string[] = [];
  try {
    validateHotfixName(file.name);
  } catch (error) {
    issues.push(`name: ${(error as Error).message}`);
  }
  const folder = (m: string | undefined, where: string) => {
    if (m !== undefined && !SAFE_FOLDER.test(m))
      issues.push(`${where}: ${JSON.stringify(m)} is not a migration folder name`);
  };
  folder(file.migration, 'migration');
  file.events.forEach((e, i) => folder(e.migration, `events.${i}.migration`));
  return issues;
}

/** One folder of the migrations directory: no separator, no `..`, no control character. */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const SAFE_FOLDER = /^(?!.*\.\.)[^/\\\u0000-\u001f]+$/;

/** C0/C1 control characters (but tab and newline) and bidirectional overrides. */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function plainText<T>(value: T): T {
  if (typeof value === 'string') return value.replace(CONTROL, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(plainText) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainText(v)])) as T;
  }
  return value;
}

const FILE_KEYS = ['schemaVersion', 'name', 'branch', 'base', 'migration', 'createdAt', 'events'] as const;
const EVENT_KEYS = Object.keys(ledgerEventSchema.shape) as (keyof LedgerEvent)[];

/** `obj` with `keys` first, in that order (absent ones left out), then any others. */
function pick<T extends object>(obj: T, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rec = obj as Record<string, unknown>;
  for (const k of keys) if (rec[k] !== undefined) out[k] = rec[k];
  for (const k of Object.keys(rec)) if (!(k in out) && rec[k] !== undefined) out[k] = rec[k];
  return out;
}

export function serializeLedger(file: LedgerFile): string {
  // One key order whoever built the objects (a new event, or one read back): a write changes
  // only the lines of what changed, and rewriting an unchanged ledger changes nothing.
  const ordered = {
    ...pick(file, FILE_KEYS),
    events: file.events.map((e) => pick(e, EVENT_KEYS)),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

export function createLedger(
  head: Omit<LedgerFile, 'events' | 'schemaVersion'>,
  events: readonly NewEvent[],
): LedgerFile {
  return appendEvents({ schemaVersion: LEDGER_SCHEMA_VERSION, ...head, events: [] }, events);
}

/** Returns a new file; the input is never mutated (append-only by construction). */
export function appendEvents(file: LedgerFile, events: readonly NewEvent[]): LedgerFile {
  const next = [...file.events];
  for (const event of events) next.push({ seq: next.length + 1, ...event });
  return { ...file, events: next };
}

export type EnvState = 'in-progress' | 'deployed' | 'resolved' | 'failed' | 'rolled-back' | 'rolled-forward';

export interface EnvStatus {
  name: string;
  fingerprint: string;
  state: EnvState;
  /** The event that set the state. */
  lastEvent: LedgerEvent;
}

/** One migration folder of a hotfix and the checksums the ledger pins it to. */
export interface HotfixMigration {
  name: string;
  /** sha256 of migration.sql as last recorded (start, or rehash). */
  checksum: string | undefined;
  /** sha256 of verify.sql as last recorded, when it had one. */
  verifyChecksum: string | undefined;
}

export interface HotfixState {
  name: string;
  branch: string;
  /** The hotfix's (first) migration. */
  migration: string;
  /**
   * Every migration of the hotfix in apply order: the first, then any part start split off to
   * keep production safe (a VALIDATE CONSTRAINT that must run in a transaction of its own).
   */
  migrations: HotfixMigration[];
  phase: 'open' | 'finished';
  startedAt: string;
  actor: string;
  checksum: string | undefined;
  envs: EnvStatus[];
  lastEventAt: string;
}

const outcomeState: Partial<Record<EventType, EnvState>> = {
  deployed: 'deployed',
  resolved: 'resolved',
  'rolled-back': 'rolled-back',
  'rolled-forward': 'rolled-forward',
  restored: 'rolled-back',
};

/** State is derived from events, never stored: the events are the truth. */
export function deriveState(file: LedgerFile): HotfixState {
  const envs = new Map<string, EnvStatus>();
  // State before an unanswered intent, so a 'skipped' outcome (nothing ran) restores it.
  const beforeIntent = new Map<string, EnvStatus | undefined>();
  const migrations = new Map<string, HotfixMigration>();
  let phase: HotfixState['phase'] = 'open';
  for (const event of file.events) {
    if ((event.type === 'migration-created' || event.type === 'rehashed') && event.migration) {
      const verify = event.details?.verifyChecksum;
      const known = migrations.get(event.migration);
      migrations.set(event.migration, {
        name: event.migration,
        checksum: event.checksum ?? known?.checksum,
        verifyChecksum: typeof verify === 'string' ? verify : known?.verifyChecksum,
      });
    }
    if (event.type === 'finished' && event.outcome === 'ok') phase = 'finished';
    if (!event.env) continue;
    const name = event.env.name;
    if (event.type === 'intent') {
      beforeIntent.set(name, envs.get(name));
      envs.set(name, { ...event.env, state: 'in-progress', lastEvent: event });
      continue;
    }
    const target = outcomeState[event.type];
    if (!target) continue;
    if (event.outcome === 'ok') envs.set(name, { ...event.env, state: target, lastEvent: event });
    else if (event.outcome === 'failed') envs.set(name, { ...event.env, state: 'failed', lastEvent: event });
    else if (beforeIntent.has(name)) {
      // Nothing ran (dry run, refused, unreachable): back to where it was.
      const previous = beforeIntent.get(name);
      if (previous) envs.set(name, previous);
      else envs.delete(name);
    }
    beforeIntent.delete(name);
  }
  const first = file.events[0]!;
  return {
    name: file.name,
    branch: file.branch,
    migration: file.migration,
    migrations:
      migrations.size > 0
        ? [...migrations.values()]
        : [{ name: file.migration, checksum: undefined, verifyChecksum: undefined }],
    phase,
    startedAt: first.at,
    actor: first.actor,
    checksum: migrations.get(file.migration)?.checksum,
    envs: [...envs.values()],
    lastEventAt: file.events[file.events.length - 1]!.at,
  };
}

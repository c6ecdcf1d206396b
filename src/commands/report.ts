import path from 'node:path';
import { CHECKLIST_PHASES, ledgerChecklist } from '../core/checklists.js';
import { resolveEnvironment } from '../core/config.js';
import { buildReport, type Report, type ReportFacts } from '../core/report.js';
import { validateHotfixName } from '../core/names.js';
import { downKind } from '../core/templates.js';
import { resolveTarget } from '../core/target.js';
import { readMigrationRows } from '../workflow/db-state.js';
import type { Deps } from '../workflow/deps.js';
import { findHotfix, openProject, readHotfixFile } from '../workflow/project.js';

export interface ReportInput {
  name: string;
  /** Write the Markdown here (relative to the current directory) instead of printing it. */
  out?: string | undefined;
  /** Environments whose `_prisma_migrations` timestamps enrich the timeline. */
  env?: string[] | undefined;
}

export interface ReportResult extends Report {
  command: 'report';
  /** The file written with --out. */
  written: string | null;
}

/** `hotfix report <name>`: the post-incident report from the ledger (and --env databases). */
export async function report(input: ReportInput, deps: Deps): Promise<ReportResult> {
  const name = validateHotfixName(input.name);
  const p = await openProject(deps);
  // Unknown environments and missing URLs are usage errors before anything is read.
  const targets = (input.env ?? []).map((env) =>
    resolveTarget(resolveEnvironment(p.config, env), deps.env, p.projectRoot),
  );
  const entry = await findHotfix(p, name);
  const file = entry.file;
  const dir = `${p.config.migrations}/${file.migration}`;
  const reverts = [
    ...new Set(
      file.events.flatMap((e) =>
        e.type === 'rolled-forward' && typeof e.details?.revert === 'string' ? [e.details.revert] : [],
      ),
    ),
  ];
  const wanted = [
    { label: 'migration.sql', path: `${dir}/migration.sql` },
    { label: 'down.sql (the reverse)', path: `${dir}/down.sql` },
    ...reverts.map((r) => ({
      label: `revert migration ${r}`,
      path: `${p.config.migrations}/${r}/migration.sql`,
    })),
  ];
  const files = await Promise.all(
    wanted.map(async (w) => ({ ...w, text: await readHotfixFile(p, entry, w.path) })),
  );
  const dbRows: ReportFacts['dbRows'] = [];
  const unread: ReportFacts['unread'] = [];
  for (const target of targets) {
    try {
      dbRows.push({ env: target.env.name, rows: (await readMigrationRows(p.ports, target)) ?? [] });
    } catch (error) {
      // The report is still worth having without one database: say which was not read.
      unread.push({ env: target.env.name, why: error instanceof Error ? error.message : String(error) });
    }
  }
  const down = files[1]?.text;
  const facts = {
    environments: Object.keys(p.config.environments),
    downWritten: downKind(down) === 'filled',
  };
  const built = buildReport({
    file,
    environments: facts.environments,
    files,
    dbRows,
    unread,
    checklists: CHECKLIST_PHASES.map((phase) => ({ phase, items: ledgerChecklist(phase, file, facts) })),
  });
  let written: string | null = null;
  if (input.out) {
    written = path.resolve(deps.cwd, input.out);
    await p.files.write(written, built.markdown);
  }
  return { command: 'report', ...built, written };
}

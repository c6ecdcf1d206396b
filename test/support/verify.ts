import { runHotfix } from './hotfix.js';

/** The --json document of hotfix verify (or of an error), as the tests read it. */
export interface VerifyDoc {
  ok: boolean;
  exitCode?: number;
  findings?: {
    code: string;
    severity: string;
    env: string | null;
    migration: string | null;
    hotfix: string | null;
    message: string;
    fix: string | null;
    details?: { sql?: string; logs?: string; recorded?: string; actual?: string; rule?: string };
  }[];
  checked?: { envs: { name: string; checked: boolean; applied: number; pending: number; drift: string }[] };
  error?: { code: string; details: Record<string, unknown> | null };
}

/** Runs `hotfix verify --json ...` and parses its one document; `codes` are "severity CODE env", sorted. */
export async function runVerify(dir: string, args: string[], env: Record<string, string>) {
  const r = await runHotfix(dir, ['verify', '--json', ...args], env);
  let doc: VerifyDoc;
  try {
    doc = JSON.parse(r.stdout) as VerifyDoc;
  } catch {
    throw new Error(`verify printed no JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  }
  const findings = doc.findings ?? [];
  return {
    ...r,
    doc,
    findings,
    codes: findings.map((f) => `${f.severity} ${f.code} ${f.env ?? '-'}`).sort(),
  };
}

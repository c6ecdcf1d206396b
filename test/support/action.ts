// action.yml at the repository root, checked against GitHub's metadata syntax for actions
// (docs.github.com/actions/reference/workflows-and-actions/metadata-syntax): no linter for action
// metadata is installable here (actionlint checks workflows only), so the documented fields are
// written down as a schema.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { repoRoot } from './hotfix.js';

const id = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'an id starts with a letter or _');

const input = z.strictObject({
  description: z.string().min(1),
  required: z.boolean().optional(),
  default: z.string().optional(),
  deprecationMessage: z.string().optional(),
});

const compositeStep = z
  .strictObject({
    id: id.optional(),
    name: z.string().optional(),
    if: z.union([z.string(), z.boolean()]).optional(),
    run: z.string().optional(),
    shell: z.string().optional(),
    uses: z.string().optional(),
    with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    'working-directory': z.string().optional(),
    'continue-on-error': z.union([z.boolean(), z.string()]).optional(),
  })
  .refine((s) => (s.run === undefined) !== (s.uses === undefined), 'a step has run or uses')
  .refine(
    (s) => s.run === undefined || s.shell !== undefined,
    'a run step of a composite action needs shell',
  );

export const actionMetadata = z.strictObject({
  name: z.string().min(1),
  author: z.string().optional(),
  description: z.string().min(1),
  inputs: z.record(id, input).optional(),
  outputs: z.record(id, z.strictObject({ description: z.string().min(1), value: z.string() })).optional(),
  runs: z.strictObject({ using: z.literal('composite'), steps: z.array(compositeStep).min(1) }),
  branding: z
    .strictObject({
      icon: z.string().min(1),
      color: z.enum(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']),
    })
    .optional(),
});
export type ActionMetadata = z.infer<typeof actionMetadata>;

export const ACTION_FILE = path.join(repoRoot, 'action.yml');

export function readAction(): ActionMetadata {
  return actionMetadata.parse(load(readFileSync(ACTION_FILE, 'utf8'), { filename: ACTION_FILE }));
}

/** The one run step's script, and the variables its `env:` maps from the inputs. */
export function actionScript(action: ActionMetadata): { script: string; env: Record<string, string> } {
  const step = action.runs.steps.find((s) => s.run !== undefined)!;
  return {
    script: step.run!,
    env: Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

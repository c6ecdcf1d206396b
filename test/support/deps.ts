// Deps for calling a command in-process on the real outside world (files, git, prisma, databases).
import type { Exec } from '../../src/adapters/exec.js';
import { createPorts } from '../../src/cli/ports.js';
import type { Deps } from '../../src/workflow/deps.js';

export function realDeps(cwd: string, options: Partial<Deps> & { exec?: Exec } = {}): Deps {
  const { exec, ...rest } = options;
  return { cwd, ports: createPorts(exec), env: {}, now: () => new Date(), ...rest };
}

import type { Command } from 'commander';
import type { CliKit } from './cli-kit.js';

/** Registers `hotfix verify` (being built; see the open issue). */
export function registerVerify(_program: Command, _kit: CliKit): void {}

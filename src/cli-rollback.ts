import type { Command } from 'commander';
import type { CliKit } from './cli-kit.js';

/** Registers `hotfix rollback` (being built; see the open issue). */
export function registerRollback(_program: Command, _kit: CliKit): void {}

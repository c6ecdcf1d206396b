import path from 'node:path';
import { findProjectRoot, loadConfig } from '../adapters/config-loader.js';
import { openGit, type Git } from '../adapters/git.js';
import type { HotfixConfig } from '../core/config.js';
import type { Deps } from './deps.js';

export interface Project {
  git: Git;
  /** The folder that holds hotfix.config.json, .hotfix/ and the Prisma project. */
  root: string;
  config: HotfixConfig;
}

/**
 * The repository and the project in it, found from wherever the command was started (the
 * project root, prisma/, src/...), so that no command mistakes a subfolder for an empty project.
 */
export async function openProject(deps: Deps): Promise<Project> {
  const git = await openGit(deps.cwd, deps.exec);
  const root = await findProjectRoot(deps.cwd, git.root);
  // --config is a path as typed, relative to where the command was started.
  const config = await loadConfig(
    root,
    deps.configPath ? path.resolve(deps.cwd, deps.configPath) : undefined,
  );
  return { git, root, config };
}

// The pure half of `hotfix verify`: facts in (file contents, `_prisma_migrations` rows, ledger
// states, lint findings, prisma's diff), findings out. src/commands/verify.ts gathers the facts.
export * from './findings.js';
export * from './folders.js';
export * from './hotfix-files.js';
export * from './environment.js';
export * from './drift.js';
export * from './lint.js';
export * from './merge-back.js';
export * from './location.js';

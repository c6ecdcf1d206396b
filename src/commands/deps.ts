// Moved to src/workflow/deps.ts; kept until every command imports it from there.
export type { Deps } from '../workflow/deps.js';

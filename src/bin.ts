import { readFileSync } from 'node:fs';
import { runCli } from './cli/index.js';

// The only place that exits: everything else returns or throws.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  version: pkg.version,
});
process.exitCode = code;

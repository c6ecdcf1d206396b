import { readFileSync } from 'node:fs';
import module from 'node:module';

// Node >= 22.1 can keep compiled code on disk (os.tmpdir()/node-compile-cache, or
// NODE_COMPILE_CACHE): a CLI started again and again then skips recompiling the same modules.
// It never throws and NODE_DISABLE_COMPILE_CACHE=1 turns it off. Absent on Node 20, hence the
// guard; it only helps modules loaded after the call, hence the dynamic import below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { runCli } = await import('./cli/index.js');
const { onInterrupt } = await import('./cli/ports.js');

// Ctrl-C or a stop during a long step: release the lock, say what was under way and that the
// next command settles it from the ledger's intent, and exit as shells expect (128 + signal).
// execa kills the prisma child on exit (its cleanup option), so nothing runs on unseen.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    void onInterrupt(signal).then((message) => {
      process.stderr.write(message);
      process.exit(code);
    });
  });
}

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

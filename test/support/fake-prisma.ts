// A fake `prisma` for fault injection only (crash, hang, garbage): everything that can be
// tested against the real CLI is tested against the real CLI.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type FakeMode = 'crash' | 'hang' | 'garbage' | 'echo-url';

/** Installs node_modules/.bin/prisma in `dir`, reporting `version`, behaving as FAKE_PRISMA_MODE says. */
export function installFakePrisma(dir: string, version = '7.10.1'): void {
  const pkg = path.join(dir, 'node_modules', 'prisma');
  mkdirSync(path.join(pkg, 'build'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'prisma', version }));
  const script = `#!/usr/bin/env node
const mode = process.env.FAKE_PRISMA_MODE;
if (mode === 'crash') process.kill(process.pid, 'SIGSEGV');
else if (mode === 'hang') setInterval(() => {}, 1000);
else if (mode === 'garbage') { process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a])); process.stderr.write('\\u001b[31m%%%\\n'); process.exit(1); }
else if (mode === 'echo-url') { process.stderr.write('Error: could not connect to ' + process.env.DATABASE_URL + '\\n'); process.exit(1); }
else process.exit(0);
`;
  const file = path.join(pkg, 'build', 'index.js');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  symlinkSync(
    path.join('..', 'prisma', 'build', 'index.js'),
    path.join(dir, 'node_modules', '.bin', 'prisma'),
  );
}

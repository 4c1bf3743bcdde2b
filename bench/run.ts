// `npm run bench`: runs every exported `bench*` function of the modules in this folder and prints
// one JSON line per case. Ratios compare loops measured in the same process run.
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).find((a) => !a.startsWith('--')); // `--quick` is read by the modules
const quick = process.argv.includes('--quick');

// `--quick` must finish within a minute: the modules that boot guests under KVM (vmm-*: about 10 s
// per guest run) run only when named (`npm run bench -- vmm --quick`), then with one round each;
// the CLI start-up module spawns 3 rounds instead of 15. An explicit environment setting wins.
const GUEST_RUN_MODULE = /^vmm-/;
if (quick) {
  const defaults: Record<string, string> = { HVMDEV_STARTUP_ROUNDS: '3', VMM_BENCH_ROUNDS: '1', VMM_VMEXIT_ROUNDS: '1' };
  for (const [k, v] of Object.entries(defaults)) process.env[k] ??= v;
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['run.js', 'fuzz.js', 'harness.js'].includes(f))
  .filter((f) => only === undefined || f.includes(only))
  .sort((a, b) => (a === 'foundation.js' ? -1 : b === 'foundation.js' ? 1 : a.localeCompare(b)));

for (const file of files) {
  if (quick && only === undefined && GUEST_RUN_MODULE.test(file)) {
    process.stdout.write(`${JSON.stringify({ bench: file.replace(/\.js$/, ''), skipped: 'guest runs are not part of --quick; name the module to run it' })}\n`);
    continue;
  }
  const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (!/^bench[A-Z0-9]/.test(name) || typeof fn !== 'function') continue;
    const started = Date.now();
    try {
      const records = (await (fn as () => unknown)()) as Record<string, unknown>[];
      for (const r of records) process.stdout.write(JSON.stringify({ bench: name, ...r }) + '\n');
    } catch (e) {
      process.stdout.write(JSON.stringify({ bench: name, error: String((e as Error).message ?? e) }) + '\n');
      process.exitCode = 1;
    }
    process.stderr.write(`# ${file}:${name} took ${Date.now() - started} ms\n`);
  }
}

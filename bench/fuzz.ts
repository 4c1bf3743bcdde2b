// `npm run fuzz`: long fuzz campaigns with a time budget (FUZZ_SECONDS, default 60, shared between
// campaigns). Every exported `run*Fuzz(budgetMs)` of the modules in this folder runs in turn; its
// findings should become ordinary regression tests under test/.
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const budgetSeconds = Number(process.env.FUZZ_SECONDS ?? 60);
if (!(budgetSeconds > 0)) {
  process.stderr.write(`FUZZ_SECONDS must be a positive number of seconds, got '${process.env.FUZZ_SECONDS}'\n`);
  process.exit(2);
}

const campaigns: { name: string; fn: (budgetMs: number) => unknown }[] = [];
for (const file of readdirSync(here).filter((f) => f.endsWith('.js')).sort()) {
  if (['run.js', 'fuzz.js', 'harness.js'].includes(file)) continue;
  const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (/^run[A-Za-z0-9]*Fuzz$/.test(name) && typeof fn === 'function') campaigns.push({ name, fn: fn as never });
  }
}
if (campaigns.length === 0) process.stderr.write('no fuzz campaigns found\n');
const each = (budgetSeconds * 1000) / Math.max(1, campaigns.length);
for (const c of campaigns) {
  process.stderr.write(`# ${c.name}: ${Math.round(each / 1000)} s\n`);
  const result = await c.fn(each);
  process.stdout.write(JSON.stringify({ campaign: c.name, result }) + '\n');
}

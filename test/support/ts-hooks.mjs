// Module hooks that let a plain `node` child process run the TypeScript sources directly (Node 20
// has no type stripping): `.js` imports between sources resolve to the `.ts` files, and each `.ts`
// file is transformed by the oxc transformer that vitest's vite already ships (fast, native).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transformWithOxc } from 'vite';

const OPTIONS = { decorator: { legacy: true, emitDecoratorMetadata: true }, helpers: { mode: 'External' }, sourcemap: false };

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const out = await transformWithOxc(await readFile(file, 'utf8'), file, OPTIONS);
  return { format: 'module', source: out.code, shortCircuit: true };
}

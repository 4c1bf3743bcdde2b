// The README's library example must run as printed.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

describe('README library example', () => {
  it('runs and prints what its comments say', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const file = join(import.meta.dirname, '.readme-example.tmp.ts');
    writeFileSync(file, code.replace("from 'hvmdev'", "from '../src/index.js'"));
    const logs: unknown[][] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args));
    try {
      await import(file);
    } finally {
      spy.mockRestore();
      rmSync(file, { force: true });
    }
    expect(logs[0]![0]).toBe(false);
    expect(logs[0]![1]).toBe('EOPNOTSUPP');
    expect(logs[1]).toEqual([['hello']]);
    expect(logs[2]).toEqual([65535]);
    expect((logs.at(-1)![0] as string[]).some((s) => s.startsWith('debugcon: implemented'))).toBe(true);
  });
});

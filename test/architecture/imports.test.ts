// How src/ is wired, checked on every run (issue 13): devices are plain classes that know neither
// the container nor the platform, the qtest front-end or the CLI; no device imports another device
// (contracts between devices live in src/irq); only src/platform knows tsyringe; and no file imports
// itself through others (no cycle, type-only imports included).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, parseImports, readImportGraph, violations, type ImportEdge, type ImportRule } from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** 'devices/pit/pit.ts' → 'pit'; null outside src/devices (device.ts and friends live in device-model/). */
const deviceOf = (file: string): string | null => /^devices\/([^/]+)\//.exec(file)?.[1] ?? null;

const RULES: readonly ImportRule[] = [
  {
    name: 'a device imports the composition or a front-end',
    forbids: (e) => deviceOf(e.from) !== null && /^(platform|qtest|cli)\//.test(e.to),
  },
  {
    name: 'a device imports the container',
    forbids: (e) => deviceOf(e.from) !== null && (e.to === 'tsyringe' || e.to === 'reflect-metadata'),
  },
  {
    name: 'a device imports another device',
    forbids: (e) => deviceOf(e.from) !== null && deviceOf(e.to) !== null && deviceOf(e.to) !== deviceOf(e.from),
  },
  {
    name: 'the container outside src/platform',
    forbids: (e) => e.to === 'tsyringe' && !e.from.startsWith('platform/'),
  },
];

describe('src/ import graph', () => {
  const graph = readImportGraph(SRC);

  it('reads the tree: every layer is there and imports resolve to files', () => {
    expect(graph.size).toBeGreaterThan(200);
    for (const f of ['devices/pit/pit.ts', 'platform/catalog.ts', 'irq/periodic-timer-source.ts', 'device-model/device.ts']) {
      expect(graph.has(f), f).toBe(true);
    }
    const unresolved = [...graph.values()].flat().filter((e) => e.to.endsWith('.ts') && !graph.has(e.to));
    expect(unresolved).toEqual([]);
  });

  it('no device imports platform/, qtest/, cli/, tsyringe or another device; tsyringe only in platform/', () => {
    expect(violations(graph, RULES)).toEqual([]);
  });

  it('no import cycle, type-only imports included', () => {
    expect(findCycles(graph)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly });
  const graphOf = (edges: ImportEdge[]) => {
    const g = new Map<string, ImportEdge[]>();
    for (const e of edges) {
      g.set(e.from, [...(g.get(e.from) ?? []), e]);
      if (!g.has(e.to) && e.to.endsWith('.ts')) g.set(e.to, []);
    }
    return g;
  };

  it('find a cycle, a type-only one included, and nothing in a tree', () => {
    expect(findCycles(graphOf([edge('a.ts', 'b.ts'), edge('b.ts', 'c.ts'), edge('c.ts', 'a.ts', true), edge('c.ts', 'd.ts')]))).toEqual([
      ['a.ts', 'b.ts', 'c.ts'],
    ]);
    expect(findCycles(graphOf([edge('a.ts', 'b.ts'), edge('a.ts', 'c.ts'), edge('b.ts', 'c.ts')]))).toEqual([]);
  });

  it('name each forbidden import', () => {
    const g = graphOf([
      edge('devices/pit/pit.ts', 'platform/tokens.ts'),
      edge('devices/ioapic/x.ts', 'devices/lapic/lapic.ts', true),
      edge('devices/pic/pic.ts', 'tsyringe'),
      edge('qtest/session.ts', 'tsyringe'),
      edge('devices/pit/pit.ts', 'irq/line.ts'),
      edge('platform/catalog.ts', 'devices/pit/pit.ts'),
    ]);
    expect(violations(g, RULES)).toEqual([
      'a device imports another device: devices/ioapic/x.ts → devices/lapic/lapic.ts',
      'a device imports the composition or a front-end: devices/pit/pit.ts → platform/tokens.ts',
      'a device imports the container: devices/pic/pic.ts → tsyringe',
      'the container outside src/platform: devices/pic/pic.ts → tsyringe',
      'the container outside src/platform: qtest/session.ts → tsyringe',
    ]);
  });

  it('parse import, export-from, type-only and side-effect imports; resolve folders to index.ts', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export * from '../irq';",
      "import 'reflect-metadata';",
      'import {',
      '  c,',
      "} from './c.js';",
      "const lazy = await import('./lazy.js');",
    ].join('\n');
    expect(parseImports(SRC, 'devices/x.ts', text)).toEqual([
      { from: 'devices/x.ts', to: 'devices/a.ts', typeOnly: false },
      { from: 'devices/x.ts', to: 'b.ts', typeOnly: true },
      { from: 'devices/x.ts', to: 'irq/index.ts', typeOnly: false },
      { from: 'devices/x.ts', to: 'reflect-metadata', typeOnly: false },
      { from: 'devices/x.ts', to: 'devices/c.ts', typeOnly: false },
    ]);
  });
});

// The static import graph of src/: every `import … from`, `export … from` and bare `import '…'`
// of every .ts file, type-only imports included (a type cycle still ties files together).
// Dynamic import() is left out: it is how a part is loaded only when used (the VMM).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  /** The importing file, relative to the root (e.g. 'devices/pit/pit.ts'). */
  readonly from: string;
  /** A file relative to the root, or a package name ('tsyringe'). */
  readonly to: string;
  readonly typeOnly: boolean;
}

export type ImportGraph = ReadonlyMap<string, readonly ImportEdge[]>;

const IMPORT_RE = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;

/** Reads the graph of every .ts file under `root`. */
export function readImportGraph(root: string): ImportGraph {
  const graph = new Map<string, ImportEdge[]>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) graph.set(relative(root, p), parseImports(root, relative(root, p), readFileSync(p, 'utf8')));
    }
  };
  walk(root);
  return graph;
}

/** The imports of one file's text (`file` relative to `root`). */
export function parseImports(root: string, file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[3]!;
    const typeOnly = m[2] !== undefined;
    if (!spec.startsWith('.')) {
      edges.push({ from: file, to: spec, typeOnly });
      continue;
    }
    // './x.js' is the file x.ts (NodeNext resolution); a bare folder is its index.ts.
    const base = resolve(root, dirname(file), spec);
    const target = spec.endsWith('.js') ? base.replace(/\.js$/, '.ts') : existsSync(base + '.ts') ? base + '.ts' : join(base, 'index.ts');
    edges.push({ from: file, to: relative(root, target), typeOnly });
  }
  return edges;
}

/** Every strongly connected set of more than one file (Tarjan), each sorted; [] when acyclic. */
export function findCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const { to: w } of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** A rule: imports from files matching `from` to targets matching `to` are forbidden. */
export interface ImportRule {
  readonly name: string;
  readonly forbids: (edge: ImportEdge) => boolean;
}

/** The edges that break a rule, as "rule: from → to". */
export function violations(graph: ImportGraph, rules: readonly ImportRule[]): string[] {
  const out: string[] = [];
  for (const edges of graph.values()) {
    for (const e of edges) for (const r of rules) if (r.forbids(e)) out.push(`${r.name}: ${e.from} → ${e.to}`);
  }
  return out.sort();
}

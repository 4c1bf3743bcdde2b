// The package's public surface, pinned: every name `hvmdev` exports (src/index.ts, the `.` entry of
// package.json's exports map) with its kind, against test/public-api.txt. A name that appears or
// disappears shows in review as a line of that file: add a new public name there on purpose, and
// export an internal (a fast-path helper, a bench hook, the container's tokens) from its module
// only, never from an index. Inside the repository (src, test, bench) a name is imported from the
// file that declares it, never through an index.ts that only re-exports it.
// After a deliberate change of the surface: UPDATE_PUBLIC_API=1 npx vitest run test/public-api.test.ts
// rewrites the pinned list; review its diff.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const PINNED = join(import.meta.dirname, 'public-api.txt');

/** One exported name: `x86emu.CpuState` for a member of an exported namespace. */
interface ExportLine {
  readonly name: string;
  /** 'value' (a class, function or constant), 'const enum' (inlined: no runtime object in dist/) or 'type'. */
  readonly kind: 'value' | 'const enum' | 'type';
}

/** Every export of src/index.ts, as the type checker sees it; namespaces (x86emu, aml) expanded. */
function publicExports(): ExportLine[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    experimentalDecorators: true,
    types: [],
  };
  const entry = join(ROOT, 'src', 'index.ts');
  const program = ts.createProgram([entry], options);
  const checker = program.getTypeChecker();
  const lines: ExportLine[] = [];
  const walk = (module: ts.Symbol, prefix: string): void => {
    for (const exported of checker.getExportsOfModule(module)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decl = target.declarations?.[0];
      if (decl !== undefined && ts.isSourceFile(decl)) {
        walk(target, `${prefix}${exported.name}.`);
        continue;
      }
      const kind =
        target.flags & (ts.SymbolFlags.Value & ~ts.SymbolFlags.ConstEnum) ? 'value' : target.flags & ts.SymbolFlags.ConstEnum ? 'const enum' : 'type';
      lines.push({ name: `${prefix}${exported.name}`, kind });
    }
  };
  walk(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!, '');
  return lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const format = (lines: readonly ExportLine[]): string => lines.map((l) => `${l.kind.padEnd(10)} ${l.name}`).join('\n') + '\n';

describe('the public API (src/index.ts)', () => {
  const lines = publicExports();

  it('is the pinned list, name by name (test/public-api.txt)', () => {
    if (process.env.UPDATE_PUBLIC_API === '1') writeFileSync(PINNED, format(lines));
    const pinned = readFileSync(PINNED, 'utf8');
    // On a difference: the lines added (+) are new public names, the lines removed (-) names users lose.
    expect(format(lines)).toBe(pinned);
  });

  it('exports at run time every value the checker lists, and nothing else', async () => {
    const api = (await import('../src/index.js')) as Record<string, unknown>;
    const runtime: string[] = [];
    for (const [name, value] of Object.entries(api)) {
      if (name === 'x86emu' || name === 'aml') runtime.push(...Object.keys(value as object).map((member) => `${name}.${member}`));
      else runtime.push(name);
    }
    const values = lines.filter((l) => l.kind === 'value').map((l) => l.name);
    const constEnums = new Set(lines.filter((l) => l.kind === 'const enum').map((l) => l.name));
    // vitest's transform keeps a const enum's object, tsc's build inlines it: either is fine.
    expect(runtime.filter((n) => !constEnums.has(n)).sort()).toEqual(values.sort());
  });
});

/** The names a file declares itself (not re-exported from elsewhere). */
function declaredNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st)) continue;
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    if (
      (ts.isFunctionDeclaration(st) ||
        ts.isClassDeclaration(st) ||
        ts.isInterfaceDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) ||
        ts.isEnumDeclaration(st)) &&
      st.name
    ) {
      names.add(st.name.text);
    }
  }
  return names;
}

/** Every .ts file under `dir` (relative to ROOT). */
const tsFiles = (dir: string): string[] =>
  (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));

/** `import … from 'SPEC'` in `file` that names something an index only re-exports: "file: name from index". */
function indexImports(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
  const found: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !st.importClause) continue;
    const spec = st.moduleSpecifier.text;
    if (!spec.startsWith('.')) continue;
    const target = join(file, '..', spec.replace(/\.js$/, '.ts'));
    if (!target.endsWith('index.ts') || !target.startsWith('src/')) continue;
    const declared = declaredNames(ts.createSourceFile(target, readFileSync(join(ROOT, target), 'utf8'), ts.ScriptTarget.ES2022, false));
    const bindings = st.importClause.namedBindings;
    if (bindings === undefined || ts.isNamespaceImport(bindings)) {
      found.push(`${file}: * from ${target}`);
      continue;
    }
    for (const el of bindings.elements) {
      const name = (el.propertyName ?? el.name).text;
      if (!declared.has(name)) found.push(`${file}: ${name} from ${target}`);
    }
  }
  return found;
}

describe('imports inside the repository', () => {
  it('name the declaring file, not an index.ts that re-exports (this test alone imports src/index.ts)', () => {
    const self = relative(ROOT, import.meta.filename);
    const files = [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('bench')].filter((f) => f !== self && !/(^|\/)index\.ts$/.test(f));
    expect(files.length).toBeGreaterThan(500);
    expect(files.flatMap((f) => indexImports(f, readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });

  it('the check names an import through an index, and lets a name the index declares itself pass', () => {
    expect(indexImports('test/x.test.ts', "import { PortBus } from '../src/bus/index.js';\nimport { attachBoard } from '../src/vmm/board/index.js';")).toEqual([
      'test/x.test.ts: PortBus from src/bus/index.ts',
    ]);
    expect(indexImports('test/x.test.ts', "import * as x86emu from '../src/x86emu/index.js';")).toEqual(['test/x.test.ts: * from src/x86emu/index.ts']);
  });
});

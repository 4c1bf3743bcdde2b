// The package as a user gets it: `npm run package`'s tarball, unpacked (packed-package.ts, shared with
// test/docs) and linked into fresh ESM, CommonJS and strict-TypeScript projects whose other
// dependencies are links to this checkout's node_modules, so the test stays offline.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { link, packedPackage, REPO_ROOT as root } from './packed-package.js';

let work = '';

/** The unpacked package, laid out as a linked (pnpm-style) install: its dependencies beside it only. */
let installed = '';

/** A fresh project whose node_modules links hvmdev (and `extra` dependencies of its own). */
function project(name: string, pkg: object, extra: readonly string[] = []): string {
  const dir = join(work, name);
  link(installed, join(dir, 'node_modules/hvmdev'));
  for (const dep of extra) link(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  return dir;
}

function node(cwd: string, ...args: string[]): { stdout: string } {
  return {
    stdout: execFileSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } }),
  };
}

beforeAll(() => {
  installed = packedPackage().installed;
  work = mkdtempSync(join(tmpdir(), 'hvmdev-package-test-'));
}, 600_000); // a stale dist/ is rebuilt first (~60 s of CPU), then packed (~3 s); cached for the tree after that

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
}, 20_000);

describe('the published package', () => {
  it('has no scripts, no dependency with an install step, and the license and changelog', () => {
    const dir = project('meta', { name: 'meta', private: true });
    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/hvmdev/package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.optionalDependencies).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.peerDependenciesMeta).toEqual({ koffi: { optional: true } });
    expect(Object.keys(pkg.dependencies as object).sort()).toEqual(['immer', 'reflect-metadata', 'tsyringe']);
    expect(readFileSync(join(dir, 'node_modules/hvmdev/LICENSE'), 'utf8')).toContain('Copyright (c) 2026 the hvmdev authors');
    expect(existsSync(join(dir, 'node_modules/hvmdev/CHANGELOG.md'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/hvmdev/docs/api'))).toBe(false);
  });

  it('names in its source maps only files it ships (the library maps lead to src/*.ts; the bundle has none), within its size budget', () => {
    const files = (readdirSync(installed, { recursive: true }) as string[]).filter((f) => statSync(join(installed, f)).isFile());
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(100);
    expect(maps.filter((m) => !m.startsWith(join('dist', 'src'))).map((m) => m)).toEqual([]);
    const missing: string[] = [];
    for (const m of maps) {
      const file = join(installed, m);
      const { sources } = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[] };
      for (const s of sources) if (!existsSync(resolve(dirname(file), s))) missing.push(`${m} -> ${s}`);
    }
    expect(missing).toEqual([]);
    // No file of the package names a map it does not ship.
    const dangling = files
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => [...readFileSync(join(installed, f), 'utf8').matchAll(/^\/\/# sourceMappingURL=(\S+)$/gm)].map((u) => [f, u[1]!] as const))
      .filter(([f, url]) => !existsSync(resolve(installed, dirname(f), url)));
    expect(dangling).toEqual([]);
    // Size (docs/contributing.md has the figures and what each part is): a budget with room for the
    // code still coming, so a file shipped by mistake (a bundle's maps, tests, benches) shows up here.
    const packed = statSync(packedPackage().tarball).size;
    const unpacked = files.reduce((sum, f) => sum + statSync(join(installed, f)).size, 0);
    expect(packed).toBeLessThan(1_900_000);
    expect(unpacked).toBeLessThan(7_600_000);
    expect(files.filter((f) => /(^|[\\/])(test|bench)[\\/]|\.test\.[jt]s$/.test(f))).toEqual([]);
  });

  it('the bundled command carries its packages (licenses beside it) and runs with none installed', () => {
    const licenses = readFileSync(join(installed, 'dist/cli/THIRD-PARTY-LICENSES.txt'), 'utf8');
    expect([...licenses.matchAll(/^(\S+) \S+ \((MIT|Apache-2\.0|0BSD)\)$/gm)].map((m) => m[1])).toEqual(['immer', 'reflect-metadata', 'tslib', 'tsyringe']);
    expect(licenses).toContain('Permission is hereby granted, free of charge');
    expect(licenses).toContain('Apache License');
    // A copy of the package with no node_modules anywhere above it: only the bundle can serve these.
    const alone = join(work, 'alone');
    cpSync(join(installed, 'dist/cli'), join(alone, 'dist/cli'), { recursive: true });
    cpSync(join(installed, 'package.json'), join(alone, 'package.json'));
    const out = node(alone, 'dist/cli/hvmdev.js', 'describe', '--profile', 'xen-pvh').stdout;
    expect(out.split('\n')[0]).toMatch(/^Platform xen-pvh: /);
  });

  it("imports from a fresh ES module project (hvmdev's dependencies are not the project's)", () => {
    const dir = project('esm', { name: 'esm', private: true, type: 'module' });
    writeFileSync(
      join(dir, 'main.js'),
      `import { createPlatform, validateFlags } from 'hvmdev';
const p = createPlatform({ profile: 'xen-hvm' });
console.log(p.ports.read(0x1234, 2), validateFlags(0x411, { guest: 'hvm', xen: '4.17' }).errnoName);\n`,
    );
    expect(node(dir, 'main.js').stdout).toBe('65535 EOPNOTSUPP\n');
  });

  it("require('hvmdev') works from a CommonJS project, with no warning", () => {
    const dir = project('cjs', { name: 'cjs', private: true, type: 'commonjs' });
    writeFileSync(
      join(dir, 'main.js'),
      `const { createPlatform, validateFlags } = require('hvmdev');
const p = createPlatform({ profile: 'qemu-pc' });
console.log(p.ports.read(0x1234, 2), validateFlags(0x1ff).valid);\n`,
    );
    const out = execFileSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('65535 true\n');
    const run = spawnSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([0, '']);
  });

  it('the hvmdev command (package.json "bin") runs from the installed package, the platform-building commands too', () => {
    const dir = project('bin', { name: 'bin', private: true });
    const { bin } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const hvmdev = join('node_modules/hvmdev', bin.hvmdev!);
    const out = node(dir, hvmdev, 'flags', 'check', '--guest', 'hvm', '0x1ff').stdout;
    expect(out.split('\n')[0]).toBe('valid: 0x1FF (LAPIC|HPET|PM|RTC|IOAPIC|PIC|VGA|IOMMU|PIT) for HVM domU on Xen master (4.23-dev)');
    const described = node(dir, hvmdev, 'describe', '--profile', 'qemu-pc').stdout;
    expect(described.split('\n')[0]).toBe("Platform qemu-pc: QEMU 7.2 'pc' (i440FX + PIIX) device parameters, to compare with a real QEMU in qtest mode");
  });

  it('`hvmdev --help` and `hvmdev flags` load no platform chunk of the bundle; `describe` does', () => {
    const cli = join(installed, 'dist/cli');
    /** The chunks a file loads before it runs: its top-level requires (the chunks are CommonJS), transitively. */
    const closure = (file: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(file)) return seen;
      seen.add(file);
      for (const m of readFileSync(join(cli, file), 'utf8').matchAll(/^(?:const \w+ = )?require\("\.\/([^"]+)"\);$/gm)) closure(m[1]!, seen);
      return seen;
    };
    const chunk = (prefix: string) => readdirSync(cli).find((f) => f.startsWith(`${prefix}-`) && f.endsWith('.js'))!;
    const hasPlatform = (file: string) => [...closure(file)].some((f) => f.startsWith('platform-'));
    expect(hasPlatform('hvmdev.js')).toBe(false);
    expect(hasPlatform(chunk('flags-command'))).toBe(false);
    expect(hasPlatform(chunk('describe-command'))).toBe(true);
  });

  it('type-checks and runs in a strict nodenext TypeScript project (exactOptionalPropertyTypes, noUncheckedIndexedAccess, verbatimModuleSyntax, skipLibCheck false)', () => {
    const dir = project('strict-ts', { name: 'strict-ts', private: true, type: 'module' }, ['@types/node']);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          skipLibCheck: false,
          types: ['node'],
          outDir: 'out',
        },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      join(dir, 'main.ts'),
      `import { createPlatform, validateFlags, type PlatformOptions, type GuestType } from 'hvmdev';
const options: PlatformOptions = { profile: 'xen-pvh-dom0', vcpus: 2 };
const p = createPlatform(options);
const guest: GuestType = 'pvh-dom0';
const v = validateFlags(0x411, { guest, xen: '4.17' });
// @ts-expect-error the guest option is the union of guest types, so a typo is a type error
export const typo = () => validateFlags(0x411, { guest: 'hmv' });
const first = p.describe().devices[0];
console.log(v.valid, first === undefined ? 'none' : first.kind);\n`,
    );
    let tscOutput = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      tscOutput = String((e as { stdout?: string }).stdout);
    }
    expect(tscOutput).toBe('');
    expect(node(dir, 'out/main.js').stdout).toMatch(/^true \S+\n$/);
  }, 120_000); // ~8 s of CPU (tsc reads all of hvmdev's declarations and @types/node); generous for a loaded machine
});

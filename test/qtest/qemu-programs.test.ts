// QEMU 7.2's own qtest programs (rtc-test, i440fx-test, q35-test, lpc-ich9-test, tco-test), built
// from Debian's qemu source outside the repository (docs/qtest.md), run case by case against
// hvmdev-system-x86_64 from its sources, exactly as QEMU's `make check-qtest` runs them
// (QTEST_QEMU_BINARY). Skipped, with one line saying so, where the programs are not built:
// HVMDEV_QEMU_QTEST_DIR names their folder (default /opt/qemusrc/src/build/tests/qtest).
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIR = process.env.HVMDEV_QEMU_QTEST_DIR ?? '/opt/qemusrc/src/build/tests/qtest';
const PROGRAMS = ['rtc-test', 'lpc-ich9-test', 'q35-test', 'tco-test', 'i440fx-test'] as const;
const missing = PROGRAMS.filter((p) => !existsSync(join(DIR, p)));

/**
 * Every case of every program and what it must do: 'pass', or the one line hvmdev-system-x86_64
 * prints when it refuses the case's command line (the case then fails with that line shown).
 */
const EXPECTED: Readonly<Record<(typeof PROGRAMS)[number], Readonly<Record<string, 'pass' | string>>>> = {
  'rtc-test': Object.fromEntries(
    [
      'check-time/bcd',
      'check-time/dec',
      'alarm/interrupt',
      'alarm/am-pm',
      'basic/dec-24h',
      'basic/bcd-24h',
      'basic/dec-12h',
      'basic/bcd-12h',
      'set-year/20xx',
      'set-year/1980',
      'update/register_b_set_flag',
      'update/divider-reset',
      'update/uip-stuck',
      'misc/fuzz-registers',
      'periodic/interrupt',
    ].map((c) => [`/x86_64/rtc/${c}`, 'pass']),
  ),
  'lpc-ich9-test': { '/x86_64/ich9/test_lp1878642_pci_bus_get_irq_level_assert': 'pass' },
  'q35-test': Object.fromEntries(
    ['smram/lock', 'smram/smbase_lock', 'smram/legacy_smbase', 'tseg-size/1mb', 'tseg-size/2mb', 'tseg-size/8mb', 'tseg-size/ext/16mb'].map((c) => [
      `/x86_64/q35/${c}`,
      'pass',
    ]),
  ),
  'tco-test': Object.fromEntries(
    [
      'defaults',
      'counter',
      'timeout/no_action',
      'timeout/no_action/max',
      'second_timeout/pause',
      'second_timeout/reset',
      'second_timeout/shutdown',
      'second_timeout/none',
      'tco1_control/bits',
      'tco1_status/bits',
      'tco2_status/bits',
    ].map((c) => [`/x86_64/tco/${c}`, 'pass']),
  ),
  'i440fx-test': {
    '/x86_64/i440fx/defaults': 'pass',
    '/x86_64/i440fx/pam': 'pass',
    '/x86_64/i440fx/firmware/bios': 'pass',
    '/x86_64/i440fx/firmware/pflash': 'pass',
  },
};

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done) => {
    execFile(join(DIR, program), args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      done({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * The sources as plain JavaScript in `out` (each file on its own, as tsconfig.json compiles them),
 * so that each of the ~40 starts of hvmdev-system-x86_64 is a plain `node` start, not a transform.
 */
function transpileSources(root: string, out: string): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    useDefineForClassFields: false,
  };
  for (const file of sources(join(root, 'src'))) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file }).outputText;
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
}

describe.skipIf(missing.length > 0)("QEMU 7.2's qtest programs against hvmdev-system-x86_64", () => {
  // libqtest takes the architecture from the binary's name (after its last '-'), so the wrapper is
  // called hvmdev-system-x86_64; it runs the bin from the sources, transpiled once.
  const bin = mkdtempSync(join(tmpdir(), 'hvmdev-qemu-programs-'));
  const wrapper = join(bin, 'hvmdev-system-x86_64');
  const env = { ...process.env, QTEST_QEMU_BINARY: wrapper };
  beforeAll(() => {
    transpileSources(resolve('.'), join(bin, 'js'));
    writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${join(bin, 'js', 'src', 'cli', 'qemu-system-bin.js')}' "$@"\n`);
    chmodSync(wrapper, 0o755);
  }, 120_000);
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  for (const program of PROGRAMS) {
    it(`${program}: every case as expected`, async () => {
      const list = await run(program, ['-l'], env);
      const cases = list.output.split('\n').filter((l) => l.startsWith('/'));
      expect(cases.sort()).toEqual(Object.keys(EXPECTED[program]).sort());
      const results: Record<string, string> = {};
      for (const path of cases) {
        const r = await run(program, ['-p', path], env);
        const want = EXPECTED[program][path]!;
        if (want === 'pass') {
          results[path] = r.code === 0 && /^ok 1 /m.test(r.output) ? 'pass' : `failed (${r.code}): ${r.output.slice(-400)}`;
        } else {
          const line = r.output.split('\n').find((l) => l.startsWith('hvmdev-system-x86_64: '));
          results[path] = r.code !== 0 && line !== undefined && line.startsWith(want) ? want : `expected a refusal "${want}…": ${r.output.slice(-400)}`;
        }
      }
      expect(results).toEqual(EXPECTED[program]);
    }, 600_000);
  }
});

if (missing.length > 0) {
  console.log(
    `[qemu-programs] skipped: QEMU 7.2's ${missing.join(', ')} not built in ${DIR} (.ci/build-qemu-qtest-programs builds them as root; docs/qtest.md)`,
  );
}

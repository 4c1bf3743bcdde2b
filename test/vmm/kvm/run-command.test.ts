// `hvmdev run`: option parsing and exit statuses (no KVM needed), and one real guest when KVM is usable.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { parseCpuFeatures, parseMemorySize } from '../../../src/cli/run-command.js';
import { describeStop, exitStatus, RUN_STATUS } from '../../../src/vmm/stop-reason.js';
import { KVM_SKIP_REASON } from './kvm-available.js';
import { KUT as KUT_DIR, kutAvailable } from './kut-files.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

describe('hvmdev run: options', () => {
  it('--memory sizes', () => {
    expect(parseMemorySize('128M')).toBe(128 * 1024 * 1024);
    expect(parseMemorySize('1G')).toBe(1024 ** 3);
    expect(parseMemorySize('65536k')).toBe(65536 * 1024);
    expect(parseMemorySize('4096')).toBe(4096);
    expect(() => parseMemorySize('lots')).toThrow(/128M or 1G/);
  });

  it('--cpu features', () => {
    expect(parseCpuFeatures('-x2apic,+tsc-deadline')).toEqual({ x2apic: false, tscDeadline: true });
    expect(parseCpuFeatures('+x2apic')).toEqual({ x2apic: true });
    expect(() => parseCpuFeatures('+avx')).toThrow(/not \+x2apic/);
  });

  it('usage errors are status 2 with one line; --help is 0', async () => {
    const a = io();
    expect(await main(['run'], a.io)).toBe(2);
    expect(a.err.join('')).toMatch(/--kernel FILE is required/);
    const b = io();
    expect(await main(['run', '--kernel', 'x', '--memory', '5G'], b.io)).toBe(2);
    const c = io();
    expect(await main(['run', '--help'], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/Exit status:/);
  });

  it('a kernel file that does not exist is status 1, named', async () => {
    const a = io();
    expect(await main(['run', '--kernel', '/nonexistent/kernel.elf'], a.io)).toBe(1);
    expect(a.err.join('')).toMatch(/--kernel: open \/nonexistent\/kernel.elf: ENOENT/);
  });
});

describe('hvmdev run: kernels that cannot be loaded', () => {
  it('an image no loader takes is status 120 with one line naming the problem, before any VM exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvmdev-run-'));
    try {
      const junk = join(dir, 'junk.bin');
      writeFileSync(junk, new Uint8Array(9000).fill(0x41));
      const a = io();
      expect(await main(['run', '--kernel', junk], a.io)).toBe(RUN_STATUS.hostError);
      expect(a.err.join('')).toMatch(/^hvmdev run: cannot load .*junk\.bin: no Multiboot header .*\n$/);
      // A bzImage with protocol 2.11: no 64-bit entry.
      const old = new Uint8Array(2048);
      const dv = new DataView(old.buffer);
      old[0x1f1] = 1;
      dv.setUint16(0x1fe, 0xaa55, true);
      old[0x201] = 0x6a;
      dv.setUint32(0x202, 0x53726448, true);
      dv.setUint16(0x206, 0x020b, true);
      writeFileSync(join(dir, 'old'), old);
      const b = io();
      expect(await main(['run', '--kernel', join(dir, 'old')], b.io)).toBe(RUN_STATUS.hostError);
      expect(b.err.join('')).toMatch(/boot protocol 2\.11 is older than 2\.12/);
      const c = io();
      expect(await main(['run', '--kernel', junk, '--stop-at', ''], c.io)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exit statuses', () => {
  it("isa-debug-exit is QEMU's (code << 1) | 1; every other reason has its own even status", () => {
    expect(exitStatus({ kind: 'debug-exit', code: 0 })).toBe(1);
    expect(exitStatus({ kind: 'debug-exit', code: 3 })).toBe(7);
    expect(exitStatus({ kind: 'debug-exit', code: 0xff })).toBe(0xff);
    expect(exitStatus({ kind: 'power-off' })).toBe(0);
    const others = [
      exitStatus({ kind: 'triple-fault', vcpu: 0 }),
      exitStatus({ kind: 'reset', vcpu: 0 }),
      exitStatus({ kind: 'guest-error', vcpu: 0, detail: 'x' }),
      exitStatus({ kind: 'timeout', seconds: 1 }),
      exitStatus({ kind: 'host-error', detail: 'x' }),
      exitStatus({ kind: 'marker', marker: 'x' }),
      RUN_STATUS.kvmUnavailable,
    ];
    expect(new Set(others).size).toBe(others.length);
    for (const s of others) expect(s % 2).toBe(0);
    expect(describeStop({ kind: 'triple-fault', vcpu: 1 })).toBe('vCPU 1 triple-faulted (KVM shutdown exit)');
  });
});

describe.skipIf(KVM_SKIP_REASON !== null || !kutAvailable('hpet_read_test'))('hvmdev run on KVM', () => {
  it('boots kvm-unit-tests hpet_read_test and exits with its isa-debug-exit status', async () => {
    const a = io();
    const status = await main(['run', '--kernel', `${KUT_DIR}/hpet_read_test.flat`, '--test-devices', '--timeout', '60', '--stats'], a.io);
    expect(a.out.join('')).toMatch(/PASS: read test/);
    expect(status).toBe(1); // report_summary wrote 0: all passed
    expect(a.err.join('')).toMatch(/exits by kind:/);
  });
});

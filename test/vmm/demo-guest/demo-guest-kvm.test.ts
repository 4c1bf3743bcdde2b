// `hvmdev demo --guest` (npm start): on real KVM (qemu-pc, 1 vCPU) every platform timer interrupts
// the demo guest, which reports what it measured against the PM timer and stops by itself. Without
// KVM the command says why in one line and runs the platform demo.
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { runGuestDemo } from '../../../src/cli/demo-guest.js';
import { KvmUnavailableError } from '../../../src/vmm/kvm/errors.js';
import { KVM_SKIP_REASON, announceKvmSkip } from '../kvm/kvm-available.js';

announceKvmSkip('demo guest on KVM');

async function demoGuest(): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['demo', '--guest'], { out: (s) => (out += s), err: (s) => (out += s) });
  return { code, out };
}

/** "…: N interrupts, U us apart" → U. */
function apart(out: string, what: RegExp): number {
  const line = out.split('\n').find((l) => what.test(l));
  const m = line === undefined ? null : /: (\d+) interrupts, (\d+) us apart$/.exec(line);
  if (m === null) throw new Error(`no measurement line for ${what}:\n${out}`);
  return Number(m[2]);
}

describe.skipIf(KVM_SKIP_REASON !== null)('demo guest on KVM', () => {
  it('takes PIT (8259 and IO-APIC), LAPIC timer, HPET, RTC and PM timer interrupts and stops by itself', async () => {
    const { code, out } = await demoGuest();
    expect(code, out).toBe(0);
    expect(out).not.toMatch(/FAIL/);
    expect(out).toMatch(/^hvmdev demo: the demo guest under KVM, on hvmdev's qemu-pc platform \(1 vCPU, 64 MiB\); its COM1 output:$/m);
    // ACPI power-off (regression: the VM looked for the PM block under the wrong kind and never
    // heard SLP_EN, so the guest fell through to isa-debug-exit).
    expect(out).toMatch(/\nVM stopped: guest powered off \(ACPI SLP_EN\); \d+ ms wall, \d+ ms guest time\.\n$/);
    expect(out).toMatch(/^hvmdev demo guest: entered by the Multiboot loader in 32-bit protected mode, now in 64-bit mode$/m);
    // The board's CMOS NVRAM (century byte, memory size) and the RTC's start time.
    expect(out).toMatch(/^CMOS: RTC 2020-01-01 00:00:0\d, memory 64 MiB \(NVRAM bytes 0x34\/0x35 \+ 16 MiB\)$/m);
    expect(out).toMatch(/^PM timer: port 0x0608, 24-bit, 3579545 Hz/m);
    expect(out).toMatch(/^HPET: 3 timers, period 10000000 fs \(100000000 Hz\)$/m);
    // qemu-pc's LAPIC timer counts at 1 GHz (1 ns bus cycle); the guest's calibration against the
    // PM timer finds it within 1 %.
    const khz = Number(/^LAPIC timer: (\d+) kHz/m.exec(out)?.[1]);
    expect(khz).toBeGreaterThan(990_000);
    expect(khz).toBeLessThan(1_010_000);
    // Periods measured by the guest against the PM timer: 10 ms programmed (976.6 µs for the RTC).
    // The bounds leave room for a loaded host; a device that does not interrupt fails above.
    for (const what of [/^PIT via the 8259/, /^PIT via the IO-APIC/, /^LAPIC timer, periodic/, /^HPET timer 0/]) {
      const us = apart(out, what);
      expect(us, String(what)).toBeGreaterThan(8_000);
      expect(us, String(what)).toBeLessThan(40_000);
    }
    expect(apart(out, /^RTC periodic/)).toBeGreaterThan(900);
    // The SCI comes when PM_TMR bit 23 toggles (ACPI: either way, 0x7FFFFF → 0x800000 or the
    // 24-bit wrap to 0): the value read in the handler is just past one of them. Which one depends
    // on how long a loaded host took to bring the guest to its SCI set-up (2.34 s at most for the first).
    const sci = /TMR_STS set at PM_TMR 0x([0-9a-f]{8})$/m.exec(out);
    expect(sci).not.toBeNull();
    const pmTmr = parseInt(sci![1]!, 16);
    expect(pmTmr).toBeLessThan(0x1000000);
    expect(pmTmr & 0x7fffff).toBeLessThan(0x100000);
    expect(out).toMatch(/\ndemo: every timer interrupted as programmed; powering off\n\nVM stopped/);
  }, 40_000);

  it('xen-hvm: the HPET periodic timer keeps interrupting (comparator then period, as HPET 1.0a and Xen need)', async () => {
    let out = '';
    const code = await main(['demo', '--guest', '--profile', 'xen-hvm'], { out: (s) => (out += s), err: (s) => (out += s) });
    expect(out).not.toMatch(/FAIL/);
    expect(out).toMatch(/^HPET timer 0, periodic 10 ms, legacy replacement via IO-APIC pin 2 \(vector 0x32\): 10 interrupts, \d+ us apart$/m);
    // xen-hvm has no PM1a control block (Xen leaves it to the device model): the guest ends through isa-debug-exit.
    expect(out).toMatch(/\ndemo: every timer interrupted as programmed; powering off\n\nVM stopped: guest wrote 0 to isa-debug-exit \(status 1\)/);
    expect(code).toBe(0);
  }, 40_000);
});

describe('demo --guest where KVM cannot run', () => {
  it('says why in one line, then runs the platform demo', async () => {
    let out = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (out += t) };
    const noKvm = () => Promise.reject(new KvmUnavailableError('no-device', '/dev/kvm does not exist: load the kvm module'));
    const code = await runGuestDemo(undefined, io, () => (io.out('platform demo\n'), 0), noKvm);
    expect(code).toBe(0);
    expect(out).toBe('(No KVM guest demo: /dev/kvm does not exist: load the kvm module. Showing the CPU-less platform demo instead.)\n\nplatform demo\n');
  });

  it('other errors are not hidden behind the fallback', async () => {
    const io = { out: () => undefined, err: () => undefined };
    await expect(
      runGuestDemo(
        undefined,
        io,
        () => 0,
        () => Promise.reject(new RangeError('bug')),
      ),
    ).rejects.toThrow('bug');
  });
});

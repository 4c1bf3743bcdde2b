// The missed-tick policy (timerMode, Xen's HVM_PARAM_TIMER_MODE) is active on a built platform:
// a guest that leaves a 1 kHz platform timer unacknowledged for 5 periods, then takes its vector
// (qtest `inta`) and EOIs each time, gets the ticks Xen's vpt owes it: 5 under the replaying
// policies, 1 under the collapsing ones, 1 on qemu-pc (hardware: the IRR holds one edge).
// Driven end to end through createPlatform + QtestSession, by the IO-APIC and by the 8259 path.
import { describe, expect, it } from 'vitest';
import { createPlatform, type PlatformOptions } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { TIMER_MODES, type TimerMode } from '../../src/device-model/timer-mode/timer-mode.js';
import type { Pit } from '../../src/devices/pit/pit.js';

const LAPIC_ON = ['writel 0xfee000f0 0x1ff'];
const LAPIC_EOI = 'writel 0xfee000b0 0';
/** IO-APIC redirection entry of `gsi`: fixed, physical destination APIC ID `dest`, edge, unmasked. */
const rte = (gsi: number, vector: number, dest = 0) => [
  `writel 0xfec00000 0x${(0x11 + 2 * gsi).toString(16)}`,
  `writel 0xfec00010 0x${(dest << 24).toString(16)}`,
  `writel 0xfec00000 0x${(0x10 + 2 * gsi).toString(16)}`,
  `writel 0xfec00010 0x${vector.toString(16)}`,
];
/** PIT channel 0, mode 2, 1193 counts: 999.85 µs (≈ 1 kHz). */
const PIT_1KHZ = ['outb 0x43 0x34', 'outb 0x40 0xa9', 'outb 0x40 0x04'];
/** RTC: divider on, rate 6 (1024 Hz, 976.5625 µs), PIE, 24-hour. */
const RTC_1024HZ = ['outb 0x70 0x0a', 'outb 0x71 0x26', 'outb 0x70 0x0b', 'outb 0x71 0x42'];
/** HPET timer 0 periodic with route `route` every 1 ms (62,500 ticks of 16 ns), counter enabled. */
const hpet1khz = (route: number, general = 1) => [
  `writel 0xfed00100 0x${(0x4c | (route << 9)).toString(16)}`,
  'writeq 0xfed00108 62500',
  'writeq 0xfed00108 62500',
  `writel 0xfed00010 ${general}`,
];
/** 8259 pair: ICW1–4 with vector base 0x20/0x28, only `unmask` open; LAPIC LINT0 ExtINT. */
const picVia = (masterImr: number, slaveImr = 0xff) => [
  'outb 0x20 0x11',
  'outb 0x21 0x20',
  'outb 0x21 0x04',
  'outb 0x21 0x01',
  `outb 0x21 0x${masterImr.toString(16)}`,
  'outb 0xa0 0x11',
  'outb 0xa1 0x28',
  'outb 0xa1 0x02',
  'outb 0xa1 0x01',
  `outb 0xa1 0x${slaveImr.toString(16)}`,
  'writel 0xfee00350 0x700',
];

function session(options: PlatformOptions): QtestSession {
  const s = new QtestSession(createPlatform({ ramBytes: 0, ...options }));
  installExtensions(s);
  return s;
}

function run(s: QtestSession, cmds: readonly string[]): void {
  for (const c of cmds) expect(s.handle(c)[0], c).toMatch(/^OK/);
}

/** Takes interrupts (INTA then EOI) until none is pending; returns the vectors taken. */
function drain(s: QtestSession, eoi: readonly string[] = [LAPIC_EOI]): string[] {
  const taken: string[] = [];
  for (let k = 0; k < 20; k++) {
    const r = s.handle('inta')[0]!;
    if (r === 'OK none') break;
    taken.push(r.slice(3));
    run(s, eoi);
  }
  return taken;
}

const OWED: Record<TimerMode, number> = {
  delay_for_missed_ticks: 5,
  no_delay_for_missed_ticks: 5,
  no_missed_ticks_pending: 1,
  one_missed_tick_pending: 1,
};

describe('missed ticks of platform timers on a built xen-hvm platform (5 periods unacknowledged)', () => {
  for (const timerMode of TIMER_MODES) {
    it(`${timerMode}: PIT IRQ0 → GSI 2 through the IO-APIC: ${OWED[timerMode]} deliveries`, () => {
      const s = session({ timerMode });
      run(s, [...LAPIC_ON, ...rte(2, 0x30), ...PIT_1KHZ, 'clock_step 5500000']);
      expect(drain(s)).toEqual(Array(OWED[timerMode]).fill('0x30'));
      // Afterwards the guest keeps up: one tick per period, nothing owed.
      run(s, ['clock_step 1000000']);
      expect(drain(s)).toEqual(['0x30']);
    });

    it(`${timerMode}: PIT IRQ0 through the 8259 (LINT0 ExtINT, vector base 0x20): ${OWED[timerMode]} deliveries`, () => {
      const s = session({ timerMode });
      run(s, [...LAPIC_ON, ...picVia(0xfe), ...PIT_1KHZ, 'clock_step 5500000']);
      expect(drain(s, ['outb 0x20 0x20'])).toEqual(Array(OWED[timerMode]).fill('0x20'));
    });

    it(`${timerMode}: RTC periodic 1024 Hz on IRQ8 → GSI 8: ${OWED[timerMode]} deliveries`, () => {
      const s = session({ timerMode });
      run(s, [...LAPIC_ON, ...rte(8, 0x38), ...RTC_1024HZ, 'clock_step 5300000']); // 5 periods by 4.88 ms
      expect(drain(s)).toEqual(Array(OWED[timerMode]).fill('0x38'));
    });

    it(`${timerMode}: HPET timer 0 periodic 1 kHz on GSI 20: ${OWED[timerMode]} deliveries`, () => {
      const s = session({ timerMode });
      run(s, [...LAPIC_ON, ...rte(20, 0x48), ...hpet1khz(20), 'clock_step 5500000']);
      expect(drain(s)).toEqual(Array(OWED[timerMode]).fill('0x48'));
    });
  }

  it('RTC through the slave 8259 (vector base 0x28 + IRQ8 & 7): the ticks owed, EOI to both chips', () => {
    const s = session({});
    run(s, [...LAPIC_ON, ...picVia(0xfb, 0xfe), ...RTC_1024HZ, 'clock_step 5300000']);
    expect(drain(s, ['outb 0xa0 0x20', 'outb 0x20 0x20'])).toEqual(Array(5).fill('0x28'));
  });

  it('HPET legacy replacement: timer 0 is ISA IRQ0 (GSI 2 vector), the PIT silent', () => {
    const s = session({});
    run(s, [...LAPIC_ON, ...rte(2, 0x30), ...PIT_1KHZ, ...hpet1khz(20, 3), 'clock_step 5500000']);
    expect(drain(s)).toEqual(Array(5).fill('0x30'));
  });

  it('a vector that is no timer source leaves the backlog alone; the timer vector then replays it', () => {
    const s = session({});
    run(s, [...LAPIC_ON, ...rte(2, 0x30), ...rte(5, 0x60), ...PIT_1KHZ, 'clock_step 5500000', 'set_irq_in ioapic unnamed-gpio-in 5 1']);
    const taken = drain(s);
    expect(taken[0]).toBe('0x60'); // higher priority class first; not the PIT's
    expect(taken.slice(1)).toEqual(Array(5).fill('0x30'));
  });

  it('qemu-pc follows the hardware: no tracking, one delivery for 5 missed periods', () => {
    const s = session({ profile: 'qemu-pc' });
    expect(s.platform.timerAcknowledgements).toBeNull();
    run(s, ['writel 0xfee00350 0x10700', ...LAPIC_ON, ...rte(2, 0x30), ...PIT_1KHZ, 'clock_step 5500000']);
    expect(drain(s)).toEqual(['0x30']);
  });
});

describe("Xen's rule: platform-timer interrupts belong to the vCPU that handles the 8259", () => {
  /** 2 vCPUs; GSI 2 to vCPU `dest`'s APIC (ID 2 × vcpu on Xen); vCPU `picCpu` (or none) takes PIC interrupts. */
  function twoCpus(dest: number, picCpu: number | null): QtestSession {
    const s = session({ vcpus: 2 });
    for (const v of [0, 1]) run(s, [`vcpu ${v}`, ...LAPIC_ON, ...(v === picCpu ? ['writel 0xfee00350 0x700'] : [])]);
    run(s, ['vcpu 0', ...rte(2, 0x30, dest * 2), ...PIT_1KHZ, 'clock_step 5500000', `vcpu ${dest}`]);
    return s;
  }

  it('no vCPU accepts PIC interrupts: vCPU 0 is the target and its acknowledges replay the backlog', () => {
    const s = twoCpus(0, null);
    expect(drain(s)).toEqual(Array(5).fill('0x30'));
  });

  it('vCPU 1 handles the 8259: vCPU 0 taking the vector is not an acknowledge of the PIT (one delivery)', () => {
    const s = twoCpus(0, 1);
    expect(drain(s)).toEqual(['0x30']);
  });

  it('vCPU 1 handles the 8259 and takes GSI 2: its acknowledges replay the backlog', () => {
    const s = twoCpus(1, 1);
    expect(drain(s)).toEqual(Array(5).fill('0x30'));
    expect(s.platform.device<Pit>('pit').periodicTimer.targetVcpu()).toBe(1);
  });
});

// The platform's timerMode option (HVM_PARAM_TIMER_MODE) reaches the LAPIC timer: a guest that
// leaves interrupts disabled for 5 periods of its periodic LAPIC timer gets the ticks Xen's policy
// owes it, driven end to end through the qtest front-end (clock_step, inta, EOI writes).
import { describe, expect, it } from 'vitest';
import { createPlatform, type PlatformOptions } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';

function guest(options: PlatformOptions): { acks: (string | undefined)[]; session: QtestSession } {
  const s = new QtestSession(createPlatform({ vcpus: 1, ramBytes: 0, ...options }));
  installExtensions(s);
  // LINT0 masked: under qemu-pc it starts as ExtINT (virtual wire) and would answer for the PIC.
  const setup = ['writel 0xfee000f0 0x1ff', 'writel 0xfee00350 0x10700', 'writel 0xfee003e0 0xb', 'writel 0xfee00320 0x20040'];
  const tmict = options.profile === 'qemu-pc' ? 100_000 : 10_000; // 100 µs on either bus clock
  for (const cmd of [...setup, `writel 0xfee00380 ${tmict}`, 'clock_step 550000']) expect(s.handle(cmd)[0]).toMatch(/^OK/);
  const acks: (string | undefined)[] = [];
  for (let k = 0; k < 8; k++) {
    acks.push(s.handle('inta')[0]);
    s.handle('writel 0xfee000b0 0');
  }
  return { acks, session: s };
}

describe('missed-tick policy of the LAPIC timer through createPlatform', () => {
  it('xen-hvm, no_delay_for_missed_ticks (the default): all 5 ticks, back to back', () => {
    expect(guest({ profile: 'xen-hvm' }).acks).toEqual([...Array(5).fill('OK 0x40'), 'OK none', 'OK none', 'OK none']);
  });

  it('xen-hvm, no_missed_ticks_pending: one', () => {
    expect(guest({ profile: 'xen-hvm', timerMode: 'no_missed_ticks_pending' }).acks).toEqual(['OK 0x40', ...Array(7).fill('OK none')]);
  });

  it('qemu-pc: hardware coalescing, one', () => {
    expect(guest({ profile: 'qemu-pc' }).acks).toEqual(['OK 0x40', ...Array(7).fill('OK none')]);
  });

  it('the owed ticks survive a platform snapshot', () => {
    const a = createPlatform({ profile: 'xen-hvm', vcpus: 1, ramBytes: 0 });
    const s = new QtestSession(a);
    installExtensions(s);
    for (const cmd of ['writel 0xfee000f0 0x1ff', 'writel 0xfee003e0 0xb', 'writel 0xfee00320 0x20040', 'writel 0xfee00380 10000', 'clock_step 350000'])
      s.handle(cmd);
    const b = createPlatform({ profile: 'xen-hvm', vcpus: 1, ramBytes: 0 });
    b.restore(a.snapshot());
    const t = new QtestSession(b);
    installExtensions(t);
    const take = (x: QtestSession) => [0, 1, 2, 3].map(() => [x.handle('inta')[0], x.handle('writel 0xfee000b0 0')[0]][0]);
    expect(take(t)).toEqual(['OK 0x40', 'OK 0x40', 'OK 0x40', 'OK none']);
    expect(take(s)).toEqual(['OK 0x40', 'OK 0x40', 'OK 0x40', 'OK none']);
  });
});

// The i8259 target that platform-timer acknowledgements follow is cached between acknowledgements
// (issue 14: no scan of every vCPU per acknowledgement); a change of any vCPU's LVT LINT0, SVR or
// APIC enable must still move the platform timers at the next acknowledgement, as Xen's
// pt_adjust_global_vcpu_target does on the write itself.
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import type { Pit } from '../../src/devices/pit/pit.js';

function run(s: QtestSession, cmds: readonly string[]): void {
  for (const c of cmds) expect(s.handle(c)[0], c).toMatch(/^OK/);
}

function drain(s: QtestSession): string[] {
  const taken: string[] = [];
  for (let k = 0; k < 20; k++) {
    const r = s.handle('inta')[0]!;
    if (r === 'OK none') break;
    taken.push(r.slice(3));
    run(s, ['writel 0xfee000b0 0']);
  }
  return taken;
}

describe('platform timers follow the i8259 target as it changes', () => {
  for (const [what, change] of [
    ['LVT LINT0 masked', 'writel 0xfee00350 0x10700'],
    ['LVT LINT0 set to fixed delivery', 'writel 0xfee00350 0x30'],
    ['APIC software-disabled (SVR)', 'writel 0xfee000f0 0xff'],
  ] as const) {
    it(`vCPU 1 stops accepting PIC interrupts (${what}): the next acknowledgement moves the PIT to vCPU 0`, () => {
      const s = new QtestSession(createPlatform({ ramBytes: 0, vcpus: 2 }));
      installExtensions(s);
      const pit = s.platform.device<Pit>('pit');
      run(s, ['vcpu 0', 'writel 0xfee000f0 0x1ff', 'vcpu 1', 'writel 0xfee000f0 0x1ff', 'writel 0xfee00350 0x700']);
      // GSI 2 → vector 0x30 at APIC ID 0; PIT channel 0 at ≈ 1 kHz
      run(s, ['vcpu 0', 'writel 0xfec00000 0x15', 'writel 0xfec00010 0', 'writel 0xfec00000 0x14', 'writel 0xfec00010 0x30']);
      run(s, ['outb 0x43 0x34', 'outb 0x40 0xa9', 'outb 0x40 0x04', 'clock_step 2500000']);
      expect(drain(s)).toEqual(['0x30']);
      expect(pit.periodicTimer.targetVcpu()).toBe(1);
      run(s, ['vcpu 1', change, 'vcpu 0', 'clock_step 1000000']);
      drain(s);
      expect(pit.periodicTimer.targetVcpu()).toBe(0);
    });
  }
});

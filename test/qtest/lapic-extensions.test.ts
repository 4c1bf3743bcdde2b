// The qtest extension commands drive the LAPIC of the current vCPU (Xen profile: 100 MHz APIC bus,
// APIC ID = 2 × vCPU, version 0x00050014: xen/arch/x86/hvm/vlapic.c).
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { replayTranscript } from '../../src/qtest/transcript.js';

function session(vcpus = 2) {
  const s = new QtestSession(createPlatform({ profile: 'xen-hvm', vcpus, ramBytes: 0 }));
  installExtensions(s);
  return s;
}

describe('qtest extensions on the LAPIC', () => {
  it('MMIO at the APIC base is served by the current vCPU’s LAPIC', () => {
    expect(
      replayTranscript(
        session(),
        `> readl 0xfee00030
OK 0x0000000000050014
> readl 0xfee00020
OK 0x0000000000000000
> vcpu 1
OK
> readl 0xfee00020
OK 0x0000000002000000
> vcpu 2
FAIL no vCPU 2 (this platform has 2)
`,
      ),
    ).toEqual([]);
  });

  it('one-shot timer: 1000 counts at divide-by-1 fire after 10 µs; inta moves 0x40 from IRR to ISR; EOI clears it', () => {
    expect(
      replayTranscript(
        session(),
        `> writel 0xfee000f0 0x1ff
OK
> writel 0xfee00320 0x40
OK
> writel 0xfee003e0 0xb
OK
> writel 0xfee00380 1000
OK
> clock_step 9990
OK 9990
> inta
OK none
> readl 0xfee00390
OK 0x0000000000000001
> clock_step 10
OK 10000
> readl 0xfee00220
OK 0x0000000000000001
> inta
OK 0x40
> readl 0xfee00220
OK 0x0000000000000000
> readl 0xfee00120
OK 0x0000000000000001
> writel 0xfee000b0 0
OK
> readl 0xfee00120
OK 0x0000000000000000
> inta
OK none
`,
      ),
    ).toEqual([]);
  });

  it('x2APIC through IA32_APIC_BASE: MSRs work, EOI reads #GP, the xAPIC window is gone', () => {
    expect(
      replayTranscript(
        session(),
        `> rdmsr 0x1b
OK 0x00000000fee00900
> rdmsr 0x802
FAIL #GP
> wrmsr 0x1b 0xfee00d00
OK
> rdmsr 0x802
OK 0x0000000000000000
> rdmsr 0x803
OK 0x0000000000050014
> rdmsr 0x80b
FAIL #GP
> wrmsr 0x80b 1
FAIL #GP
> wrmsr 0x80b 0
OK
> readl 0xfee00030
OK 0x00000000ffffffff
> vcpu 1
OK
> rdmsr 0x1b
OK 0x00000000fee00800
> wrmsr 0x1b 0xfee00d00
OK
> rdmsr 0x802
OK 0x0000000000000002
> rdmsr 0x80d
OK 0x0000000000000004
> rdmsr 0x10
FAIL #GP
`,
      ),
    ).toEqual([]);
  });

  it('a platform without a LAPIC answers inta with none and MSRs with #GP', () => {
    const s = new QtestSession(createPlatform({ profile: 'xen-pv', ramBytes: 0 }));
    installExtensions(s);
    expect(s.handle('inta')).toEqual(['OK none']);
    expect(s.handle('rdmsr 0x1b')).toEqual(['FAIL #GP']);
    expect(s.handle('rdmsr')[0]).toMatch(/^FAIL rdmsr: expected/);
  });
});

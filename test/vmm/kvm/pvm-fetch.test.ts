// PVM quirks fetch the failed instruction through KVM_TRANSLATE at its exact linear address, also
// for a long-mode kernel's high-half RIP (above 2^53, which a double cannot hold): Linux 6.1's INT3
// at 0xffffffff8308a027 was fetched from a rounded address and the boot stopped on it.
import { describe, expect, it } from 'vitest';
import { SIZEOF, SREGS } from '../../../src/vmm/kvm/abi.js';
import { hostQuirks } from '../../../src/vmm/kvm/pvm-host.js';
import type { Vcpu } from '../../../src/vmm/vcpu.js';

describe('PVM quirks: instruction fetch', () => {
  it('translates the high-half RIP of a 64-bit kernel exactly, byte by byte from it', () => {
    const sregs = new DataView(new ArrayBuffer(SIZEOF.sregs));
    sregs.setBigUint64(SREGS.cr0, 0x80000011n, true);
    sregs.setBigUint64(SREGS.efer, 0x500n, true); // LME | LMA
    sregs.setUint8(SREGS.cs + 19, 1); // CS.L: 64-bit code
    const asked: unknown[] = [];
    const rip = 0xffffffff8308a027n;
    const kvm = {
      getRegs: () => true,
      reg: (name: string) => (name === 'rip' ? rip : 2n),
      getSregs: () => sregs,
      translate: (linear: number | bigint) => {
        asked.push(linear);
        return -1; // unmapped: the quirk gives up, which is all this test needs
      },
    };
    const done = hostQuirks('pvm').completeFailedEmulation({ kvm, index: 0 } as unknown as Vcpu, new Uint8Array(4096));
    expect(done).toBe(false);
    expect(asked[0]).toBe(rip);
  });
});

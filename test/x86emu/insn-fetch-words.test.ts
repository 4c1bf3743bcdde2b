// BusEmulateOps.insnFetch copies the first 12 bytes from RAM as three uint32 words when the
// destination is 4-aligned (issue 14: the fetch was a third of a fetched instruction's time). The
// bytes must be exactly RAM's, at any address (a page's or the RAM's last bytes, odd addresses),
// into aligned and unaligned buffers, and nothing beyond `max` may be written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';

const RAM_BYTES = 0x3000;

function rig() {
  const mmio = new MmioBus();
  const ram = new Uint8Array(RAM_BYTES);
  for (let i = 0; i < ram.length; i++) ram[i] = (i * 151 + 7) & 0xff;
  mmio.addRam(0, ram);
  mmio.register(RAM_BYTES, 0x1000, { read: () => 0x5a, write: () => undefined }, { owner: 'dev', sizes: 1 | 2 | 4 });
  return { ops: new BusEmulateOps(mmio, new PortBus()), ram };
}

describe('insnFetch from RAM by words', () => {
  it('property: the fetched bytes are RAM bytes (device bytes past its end), nothing written beyond max', () => {
    const { ops, ram } = rig();
    const ctxt = { vcpu: 0, stringOp: false } as never;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: RAM_BYTES - 1 }), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 3 }), (addr, max, shift) => {
        const backing = new Uint8Array(20).fill(0xee);
        const dst = backing.subarray(shift, shift + 16);
        const n = ops.insnFetch(addr, 0, dst, max, ctxt);
        expect(n).toBe(max);
        for (let i = 0; i < max; i++) expect(dst[i]).toBe(addr + i < RAM_BYTES ? ram[addr + i] : 0x5a);
        for (let i = max; i < 16; i++) expect(dst[i]).toBe(0xee);
      }),
      { numRuns: 400 },
    );
  });

  it('an instruction fetched from RAM executes as the same bytes supplied', () => {
    const { ops, ram } = rig();
    // mov eax, 0x12345678 at the last 5 bytes of the first page, then the next page.
    ram.set([0xb8, 0x78, 0x56, 0x34, 0x12], 0xffb);
    const emu = new X86Emulator();
    const s = new CpuState().setLongMode();
    s.ripLo = 0xffb;
    expect(emu.emulate(s, ops).kind).toBe('executed');
    expect(s.getReg(0)).toBe(0x12345678n);
    expect(s.ripLo).toBe(0x1000);
  });
});

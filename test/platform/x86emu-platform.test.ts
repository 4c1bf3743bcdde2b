// The instruction emulator drives a whole platform built by createPlatform: guest instructions
// reach the debug console, the IO-APIC and the LAPIC through the platform's own buses.
import { describe, expect, it } from 'vitest';
import { CollectingSink } from '../../src/devices/debugcon/debug-console.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RAX, RCX, RDX } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.split(' ').map((b) => parseInt(b, 16)));
}

describe('x86emu on a xen-hvm platform', () => {
  it('out dx, al / rep outsb print on the debug console; mov to MMIO routes an interrupt end to end', () => {
    const sink = new CollectingSink();
    const p = createPlatform({ debugConsole: sink, ramBytes: 1 << 20 });
    const ops = new BusEmulateOps(p.mmio, p.ports);
    const emu = new X86Emulator();
    const s = new CpuState().setLongMode();
    const run = (hex: string) => expect(emu.emulate(s, ops, { insnBytes: bytes(hex) }).kind).toBe('executed');

    // "hi\n" from RAM at 0x2000 through rep outsb to port 0xE9.
    p.mmio.writeBytes(0x2000, Uint8Array.from([0x68, 0x69, 0x0a]));
    s.setReg(RDX, 0xe9).setReg(RCX, 3);
    s.setReg(6 /* RSI */, 0x2000);
    run('f3 6e'); // rep outsb
    expect(sink.lines).toEqual(['hi']);

    // Program IO-APIC GSI 9 (vector 0x39, level) with mov [rax], ecx / mov [rax+0x10], edx.
    s.setReg(RAX, 0xfec00000).setReg(RCX, 0x22).setReg(RDX, 0x8039);
    run('89 08');
    run('89 50 10');
    // Enable the LAPIC with mov [rax+0xf0], ecx.
    s.setReg(RAX, 0xfee00000).setReg(RCX, 0x1ff);
    run('89 88 f0 00 00 00');

    p.irq.sourceLine('test', 9).raise();
    const lapic = p.vcpus[0]!.devices.get('lapic') as unknown as { acknowledge(): number | null };
    expect(lapic.acknowledge()).toBe(0x39);
    // ISR bit 0x39 is in ISR[1] (0x110), bit 25: read it with mov eax, [rax+0x110].
    run('8b 80 10 01 00 00');
    expect(s.getReg(RAX)).toBe(0x02000000n);
    s.setReg(RAX, 0xfee00000).setReg(RCX, 0);
    run('89 88 b0 00 00 00'); // EOI
    expect(p.mmio.read(0xfee00110, 4)).toBe(0);
  });
});

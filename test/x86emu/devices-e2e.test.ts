// End to end against the real device models: instructions emulated by x86emu reach the IO-APIC,
// the LAPIC and the HPET through a real MmioBus and change their state as the guest intends.
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import type { ApicMessage, ApicMessageSink, EoiListener } from '../../src/irq/apic-bus.js';
import { InterruptFabric, XEN_ISA_TO_GSI } from '../../src/irq/fabric.js';
import { VirtualClock } from '../../src/time/clock.js';
import { Ioapic } from '../../src/devices/ioapic/ioapic.js';
import { XEN_IOAPIC_PARAMS } from '../../src/devices/ioapic/params.js';
import { ApicRouter } from '../../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS } from '../../src/devices/lapic/params.js';
import type { ExtIntSource } from '../../src/irq/ext-int-source.js';
import { Hpet } from '../../src/devices/hpet/hpet.js';
import { XEN_HPET_PARAMS } from '../../src/devices/hpet/hpet-params.js';
import { RecordingLegacyListener } from '../../src/devices/hpet/legacy-replacement.js';
import { XEN_DEFAULT_TIMER_MODE } from '../../src/device-model/timer-mode/timer-mode.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RAX, RCX, RDX } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { hex } from './helpers.js';

class Sink implements ApicMessageSink {
  readonly messages: ApicMessage[] = [];
  deliverApicMessage(m: ApicMessage): void {
    this.messages.push({ ...m });
  }
}

function run(emu: X86Emulator, s: CpuState, ops: BusEmulateOps, bytes: string): void {
  const r = emu.emulate(s, ops, { insnBytes: hex(bytes) });
  expect(r.kind).toBe('executed');
}

describe('x86emu against real devices', () => {
  it('mov [rax], ecx then mov [rax+0x10], edx program an IO-APIC redirection entry', () => {
    const mmio = new MmioBus();
    const ioapic = new Ioapic(mmio, new InterruptFabric({ gsiCount: 48, isaToGsi: XEN_ISA_TO_GSI }), new Sink(), XEN_IOAPIC_PARAMS);
    const ops = new BusEmulateOps(mmio, new PortBus());
    const emu = new X86Emulator();
    const s = new CpuState().setLongMode().setReg(RAX, 0xfec00000);
    s.setReg(RCX, 0x10 + 2 * 5).setReg(RDX, 0x0001a031); // pin 5 low: vector 0x31, level, masked
    run(emu, s, ops, '89 08');
    run(emu, s, ops, '89 50 10');
    s.setReg(RCX, 0x11 + 2 * 5).setReg(RDX, 0x03000000); // high: destination 3
    run(emu, s, ops, '89 08');
    run(emu, s, ops, '89 50 10');
    expect(ioapic.redirectionEntry(5)).toBe(0x03000000_0001a031n);
    run(emu, s, ops, '8b 40 10'); // mov eax, [rax+0x10] reads the window back
    expect(s.getReg(RAX)).toBe(0x03000000n);
  });

  it('mov [rax+0xb0], ecx is a LAPIC EOI for the vector in service', () => {
    const mmio = new MmioBus();
    const pic: ExtIntSource = { acknowledgeExtInt: () => 0x20 };
    const router = new ApicRouter(mmio, new InterruptFabric(), new VirtualClock(), XEN_LAPIC_PARAMS, 1, pic);
    const eois: number[] = [];
    const listener: EoiListener = { onEoi: (v) => eois.push(v) };
    router.addEoiListener(listener);
    const ops = new BusEmulateOps(mmio, new PortBus());
    const emu = new X86Emulator();
    const s = new CpuState().setLongMode().setReg(RAX, 0xfee00000).setReg(RCX, 0x1ff);
    run(emu, s, ops, '89 88 f0 00 00 00'); // SVR: software enable
    const lapic = router.lapics[0]!;
    lapic.receive(0, 0x40, true, true); // fixed, level-triggered vector 0x40
    expect(lapic.acknowledge()).toBe(0x40);
    s.setReg(RCX, 0);
    run(emu, s, ops, '89 88 b0 00 00 00');
    expect(eois).toEqual([0x40]);
    run(emu, s, ops, '8b 80 20 01 00 00'); // ISR[63:32] read back: clear
    expect(s.getReg(RAX)).toBe(0n);
  });

  it('movdqu into an HPET register pair: timer 0 config and comparator as two 8-byte writes', () => {
    const mmio = new MmioBus();
    const hpet = new Hpet(mmio, new InterruptFabric(), new VirtualClock(), XEN_HPET_PARAMS, new RecordingLegacyListener(), XEN_DEFAULT_TIMER_MODE);
    void hpet;
    const ops = new BusEmulateOps(mmio, new PortBus());
    const emu = new X86Emulator();
    const s = new CpuState().setLongMode().setReg(RAX, 0xfed00000);
    const x = s.vecView(0);
    new DataView(x.buffer, x.byteOffset).setBigUint64(0, 0x4n, true); // Tn_INT_ENB_CNF
    new DataView(x.buffer, x.byteOffset).setBigUint64(8, 0x12345678n, true); // comparator
    run(emu, s, ops, 'f3 0f 7f 80 00 01 00 00'); // movdqu [rax+0x100], xmm0
    expect(mmio.read64(0xfed00108) & 0xffffffffn).toBe(0x12345678n);
    expect(mmio.read64(0xfed00100) & 0x4n).toBe(0x4n);
    run(emu, s, ops, 'f3 0f 6f 88 00 01 00 00'); // movdqu xmm1, [rax+0x100]
    expect(new DataView(s.vec.buffer).getBigUint64(32 + 8, true) & 0xffffffffn).toBe(0x12345678n);
  });
});

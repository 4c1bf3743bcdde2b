// Re-entrancy and atomicity: a timer retargeted or stopped from inside its own interrupt, an
// asynchronous MMIO backend whose state changes between the two halves of one instruction, and
// bus tables changed by a handler while the bus is dispatching to it.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { StaleRegionError } from '../../src/bus/errors.js';
import type { Platform } from '../../src/platform/platform.js';
import type { Region } from '../../src/bus/region.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RAX } from '../../src/x86emu/cpu-state.js';
import { X86EMUL_OKAY, X86EMUL_RETRY } from '../../src/x86emu/ops.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';

const LAPIC = 0xfee00000;
const IOAPIC = 0xfec00000;
const HPET = 0xfed00000;

function lapicOf(p: Platform, vcpu: number): { acknowledge(): number | null } {
  return p.vcpus[vcpu]!.devices.get('lapic') as unknown as { acknowledge(): number | null };
}

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.split(' ').map((x) => parseInt(x, 16)));
}

describe('bad inputs, class G: re-entrancy and atomicity', () => {
  it("entry 49, XSA-336 (vpt timer retargeted while it fires): an IO-APIC destination rewritten, then the timer stopped, from inside the timer's own interrupt: every tick is delivered once, to the destination in force, and none after the stop", () => {
    const p = createPlatform({ profile: 'xen-hvm', vcpus: 2, ramBytes: 0 });
    for (const v of [0, 1]) p.mmio.write(LAPIC + 0xf0, 4, 0x1ff, accessContext(v));
    const apicId = (v: number): number => p.mmio.read(LAPIC + 0x20, 4, accessContext(v)) >>> 24;
    const rte = (dest: number): void => {
      p.mmio.write(IOAPIC, 4, 0x10 + 2 * 20 + 1);
      p.mmio.write(IOAPIC + 0x10, 4, dest << 24);
      p.mmio.write(IOAPIC, 4, 0x10 + 2 * 20);
      p.mmio.write(IOAPIC + 0x10, 4, 0x45); // vector 0x45, edge, physical, unmasked
    };
    rte(apicId(0));
    let ticks = 0;
    p.irq.observeGsi((gsi, level) => {
      if (gsi !== 20 || !level) return;
      ticks++;
      if (ticks === 2) rte(apicId(1)); // retarget from inside the second tick
      if (ticks === 5) p.mmio.write(HPET + 0x100, 4, 20 << 9); // disable the timer from inside the fifth
    });
    p.mmio.write(HPET + 0x100, 4, (20 << 9) | (1 << 2) | (1 << 3) | (1 << 6)); // GSI 20, periodic
    p.mmio.write(HPET + 0x108, 4, 25_000); // 400 µs
    p.mmio.write(HPET + 0x108, 4, 25_000);
    p.mmio.write(HPET + 0x10, 4, 1);
    const got: [number, number][] = [];
    for (let k = 0; k < 8; k++) {
      p.clock.advance(400_000);
      for (const v of [0, 1]) {
        const vec = lapicOf(p, v).acknowledge();
        if (vec !== null) {
          got.push([k, v]);
          expect(vec).toBe(0x45);
          p.mmio.write(LAPIC + 0xb0, 4, 0, accessContext(v));
        }
      }
    }
    expect(ticks).toBe(5);
    // Tick 1 on vCPU 0; tick 2 was raised on its way to vCPU 0 when the retarget ran (either answer
    // is one delivery); ticks 3–5 on vCPU 1; nothing after the stop.
    expect(got.length).toBe(5);
    expect(got[0]).toEqual([0, 0]);
    expect(got.slice(2)).toEqual([
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect(p.clock.nextDeadline()).toBe(null);
  });

  it('entry 55, XSA-262 (I/O request state driven backwards): an MMIO backend that answers RETRY and then changes its data: completed chunks are replayed, not re-read; a store whose data changed in between is refused, not re-issued', () => {
    let deviceValue = 0x1111111111111111n;
    const reads: number[] = [];
    const writes: [number, bigint][] = [];
    let retryAt: number | null = 0xfed00108;
    const ops = new BusEmulateOps(new MmioBus(), new PortBus(), {
      mmioBackend: (phys, size, write, data) => {
        if (phys === retryAt) {
          retryAt = null;
          return X86EMUL_RETRY; // the device model needs a round trip
        }
        const dv = new DataView(data.buffer, data.byteOffset, 8);
        if (write) writes.push([phys, dv.getBigUint64(0, true)]);
        else {
          reads.push(phys);
          dv.setBigUint64(0, deviceValue + BigInt(phys & 0xff), true);
        }
        return X86EMUL_OKAY;
      },
    });
    const emu = new X86Emulator();
    // movdqu xmm0, [rax]: the first 8 bytes complete, the second chunk needs a round trip.
    const s = new CpuState().setLongMode().setReg(RAX, 0xfed00100);
    const load = hex('f3 0f 6f 00');
    expect(emu.emulate(s, ops, { insnBytes: load }).kind).toBe('retry');
    deviceValue = 0x2222222222222222n; // the device moved on while the request was in flight
    retryAt = null;
    expect(emu.emulate(s, ops, { insnBytes: load, retrying: true }).kind).toBe('executed');
    const x = new DataView(s.vec.buffer, 0, 16);
    expect(x.getBigUint64(0, true)).toBe(0x1111111111111111n); // the first completion, not a re-read
    expect(x.getBigUint64(8, true)).toBe(0x2222222222222222n + 8n);
    expect(reads).toEqual([0xfed00100, 0xfed00108]); // each chunk read from the device once
    expect(s.getRip()).toBe(4n);

    // movdqu [rax], xmm0: the first chunk is written, the second needs a round trip; meanwhile the
    // guest's source register changes. Replaying must not write different data for the first chunk.
    s.setRip(0n);
    writes.length = 0;
    retryAt = 0xfed00108;
    const store = hex('f3 0f 7f 00');
    expect(emu.emulate(s, ops, { insnBytes: store }).kind).toBe('retry');
    expect(writes).toEqual([[0xfed00100, 0x1111111111111111n]]);
    s.vec[0] = 0x99; // the in-flight request's data is no longer what was sent
    const r = emu.emulate(s, ops, { insnBytes: store, retrying: true });
    expect(r.kind).toBe('unhandleable');
    expect(writes).toEqual([[0xfed00100, 0x1111111111111111n]]); // never re-issued, never the new data
    expect(s.getRip()).toBe(0n); // nothing committed
  });

  it('entry 56, XSA-491 (I/O port list changed during dispatch): handlers that remove, re-register or move ranges while the bus is dispatching to them: the access completes with the old handler, later accesses reach the new layout, and a stale range is a typed host error', () => {
    // Ports, QEMU split policy: a 2-byte access over two 1-byte ranges whose first handler swaps out the second.
    const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
    let second: Region | null = null;
    const log: string[] = [];
    const first = ports.register(
      0x100,
      1,
      {
        read: () => {
          log.push('first');
          second?.remove();
          second = ports.register(0x101, 1, { read: () => (log.push('replacement'), 0x77), write: () => undefined }, { owner: 'replacement', sizes: 1 });
          return 0x11;
        },
        write: () => undefined,
      },
      { owner: 'first', sizes: 1 },
    );
    second = ports.register(0x101, 1, { read: () => (log.push('second'), 0x22), write: () => undefined }, { owner: 'second', sizes: 1 });
    // The second half is looked up after the first handler ran: it finds the replacement.
    expect(ports.read(0x100, 2)).toBe(0x7711);
    expect(log).toEqual(['first', 'replacement']);
    expect(ports.read(0x101, 1)).toBe(0x77);
    first.remove();
    expect(ports.read(0x100, 1)).toBe(0xff); // removed during nothing: plain unclaimed
    expect(() => first.move(0x200)).toThrow(StaleRegionError);

    // MMIO, Xen reject policy: a handler that moves its own range away during its own write.
    const mmio = new MmioBus();
    let hits = 0;
    const bar: Region = mmio.register(
      0xe0000000,
      0x1000,
      {
        read: () => 0x5a5a5a5a,
        write: (off, _size, value) => {
          hits++;
          if (off === 0 && value === 1) bar.move(0xe0100000); // e.g. a BAR relocated by its own register
        },
      },
      { owner: 'bar', sizes: 4 },
    );
    mmio.write(0xe0000000, 4, 1);
    expect(hits).toBe(1);
    expect(mmio.read(0xe0000000, 4)).toBe(0xffffffff); // the old place is unclaimed at once
    expect(mmio.read(0xe0100000, 4)).toBe(0x5a5a5a5a);
    // A range removed from inside its own read: the read completes, the next access is unclaimed.
    const once: Region = mmio.register(0xe0200000, 0x1000, { read: () => (once.remove(), 0x1234), write: () => undefined }, { owner: 'once', sizes: 4 });
    expect(mmio.read(0xe0200000, 4)).toBe(0x1234);
    expect(mmio.read(0xe0200000, 4)).toBe(0xffffffff);
  });
});

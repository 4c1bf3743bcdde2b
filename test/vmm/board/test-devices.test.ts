// isa-debug-exit, pc-testdev (scratch register, flush page, iomem) and its IRQ-line block.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { debugExitStatus, ISA_DEBUG_EXIT_PORT, IsaDebugExit } from '../../../src/vmm/board/isa-debug-exit.js';
import { PC_TESTDEV_PORT, PcTestdev, PcTestdevIomem } from '../../../src/vmm/board/pc-testdev.js';
import { PC_TESTDEV_IRQ_PORT, PcTestdevIrqLines } from '../../../src/vmm/board/pc-testdev-irq-lines.js';
import { SYSTEM_CONTROL_PORT_A, SystemControlPortA } from '../../../src/vmm/board/system-control-port.js';
import { HOST_ACCESS } from '../../../src/bus/access.js';

describe('isa-debug-exit', () => {
  it("hands every written code to the VMM; the exit status is QEMU's (code << 1) | 1", () => {
    const ports = new PortBus();
    const codes: number[] = [];
    const dev = new IsaDebugExit((c) => codes.push(c));
    ports.register(ISA_DEBUG_EXIT_PORT, 4, dev, { owner: dev.id });
    ports.write(0xf4, 1, 0);
    ports.write(0xf4, 4, 0x1234_5678);
    ports.write(0xf6, 2, 3);
    expect(codes).toEqual([0, 0x1234_5678, 3]);
    expect([debugExitStatus(0), debugExitStatus(1), debugExitStatus(0x7f), debugExitStatus(0x80)]).toEqual([1, 3, 255, 1]);
    expect(ports.read(0xf4, 4)).toBe(0);
  });
});

describe('pc-testdev', () => {
  function rig() {
    const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
    const dev = new PcTestdev();
    ports.register(PC_TESTDEV_PORT, 12, dev, { owner: dev.id });
    return { ports, dev };
  }

  it('0xE0 is a 32-bit register whose byte lanes follow the port offset', () => {
    const { ports } = rig();
    ports.write(0xe0, 4, 0x11223344);
    expect([ports.read(0xe0, 4), ports.read(0xe1, 1), ports.read(0xe2, 2), ports.read(0xe3, 1)]).toEqual([0x11223344, 0x33, 0x1122, 0x11]);
    ports.write(0xe1, 2, 0xaabb);
    expect(ports.read(0xe0, 4)).toBe(0x11aabb44);
  });

  it('0xE8 reads and writes the same register', () => {
    const { ports } = rig();
    ports.write(0xe8, 4, 0xcafef00d);
    expect(ports.read(0xe0, 4)).toBe(0xcafef00d);
    ports.write(0xe0, 1, 0x99);
    expect(ports.read(0xe8, 4)).toBe(0xcafef099);
  });

  it('the flush port reads 0 and leaves the register alone', () => {
    const { ports, dev } = rig();
    ports.write(0xe0, 4, 7);
    ports.write(0xe4, 4, 0x1000);
    expect([ports.read(0xe4, 4), ports.read(0xe0, 4), dev.flushes]).toEqual([0, 7, 1]);
  });

  it('iomem keeps bytes of any access size, little-endian', () => {
    const m = new PcTestdevIomem();
    m.write(0x10, 4, 0x04030201, HOST_ACCESS);
    expect([m.read(0x10, 1, HOST_ACCESS), m.read(0x11, 2, HOST_ACCESS), m.read(0x10, 4, HOST_ACCESS)]).toEqual([1, 0x0302, 0x04030201]);
    m.write(0xfffe, 4, 0xffffffff, HOST_ACCESS); // clipped at the end, never throws
    expect(m.read(0xfffe, 2, HOST_ACCESS)).toBe(0xffff);
  });
});

describe('pc-testdev IRQ lines (0x2000 + n)', () => {
  function rig() {
    const ports = new PortBus();
    const fabric = new InterruptFabric();
    const gsi: string[] = [];
    fabric.observeGsi((g, l) => gsi.push(`${g}:${l ? 1 : 0}`));
    const dev = new PcTestdevIrqLines((n) => fabric.sourceLine(`t${n}`, n, n < 16 ? n : null));
    ports.register(PC_TESTDEV_IRQ_PORT, 24, dev, { owner: dev.id, sizes: 1 });
    return { ports, fabric, gsi, dev };
  }

  it('a byte write sets line n to (value != 0) on GSI n, and PIC input n below 16', () => {
    const { ports, fabric, gsi } = rig();
    ports.write(0x200e, 1, 1);
    expect([fabric.gsiLevel(14), fabric.picInputLevel(14)]).toEqual([true, true]);
    ports.write(0x200e, 1, 0x80);
    ports.write(0x200e, 1, 0);
    ports.write(0x2017, 1, 5);
    expect(gsi).toEqual(['14:1', '14:0', '23:1']);
    expect(ports.read(0x2017, 1)).toBe(0);
  });

  it('is one source among others on a GSI (wired-OR)', () => {
    const { ports, fabric } = rig();
    const other = fabric.sourceLine('other', 15);
    other.raise();
    ports.write(0x200f, 1, 1);
    ports.write(0x200f, 1, 0);
    expect(fabric.gsiLevel(15)).toBe(true);
  });

  it('word writes are not byte accesses: refused on a Xen bus', () => {
    const { ports, fabric } = rig();
    ports.write(0x200e, 2, 0x0101);
    expect(fabric.gsiLevel(14)).toBe(false);
  });

  it('reset lowers every line', () => {
    const { ports, fabric, dev } = rig();
    ports.write(0x2003, 1, 1);
    dev.reset();
    expect(fabric.gsiLevel(3)).toBe(false);
  });
});

describe('System Control Port A (0x92)', () => {
  it('a 0→1 write of bit 0 requests a reset once, until the reset clears it; bit 1 (A20) reads back', () => {
    const ports = new PortBus();
    let resets = 0;
    const dev = new SystemControlPortA(() => resets++);
    ports.register(SYSTEM_CONTROL_PORT_A, 1, dev, { owner: dev.id, sizes: 1 });
    ports.write(0x92, 1, 0x02);
    expect([ports.read(0x92, 1), resets]).toEqual([0x02, 0]);
    ports.write(0x92, 1, 0x03);
    ports.write(0x92, 1, 0x03);
    expect([ports.read(0x92, 1), resets, dev.a20]).toEqual([0x03, 1, true]);
    dev.reset();
    expect(ports.read(0x92, 1)).toBe(0x02);
    ports.write(0x92, 1, 0x01);
    expect([resets, dev.a20]).toEqual([2, false]);
  });
});

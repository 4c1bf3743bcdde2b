import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { BusOverlapError, BusRangeError, StaleRegionError } from '../../src/bus/errors.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { RecordingDevice } from './helpers.js';

const QEMU_PORTS = { widthPolicy: 'split', unclaimedRead: 'ones' } as const;

describe('PortBus dispatch', () => {
  it('passes offsets relative to the range base and the access context', () => {
    const bus = new PortBus();
    const dev = new RecordingDevice(4, -1);
    bus.register(0x40, 4, dev, { owner: 'pit' });
    expect(bus.read(0x42, 1, accessContext(3, true))).toBe(2);
    expect(dev.log).toEqual([{ dir: 'r', offset: 2, size: 1, vcpu: 3, stringOp: true }]);
  });

  it('unclaimed ports read all-ones of the access size and drop writes (Xen null handler)', () => {
    const bus = new PortBus();
    expect(bus.read(0x1234, 1)).toBe(0xff);
    expect(bus.read(0x1234, 2)).toBe(0xffff);
    expect(bus.read(0x1234, 4)).toBe(0xffffffff);
    bus.write(0x1234, 4, 0);
    expect(bus.unclaimedAccesses).toBe(4);
  });

  it('masks values to the access size both ways', () => {
    const bus = new PortBus();
    const dev = new RecordingDevice(4);
    bus.register(0x80, 4, dev, { owner: 'd' });
    bus.write(0x80, 1, 0x1ff);
    expect(dev.log[0]!.value).toBe(0xff);
    dev.bytes.set([0x11, 0x22, 0x33, 0x44]);
    expect(bus.read(0x80, 2)).toBe(0x2211);
    expect(bus.read(0x80, 4)).toBe(0x44332211);
  });

  describe('reject policy (Xen)', () => {
    it('an undeclared width never reaches the device and reads all-ones', () => {
      const bus = new PortBus();
      const dev = new RecordingDevice(2);
      bus.register(0x20, 2, dev, { owner: 'pic', sizes: 1 });
      expect(bus.read(0x20, 2)).toBe(0xffff);
      bus.write(0x20, 2, 0x1234);
      expect(dev.log).toEqual([]);
      expect(bus.rejectedAccesses).toBe(2);
    });

    it('an access straddling the end of a range never reaches the device', () => {
      const bus = new PortBus();
      const dev = new RecordingDevice(2);
      bus.register(0x70, 2, dev, { owner: 'rtc' });
      expect(bus.read(0x71, 2)).toBe(0xffff);
      expect(bus.read(0x6f, 2)).toBe(0xffff); // starts unclaimed, ends in the range
      bus.write(0x71, 4, 0);
      expect(dev.log).toEqual([]);
    });

    it('misaligned accesses are refused when the range requires alignment', () => {
      const bus = new PortBus();
      const dev = new RecordingDevice(8);
      bus.register(0xcf8, 8, dev, { owner: 'pci', aligned: true });
      expect(bus.read(0xcf9, 2)).toBe(0xffff);
      expect(bus.read(0xcfa, 2)).toBe(0);
      expect(dev.log.map((a) => a.offset)).toEqual([2]);
    });
  });

  describe('split policy (QEMU)', () => {
    it('inw on a byte-only device becomes two byte reads, low byte first', () => {
      const bus = new PortBus(QEMU_PORTS);
      const dev = new RecordingDevice(2);
      dev.bytes.set([0x01, 0x00]);
      bus.register(0x20, 2, dev, { owner: 'pic', sizes: 1 });
      expect(bus.read(0x20, 2)).toBe(0x0001);
      expect(dev.log.map((a) => [a.offset, a.size])).toEqual([
        [0, 1],
        [1, 1],
      ]);
    });

    it('a straddling access reaches each owner only for its own bytes; unclaimed bytes read all-ones', () => {
      const bus = new PortBus(QEMU_PORTS);
      const dev = new RecordingDevice(2);
      dev.bytes.set([0x12, 0x34]);
      bus.register(0x20, 2, dev, { owner: 'pic', sizes: 1 });
      expect(bus.read(0x21, 2)).toBe(0xff34); // as QEMU: inw 0x21 → IMR | 0xff00
      bus.write(0x21, 2, 0xabcd);
      expect(dev.bytes[1]).toBe(0xcd);
      expect(dev.log.filter((a) => a.dir === 'w').map((a) => a.offset)).toEqual([1]);
    });

    it('a byte access to a dword-only device is widened: reads extract, writes shift into place', () => {
      const bus = new PortBus(QEMU_PORTS);
      const dev = new RecordingDevice(4);
      dev.bytes.set([0x11, 0x22, 0x33, 0x44]);
      bus.register(0x608, 4, dev, { owner: 'pmtmr', sizes: 4 });
      expect(bus.read(0x60a, 1)).toBe(0x33);
      bus.write(0x609, 1, 0xaa);
      expect(dev.log.at(-1)).toMatchObject({ dir: 'w', offset: 0, size: 4, value: 0xaa00 });
    });
  });

  describe('registration', () => {
    it('overlap is a typed error naming both owners', () => {
      const bus = new PortBus();
      bus.register(0x40, 4, new RecordingDevice(4), { owner: 'pit' });
      let err: unknown;
      try {
        bus.register(0x43, 2, new RecordingDevice(2), { owner: 'other', name: 'ctl' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BusOverlapError);
      expect((err as Error).message).toContain('other/ctl');
      expect((err as Error).message).toContain('pit/pit');
      expect((err as BusOverlapError).existing.owner).toBe('pit');
    });

    it('ranges outside the 16-bit space or empty are refused', () => {
      const bus = new PortBus();
      expect(() => bus.register(0xffff, 2, new RecordingDevice(2), { owner: 'x' })).toThrow(BusRangeError);
      expect(() => bus.register(0x10, 0, new RecordingDevice(2), { owner: 'x' })).toThrow(BusRangeError);
      expect(() => bus.register(0x10, 2, new RecordingDevice(2), { owner: 'x', sizes: 8 })).toThrow(BusRangeError);
    });

    it('move and remove update dispatch; a failed move leaves the range where it was', () => {
      const bus = new PortBus();
      const a = new RecordingDevice(8, -1);
      const region = bus.register(0x1000, 8, a, { owner: 'bar' });
      bus.register(0x3000, 8, new RecordingDevice(8), { owner: 'blocker' });
      region.move(0x2000);
      expect(bus.read(0x1000, 1)).toBe(0xff);
      expect(bus.read(0x2003, 1)).toBe(3);
      expect(() => region.move(0x2ffc)).toThrow(BusOverlapError);
      expect(bus.read(0x2003, 1)).toBe(3);
      region.remove();
      expect(bus.read(0x2003, 1)).toBe(0xff);
      expect(() => region.remove()).toThrow(StaleRegionError);
      bus.register(0x2000, 1, new RecordingDevice(1), { owner: 'new' });
    });
  });

  it('trace sees accesses with their owner and is rate-limited per device', () => {
    const bus = new PortBus();
    bus.register(0x80, 1, new RecordingDevice(1), { owner: 'post' });
    const seen: string[] = [];
    const tracer = bus.setTrace((e) => seen.push(`${e.dir} ${e.addr.toString(16)} ${e.owner}`), { limitPerDevice: 2 });
    for (let i = 0; i < 5; i++) bus.write(0x80, 1, i);
    bus.read(0x1234, 1);
    expect(seen).toEqual(['write 80 post', 'write 80 post', 'read 1234 null']);
    expect(tracer!.suppressed.get('post')).toBe(3);
  });

  it('property: any guest access never throws and reads stay within the access size', () => {
    const bus = new PortBus();
    bus.register(0x20, 2, new RecordingDevice(2), { owner: 'pic', sizes: 1 });
    bus.register(0x40, 4, new RecordingDevice(4), { owner: 'pit', sizes: 1 });
    bus.register(0xcf8, 8, new RecordingDevice(8), { owner: 'pci', aligned: true });
    const split = new PortBus(QEMU_PORTS);
    split.register(0x20, 2, new RecordingDevice(2), { owner: 'pic', sizes: 1 });
    split.register(0x608, 4, new RecordingDevice(4), { owner: 'tmr', sizes: 4 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(1, 2, 4), fc.integer(), (port, size, value) => {
        for (const b of [bus, split]) {
          b.write(port, size as 1 | 2 | 4, value);
          const v = b.read(port, size as 1 | 2 | 4);
          expect(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * size)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

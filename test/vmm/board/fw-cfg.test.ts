// fw_cfg through the port bus, read the way kvm-unit-tests' lib/x86/fwcfg.c reads it: outw of the
// key to 0x510, then inb from 0x511 once per byte, little-endian.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/bus/port-bus.js';
import { FW_CFG_KEY, FW_CFG_PORT, FwCfg, FwCfgError } from '../../../src/vmm/board/fw-cfg.js';

function rig(cpus = 4, ramSize = 256 * 1024 * 1024) {
  const ports = new PortBus();
  const dev = new FwCfg({ cpus, ramSize });
  ports.register(FW_CFG_PORT, 2, dev, { owner: dev.id, sizes: 1 | 2 });
  const get = (key: number, bytes: number): bigint => {
    ports.write(FW_CFG_PORT, 2, key);
    let r = 0n;
    for (let i = 0; i < bytes; i++) r |= BigInt(ports.read(FW_CFG_PORT + 1, 1)) << BigInt(8 * i);
    return r;
  };
  const bytes = (key: number, n: number) => {
    ports.write(FW_CFG_PORT, 2, key);
    return Array.from({ length: n }, () => ports.read(FW_CFG_PORT + 1, 1));
  };
  return { ports, dev, get, bytes };
}

describe('fw_cfg (x86 I/O ports)', () => {
  it('signature reads "QEMU"; ID says traditional interface only', () => {
    const { bytes, get } = rig();
    expect(String.fromCharCode(...bytes(FW_CFG_KEY.SIGNATURE, 4))).toBe('QEMU');
    expect(get(FW_CFG_KEY.ID, 4)).toBe(1n);
  });

  it('NB_CPUS, MAX_CPUS (u16) and RAM_SIZE (u64) as fwcfg_get_u16/u64 read them', () => {
    const { get } = rig(4, 0x1_2345_6000);
    expect(get(FW_CFG_KEY.NB_CPUS, 2)).toBe(4n);
    expect(get(FW_CFG_KEY.MAX_CPUS, 2)).toBe(4n);
    expect(get(FW_CFG_KEY.RAM_SIZE, 8)).toBe(0x1_2345_6000n);
  });

  it("reads past an item's end and of unknown keys return 0", () => {
    const { bytes } = rig();
    expect(bytes(FW_CFG_KEY.SIGNATURE, 6)).toEqual([0x51, 0x45, 0x4d, 0x55, 0, 0]);
    expect(bytes(0x1234, 3)).toEqual([0, 0, 0]);
  });

  it('the write-channel bit (0x4000) selects the same item; 0x8002 is the IRQ0 override', () => {
    const { get } = rig();
    expect(get(0x4000 | FW_CFG_KEY.NB_CPUS, 2)).toBe(4n);
    expect(get(FW_CFG_KEY.IRQ0_OVERRIDE, 4)).toBe(1n);
    expect(get(FW_CFG_KEY.NUMA, 8)).toBe(0n);
  });

  it('reselecting restarts at offset 0; data writes are ignored', () => {
    const { ports, bytes } = rig();
    bytes(FW_CFG_KEY.SIGNATURE, 2);
    ports.write(FW_CFG_PORT + 1, 1, 0x00);
    expect(bytes(FW_CFG_KEY.SIGNATURE, 4)).toEqual([0x51, 0x45, 0x4d, 0x55]);
  });

  it('byte writes to the selector and byte reads of it are not accepted (QEMU fw_cfg_comb_valid)', () => {
    const { ports, dev } = rig();
    ports.write(FW_CFG_PORT, 1, FW_CFG_KEY.NB_CPUS);
    expect(dev.selected).toBe(0);
    expect(ports.read(FW_CFG_PORT, 1)).toBe(0xff);
  });

  it('refuses impossible options with a typed error', () => {
    expect(() => new FwCfg({ cpus: 0, ramSize: 1 })).toThrow(FwCfgError);
    expect(() => new FwCfg({ cpus: 1, ramSize: -1 })).toThrow(/ramSize/);
  });
});

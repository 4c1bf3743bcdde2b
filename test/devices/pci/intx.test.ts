import { describe, expect, it } from 'vitest';
import { i440fxIntxLink, xenIntxGsi, xenIntxLink } from '../../../src/devices/pci/intx.js';
import { PciParamsError } from '../../../src/devices/pci/errors.js';
import { cfgRead, cfgWrite, qemuRig, xenRig } from './helpers.js';

const dev = (name: string, pin: number) => ({ name, vendorId: 0x1234, deviceId: 1, classCode: 0xff0000, interruptPin: pin });

describe('INTx routing', () => {
  it("Xen's GSI formula: 16 + ((4·dev + dev/8 + pin) mod 32)", () => {
    expect(xenIntxGsi(0, 0)).toBe(16);
    expect(xenIntxGsi(3, 0)).toBe(28);
    expect(xenIntxGsi(3, 3)).toBe(31);
    expect(xenIntxGsi(4, 0)).toBe(32);
    expect(xenIntxGsi(7, 3)).toBe(16 + ((28 + 3) & 31)); // 47: the last GSI of a domU
    expect(xenIntxGsi(8, 0)).toBe(17); // wraps mod 32, plus the dev/8 term
    expect(xenIntxGsi(31, 3)).toBe(16 + ((124 + 3 + 3) & 31));
    expect([0, 1, 2, 3].map((p) => xenIntxLink(5, p))).toEqual([1, 2, 3, 0]);
    expect([0, 1, 2, 3].map((p) => i440fxIntxLink(5, p))).toEqual([0, 1, 2, 3]);
  });

  it('is level-triggered: the GSI follows the request, Status bit 3 shows it', () => {
    const { host, fabric, ports } = xenRig();
    const fn = host.attach({ device: 3 }, dev('d', 1));
    expect(cfgRead(ports, 0, 3, 0, 0x3d, 1)).toBe(1);
    fn.setIntx(true);
    expect(fabric.gsiLevel(28)).toBe(true);
    expect(cfgRead(ports, 0, 3, 0, 0x06, 2) & 0x08).toBe(0x08);
    fn.setIntx(false);
    expect(fabric.gsiLevel(28)).toBe(false);
    expect(cfgRead(ports, 0, 3, 0, 0x06, 2) & 0x08).toBe(0);
  });

  it('Command.InterruptDisable deasserts the pin but Status bit 3 still shows the request', () => {
    const { host, fabric, ports } = xenRig();
    const fn = host.attach({ device: 3 }, dev('d', 2)); // INTB → GSI 29
    fn.setIntx(true);
    expect(fabric.gsiLevel(29)).toBe(true);
    cfgWrite(ports, 0, 3, 0, 0x04, 2, 0x0400);
    expect(fabric.gsiLevel(29)).toBe(false);
    expect(cfgRead(ports, 0, 3, 0, 0x06, 2) & 0x08).toBe(0x08);
    cfgWrite(ports, 0, 3, 0, 0x04, 2, 0);
    expect(fabric.gsiLevel(29)).toBe(true);
  });

  it('functions sharing a GSI are wired-OR', () => {
    const { host, fabric } = xenRig();
    const a = host.attach({ device: 8 }, dev('a', 1)); // 16 + ((32 + 1 + 0) & 31) = 17
    const b = host.attach({ device: 0x18 }, dev('b', 1)); // 16 + ((96 + 3) & 31) = 19
    const c = host.attach({ device: 9 }, dev('c', 4)); // 16 + ((36 + 1 + 3) & 31) = 24
    const d = host.attach({ device: 12 }, dev('d', 4)); // 16 + ((48 + 1 + 3) & 31) = 36
    expect([a, b, c, d].map((f) => host.router.gsiOf(f.address.device, f.interruptPin))).toEqual([17, 19, 24, 36]);
    const e = host.attach({ bus: 1, device: 0 }, dev('e', 2)); // bus 1 dev 0 INTB: GSI 17 as well
    a.setIntx(true);
    e.setIntx(true);
    a.setIntx(false);
    expect(fabric.gsiLevel(17)).toBe(true);
    e.setIntx(false);
    expect(fabric.gsiLevel(17)).toBe(false);
  });

  it('a routed PCI link drives its ISA IRQ on the PIC and the IO-APIC; re-routing moves an asserted link', () => {
    const { host, fabric } = xenRig();
    const fn = host.attach({ device: 3 }, dev('d', 1)); // Xen link (3 + 0) & 3 = 3
    const pic: [number, boolean][] = [];
    fabric.observePicInputs((pin, level) => pic.push([pin, level]));
    host.router.setLinkRoute(3, 10);
    fn.setIntx(true);
    expect(fabric.picInputLevel(10)).toBe(true);
    expect(fabric.gsiLevel(10)).toBe(true);
    host.router.setLinkRoute(3, 11);
    expect(fabric.picInputLevel(10)).toBe(false);
    expect(fabric.picInputLevel(11)).toBe(true);
    host.router.setLinkRoute(3, null);
    expect(fabric.picInputLevel(11)).toBe(false);
    expect(fabric.gsiLevel(28)).toBe(true); // the direct GSI is independent of the link
    expect(pic).toEqual([
      [10, true],
      [10, false],
      [11, true],
      [11, false],
    ]);
    expect(() => host.router.setLinkRoute(4, 5)).toThrow(PciParamsError);
    expect(() => host.router.setLinkRoute(0, 16)).toThrow(PciParamsError);
  });

  it('QEMU pc: no direct GSI, link (slot − 1 + pin) mod 4', () => {
    const { host, fabric } = qemuRig();
    const fn = host.attach({ device: 3 }, dev('d', 1)); // link 2 = PIRQC
    host.router.setLinkRoute(2, 11);
    fn.setIntx(true);
    expect(fabric.picInputLevel(11)).toBe(true);
    expect(fabric.gsiLevel(11)).toBe(true);
    for (let g = 16; g < 24; g++) expect(fabric.gsiLevel(g)).toBe(false);
  });

  it('host reset lowers every pin and disables the links', () => {
    const { host, fabric } = xenRig();
    const fn = host.attach({ device: 3 }, dev('d', 1));
    host.router.setLinkRoute(3, 5);
    fn.setIntx(true);
    host.reset();
    expect(fabric.gsiLevel(28)).toBe(false);
    expect(fabric.picInputLevel(5)).toBe(false);
    expect(host.router.linkRoute(3)).toBeNull();
  });
});

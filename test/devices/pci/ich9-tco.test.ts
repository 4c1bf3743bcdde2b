import { describe, expect, it } from 'vitest';
import { ICH9_TCO_PARAMS, type Ich9Tco, TCO_TICK_NS, type Ich9TcoParams } from '../../../src/devices/pci/ich9-tco.js';
import type { Lapic } from '../../../src/devices/lapic/lapic.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import { PROFILES } from '../../../src/platform/profiles.js';
import type { Platform } from '../../../src/platform/platform.js';

const PMBASE = 0xb000;
const TCO = PMBASE + 0x60;
const SMI_EN = PMBASE + 0x30;
const RCBA = 0xfed1c000;
const GCS = RCBA + 0x3410;

function cfgWrite(p: Platform, fn: number, reg: number, size: 1 | 2 | 4, value: number): void {
  p.ports.write(0xcf8, 4, (0x80000000 | (0x1f << 11) | (fn << 8) | (reg & 0xfc)) >>> 0);
  p.ports.write(0xcfc + (reg & 3), size, value);
}

/** A q35 platform with the PM block at 0xB000 and the chipset configuration window at 0xFED1C000, as tco-test sets them. */
function q35(tco?: Partial<Ich9TcoParams>) {
  const base = PROFILES['qemu-q35'];
  const profile = tco === undefined ? base : { ...base, devices: { ...base.devices, ich9Tco: { ...base.devices.ich9Tco!, ...tco } } };
  const p = createPlatform({ profile });
  cfgWrite(p, 0, 0x40, 4, PMBASE | 1);
  cfgWrite(p, 0, 0x44, 1, 0x80);
  cfgWrite(p, 0, 0xf0, 4, RCBA | 1);
  const resets: string[] = [];
  p.onResetRequest((kind) => resets.push(kind));
  return { p, tco: p.device<Ich9Tco>('ich9-tco'), lapic: p.device<Lapic>('lapic0'), resets };
}

const inw = (p: Platform, port: number) => p.ports.read(port, 2);
const outw = (p: Platform, port: number, v: number) => p.ports.write(port, 2, v);

/** tco-test's sequence: halt, clear status, set TCO_TMR, reload, run. */
function arm(p: Platform, ticks: number): void {
  outw(p, TCO + 0x08, inw(p, TCO + 0x08) | 0x800);
  outw(p, TCO + 0x04, 0x0008);
  outw(p, TCO + 0x06, 0x0006);
  outw(p, TCO + 0x12, ticks);
  outw(p, TCO + 0x00, 4);
  outw(p, TCO + 0x08, inw(p, TCO + 0x08) & ~0x800);
}

describe('ICH9 TCO watchdog', () => {
  it('power-on values at PMBASE+0x60, SMI_EN at +0x30 and GCS at RCBA+0x3410', () => {
    const { p } = q35();
    const bytes = Array.from({ length: 0x14 }, (_, i) => p.ports.read(TCO + i, 1));
    // RLD, DAT_IN/OUT, STS1, STS2, CNT1, CNT2 0x0008, MESSAGE1/2, WDCNT, -, SW_IRQ_GEN 0x03, -, TMR 0x0004
    expect(bytes).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 3, 0, 4, 0]);
    expect(p.ports.read(TCO + 0x08, 4)).toBe(0x00080000);
    expect(p.ports.read(SMI_EN, 4)).toBe(0);
    expect(p.mmio.read(GCS, 4)).toBe(0x20);
    // Moving PMBASE moves the block; clearing ACPI_EN removes it.
    cfgWrite(p, 0, 0x40, 4, 0xc001);
    expect(p.ports.read(0xc060 + 0x12, 2)).toBe(4);
    expect(p.ports.read(TCO + 0x12, 2)).toBe(0xffff);
    cfgWrite(p, 0, 0x44, 1, 0);
    expect(p.ports.read(0xc060 + 0x12, 2)).toBe(0xffff);
  });

  it("QEMU's timer is idle until programmed; the datasheet's counts from reset", () => {
    expect(q35().tco.running).toBe(false);
    const hw = q35({ runsFromReset: true });
    expect(hw.tco.running).toBe(true);
    hw.p.clock.advance(4 * TCO_TICK_NS);
    expect(inw(hw.p, TCO + 0x04)).toBe(0x0008); // TIMEOUT after TCO_TMR's 4 ticks
  });

  it('counts down every 0.6 s; reaching zero sets TIMEOUT and raises SMI# only with GBL_SMI_EN and TCO_EN', () => {
    const { p, tco, lapic } = q35();
    arm(p, 13);
    const seen: number[] = [];
    for (let i = 0; i < 13; i++) {
      seen.push(inw(p, TCO) & 0x3ff);
      p.clock.advance(TCO_TICK_NS);
    }
    expect(seen).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(inw(p, TCO + 0x04) & 0x8).toBe(0x8);
    expect(inw(p, TCO) & 0x3ff).toBe(13); // counting again for the second timeout
    expect(tco.smiCount).toBe(0);
    expect(lapic.smiPending).toBe(false);

    p.ports.write(SMI_EN, 4, 0x2001); // TCO_EN | GBL_SMI_EN
    outw(p, TCO + 0x04, 0x0008); // write 1 to clear
    expect(inw(p, TCO + 0x04)).toBe(0);
    outw(p, TCO, 1); // reload
    p.clock.advance(13 * TCO_TICK_NS);
    expect(tco.smiCount).toBe(1);
    expect(lapic.takeSmi()).toBe(true);
    expect(p.ports.read(PMBASE + 0x34, 4)).toBe(0x2000); // SMI_STS.TCO_STS
  });

  it('a second timeout reboots the platform unless NO_REBOOT; SECOND_TO_STS survives the reboot', () => {
    const strapped = q35();
    arm(strapped.p, 6);
    strapped.p.mmio.write(GCS, 4, 0); // the strap keeps NO_REBOOT
    expect(strapped.p.mmio.read(GCS, 4)).toBe(0x20);
    strapped.p.clock.advance(12 * TCO_TICK_NS);
    expect(strapped.resets).toEqual([]);
    expect(inw(strapped.p, TCO + 0x06)).toBe(0x0002);
    expect(strapped.tco.running).toBe(true);

    const low = q35({ noRebootStrap: false });
    arm(low.p, 6);
    low.p.clock.advance(12 * TCO_TICK_NS);
    expect(low.resets).toEqual([]); // GCS.NO_REBOOT is set at power-on
    outw(low.p, TCO, 1);
    low.p.mmio.write(GCS, 4, 0);
    expect(low.p.mmio.read(GCS, 4)).toBe(0);
    low.p.clock.advance(6 * TCO_TICK_NS);
    expect(low.resets).toEqual([]);
    outw(low.p, TCO + 0x04, 0x0008); // clearing TIMEOUT does not restart the count: the next expiry is the second
    low.p.clock.advance(6 * TCO_TICK_NS);
    expect(low.resets).toEqual(['hard']);
    cfgWrite(low.p, 0, 0x40, 4, PMBASE | 1); // the reboot reset PMBASE and ACPI_CNTL too
    cfgWrite(low.p, 0, 0x44, 1, 0x80);
    expect(inw(low.p, TCO + 0x06)).toBe(0x0002);
    expect(low.tco.running).toBe(false); // power-on state again (QEMU's timer idle)
    expect(inw(low.p, TCO + 0x12)).toBe(4);
  });

  it('TCO_LOCK stays set and freezes TCO_EN until a reset; TCO_TMR ignores 0 and 1', () => {
    const { p } = q35();
    p.ports.write(SMI_EN, 4, 0x2000);
    outw(p, TCO + 0x08, 0x1000);
    outw(p, TCO + 0x08, 0x0000);
    expect(inw(p, TCO + 0x08)).toBe(0x1000);
    p.ports.write(SMI_EN, 4, 0x0001);
    expect(p.ports.read(SMI_EN, 4)).toBe(0x2001);
    outw(p, TCO + 0x12, 1);
    outw(p, TCO + 0x12, 0);
    expect(inw(p, TCO + 0x12)).toBe(4);
    outw(p, TCO + 0x12, 0xffff);
    expect(inw(p, TCO + 0x12)).toBe(0x3ff);
    p.reset();
    expect(q35().p.ports.read(TCO + 0x08, 2)).toBe(0);
    expect(p.device<Ich9Tco>('ich9-tco').running).toBe(false);
  });

  it('DAT_IN sets SW_TCO_SMI (and SMI#), DAT_OUT sets TCO_INT_STS; status bits clear by writing 1', () => {
    const { p, tco } = q35();
    p.ports.write(SMI_EN, 4, 0x2001);
    p.ports.write(TCO + 0x02, 1, 0x5a);
    p.ports.write(TCO + 0x03, 1, 0xa5);
    expect(p.ports.read(TCO + 0x02, 2)).toBe(0xa55a);
    expect(inw(p, TCO + 0x04)).toBe(0x0006);
    expect(tco.smiCount).toBe(1);
    p.ports.write(TCO + 0x04, 4, 0x00000002); // a dword write reaches STS1 and STS2
    expect(inw(p, TCO + 0x04)).toBe(0x0004);
  });

  it('a snapshot restores the count and the pending expiry', () => {
    const a = q35();
    arm(a.p, 20);
    a.p.clock.advance(5 * TCO_TICK_NS);
    const snap = a.tco.snapshot();
    const b = q35();
    b.p.clock.advance(5 * TCO_TICK_NS);
    b.tco.restore(snap);
    expect(inw(b.p, TCO) & 0x3ff).toBe(15);
    b.p.clock.advance(15 * TCO_TICK_NS);
    expect(inw(b.p, TCO + 0x04) & 0x8).toBe(0x8);
    expect(() => b.tco.restore({ ...(snap as object), cnt1: 0x8000 })).toThrow(/cnt1/);
    expect(() => b.tco.restore({ ...(snap as object), tmr: 1 })).toThrow(/tmr/);
  });

  it('the datasheet parameters are the default for a profile that names none', () => {
    const base = PROFILES['qemu-q35'];
    const { ich9Tco: _, ...devices } = base.devices;
    const p = createPlatform({ profile: { ...base, devices } });
    expect(p.device<Ich9Tco>('ich9-tco').params).toEqual(ICH9_TCO_PARAMS);
  });
});

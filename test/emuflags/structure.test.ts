import { describe, expect, it } from 'vitest';
import { checkStructure } from '../../src/emuflags/structure.js';

const codes = (flags: number) => checkStructure(flags).map((f) => f.code);

describe('structural check (beyond Xen)', () => {
  it('IOAPIC without LAPIC is an error', () => {
    const f = checkStructure(0x010).find((x) => x.code === 'ioapic-needs-lapic');
    expect(f).toMatchObject({ severity: 'error', flags: 0x011 });
    expect(codes(0x011)).not.toContain('ioapic-needs-lapic');
  });

  it('PIC without LAPIC warns about ExtINT/INTR', () => {
    const f = checkStructure(0x020).find((x) => x.code === 'pic-extint-without-lapic');
    expect(f?.severity).toBe('warning');
    expect(f?.message).toContain('LINT0');
    expect(codes(0x021)).not.toContain('pic-extint-without-lapic');
  });

  it('VPCI needs a LAPIC for MSI and an IOAPIC for INTx', () => {
    expect(
      checkStructure(0x400)
        .filter((f) => f.severity !== 'info')
        .map((f) => [f.code, f.severity]),
    ).toEqual([
      ['vpci-msi-needs-lapic', 'error'],
      ['vpci-intx-needs-ioapic', 'warning'],
    ]);
    expect(codes(0x411)).toEqual([]);
  });

  it('HPET: no interrupt path, legacy-only routing, legacy replacement of PIT/RTC lines', () => {
    expect(checkStructure(0x002)[0]).toMatchObject({ severity: 'error', code: 'hpet-no-irq-path' });
    expect(codes(0x023)).toContain('hpet-routes-need-ioapic');
    expect(codes(0x013)).not.toContain('hpet-routes-need-ioapic');
    expect(codes(0x10b | 0x030)).toEqual(expect.arrayContaining(['hpet-legacy-replaces-pit', 'hpet-legacy-replaces-rtc']));
  });

  it('USE_PIRQ is not a device and IOMMU selects nothing', () => {
    const f = checkStructure(0x280);
    expect(f.map((x) => [x.code, x.severity])).toEqual([
      ['use-pirq-not-a-device', 'info'],
      ['iommu-selects-nothing', 'info'],
    ]);
    expect(f[1]?.message).toContain('no vIOMMU');
  });

  it('timers without an interrupt controller warn', () => {
    expect([...codes(0x10c)].sort()).toEqual(['pit-no-irq-path', 'pm-sci-no-irq-path', 'rtc-no-irq-path']);
    expect(codes(0x13d)).not.toContain('pit-no-irq-path');
  });

  it("Xen's HVM set 0x1FF has no errors or warnings", () => {
    expect(checkStructure(0x1ff).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('PVH dom0 0x411 and PVH 0x001 are clean', () => {
    expect(checkStructure(0x001)).toEqual([]);
    expect(checkStructure(0x411)).toEqual([]);
    expect(checkStructure(0x3ff).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('unknown bits are an error; findings are sorted error, warning, info', () => {
    const f = checkStructure(0x800 | 0x200 | 0x010);
    expect(f.map((x) => x.severity)).toEqual(['error', 'error', 'info']);
    expect(f[0]).toMatchObject({ code: 'unknown-bits', flags: 0x800 });
  });
});

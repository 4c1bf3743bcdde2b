// Structural checks with exact values: MADT entry bytes, FADT fields at their ACPI 6.x offsets
// (Table 5.9), HPET, RSDP/XSDT/RSDT pointers and checksums, the MP table, e820, and contents that
// follow the platform's devices (no HPET table without an HPET, no IO-APIC in PVH's MADT).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteSum } from '../../src/firmware/byte-writer.js';
import { COM1, describeFirmwarePlatform } from '../../src/firmware/firmware-platform.js';
import { createPlatform, type PlatformOptions } from '../../src/platform/create-platform.js';
import { E820_TYPE } from '../../src/firmware/e820.js';
import { FADT_FLAGS, FADT_LENGTH, FADT_OFFSET, IAPC_BOOT_ARCH } from '../../src/firmware/acpi/fadt.js';
import { FirmwareError } from '../../src/firmware/errors.js';
import { layOutFirmware, type FirmwareImage } from '../../src/firmware/layout.js';
import { setUpLikeBios } from '../../src/firmware/bios-setup.js';
import type { ProfileName } from '../../src/platform/profiles.js';
import { eisaId, pkg } from '../../src/firmware/aml/terms.js';
import { nameString } from '../../src/firmware/aml/encoding.js';
import { io, irqNoFlags, wordBusNumber } from '../../src/firmware/aml/resources.js';

function image(options: PlatformOptions, layout: Parameters<typeof layOutFirmware>[1] = {}): FirmwareImage {
  const p = createPlatform(options);
  setUpLikeBios(p);
  return layOutFirmware(describeFirmwarePlatform(p, { uart: COM1 }), layout);
}

/** The table at guest-physical `addr` in `img` (its header's length). */
function table(img: FirmwareImage, addr: number | undefined): Uint8Array {
  expect(addr).toBeDefined();
  const o = addr! - img.base;
  const len = new DataView(img.bytes.buffer, img.bytes.byteOffset).getUint32(o + 4, true);
  return img.bytes.subarray(o, o + len);
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const sig = (b: Uint8Array, at = 0) => String.fromCharCode(...b.subarray(at, at + 4));
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

describe('MADT', () => {
  it('xen-hvm, 2 vCPUs: LAPIC IDs 0 and 2, IO-APIC 0 at 0xFEC00000 GSI base 0, IRQ0 → GSI 2, SCI 9 level/high, LINT1 NMI', () => {
    const img = image({ profile: 'xen-hvm', vcpus: 2 });
    const madt = table(img, img.tables.APIC);
    expect(sig(madt)).toBe('APIC');
    expect(madt[8]).toBe(5); // revision
    expect(hex(madt.subarray(36))).toBe(
      [
        '00 00 e0 fe 01 00 00 00', // LAPIC address, PCAT_COMPAT
        '00 08 00 00 01 00 00 00', // Local APIC UID 0 ID 0 enabled
        '00 08 01 02 01 00 00 00', // Local APIC UID 1 ID 2 enabled
        '01 0c 00 00 00 00 c0 fe 00 00 00 00', // IO-APIC ID 0 at 0xFEC00000, GSI base 0
        '02 0a 00 00 02 00 00 00 00 00', // ISO bus 0 IRQ 0 → GSI 2, conforming
        '02 0a 00 09 09 00 00 00 0d 00', // ISO IRQ 9 → GSI 9, level, active high
        '04 06 ff 00 00 01', // LAPIC NMI, all processors, LINT1
      ].join(' '),
    );
  });

  it('qemu-pc: IRQ0 reaches pin 2 (input 0 is pin 2), SCI and the routed PCI link IRQs 10 and 11 are level/high', () => {
    const img = image({ profile: 'qemu-pc', vcpus: 1 });
    const madt = table(img, img.tables.APIC);
    // Skip header (36), address/flags (8), one LAPIC (8), one IO-APIC (12).
    const isos = madt.subarray(36 + 8 + 8 + 12, madt.length - 6);
    expect(hex(isos)).toBe(
      ['02 0a 00 00 02 00 00 00 00 00', '02 0a 00 09 09 00 00 00 0d 00', '02 0a 00 0a 0a 00 00 00 0d 00', '02 0a 00 0b 0b 00 00 00 0d 00'].join(' '),
    );
  });

  it('xen-pvh: the vCPUs only, no IO-APIC and no source overrides; no PCAT_COMPAT without a PIC', () => {
    const img = image({ profile: 'xen-pvh', vcpus: 2 });
    const madt = table(img, img.tables.APIC);
    expect(hex(madt.subarray(36))).toBe('00 00 e0 fe 00 00 00 00 00 08 00 00 01 00 00 00 00 08 01 02 01 00 00 00 04 06 ff 00 00 01');
  });

  it('xen-pvh-dom0 with two host IO-APICs: each with its ID, address and GSI base', () => {
    const img = image({
      profile: 'xen-pvh-dom0',
      hostIoapics: [
        { base: 0xfec00000, apicId: 8, gsiBase: 0, pins: 24 },
        { base: 0xfec01000, apicId: 9, gsiBase: 24, pins: 32 },
      ],
    });
    const madt = table(img, img.tables.APIC);
    expect(hex(madt.subarray(36 + 8 + 8, 36 + 8 + 8 + 24))).toBe('01 0c 08 00 00 00 c0 fe 00 00 00 00 01 0c 09 00 00 10 c0 fe 18 00 00 00');
  });

  it('APIC IDs above 254 get Local x2APIC entries and an x2APIC NMI; the MP table is left out, saying why', () => {
    // hvmdev's LAPICs stop at ID 254 (128 vCPUs × 2), so the description is widened by hand: it is plain data.
    const facts = describeFirmwarePlatform(createPlatform({ profile: 'xen-hvm', vcpus: 1 }));
    const cpus = Array.from({ length: 65 }, (_, uid) => ({ uid, apicId: uid * 4 }));
    const img = layOutFirmware({ ...facts, cpus });
    const madt = table(img, img.tables.APIC);
    // vCPU 63 has ID 252 (xAPIC entry); vCPU 64 has ID 256 (x2APIC entry, 16 bytes).
    const x2 = madt.findIndex((b, i) => i >= 44 && b === 9 && madt[i + 1] === 16);
    expect(hex(madt.subarray(x2, x2 + 16))).toBe('09 10 00 00 00 01 00 00 01 00 00 00 40 00 00 00');
    expect(hex(madt.subarray(madt.length - 12))).toBe('0a 0c 00 00 ff ff ff ff 01 00 00 00');
    expect(img.mp).toEqual({ omitted: "vCPU 64 has APIC ID 256, which does not fit in the MP table's byte" });
  });
});

describe('FADT (ACPI 6.x Table 5.9 offsets)', () => {
  it('xen-hvm: PM blocks at 0x1F40/0x1F44/0x1F48, 32-bit timer (TMR_VAL_EXT), SCI 9, century 0x32; no reset register without a PCI host', () => {
    const img = image({ profile: 'xen-hvm' });
    const f = table(img, img.tables.FACP);
    const v = view(f);
    expect(f.length).toBe(FADT_LENGTH);
    expect(f[8]).toBe(6);
    expect(v.getUint32(FADT_OFFSET.FIRMWARE_CTRL, true)).toBe(img.tables.FACS);
    expect(v.getUint32(FADT_OFFSET.DSDT, true)).toBe(img.tables.DSDT);
    expect(Number(v.getBigUint64(FADT_OFFSET.X_DSDT, true))).toBe(img.tables.DSDT);
    expect(v.getUint16(FADT_OFFSET.SCI_INT, true)).toBe(9);
    expect(v.getUint32(FADT_OFFSET.PM1A_EVT_BLK, true)).toBe(0x1f40);
    expect(v.getUint32(FADT_OFFSET.PM1A_CNT_BLK, true)).toBe(0x1f44);
    expect(v.getUint32(FADT_OFFSET.PM_TMR_BLK, true)).toBe(0x1f48);
    expect([f[FADT_OFFSET.PM1_EVT_LEN], f[FADT_OFFSET.PM1_CNT_LEN], f[FADT_OFFSET.PM_TMR_LEN]]).toEqual([4, 2, 4]);
    expect(f[FADT_OFFSET.CENTURY]).toBe(0x32);
    expect(v.getUint32(FADT_OFFSET.FLAGS, true)).toBe(
      FADT_FLAGS.WBINVD | FADT_FLAGS.PROC_C1 | FADT_FLAGS.FIX_RTC | FADT_FLAGS.USE_PLATFORM_CLOCK | FADT_FLAGS.TMR_VAL_EXT,
    );
    // Legacy devices (RTC, PIC, COM1); VGA present; MSI delivered (LAPICs); 8042 absent.
    expect(v.getUint16(FADT_OFFSET.IAPC_BOOT_ARCH, true)).toBe(IAPC_BOOT_ARCH.LEGACY_DEVICES);
    expect(hex(f.subarray(FADT_OFFSET.X_PM1A_EVT_BLK, FADT_OFFSET.X_PM1A_EVT_BLK + 12))).toBe('01 20 00 02 40 1f 00 00 00 00 00 00');
    expect(hex(f.subarray(FADT_OFFSET.X_PM_TMR_BLK, FADT_OFFSET.X_PM_TMR_BLK + 12))).toBe('01 20 00 03 48 1f 00 00 00 00 00 00');
    expect(hex(f.subarray(FADT_OFFSET.RESET_REG, FADT_OFFSET.RESET_VALUE + 1))).toBe('00 00 00 00 00 00 00 00 00 00 00 00 00');
  });

  it('qemu-pc: PM block where the BIOS put it (PMBA 0x600), 24-bit timer, reset register 0xCF9 ← 0x06, no VGA', () => {
    const img = image({ profile: 'qemu-pc' });
    const f = table(img, img.tables.FACP);
    const v = view(f);
    expect(v.getUint32(FADT_OFFSET.PM1A_EVT_BLK, true)).toBe(0x600);
    expect(v.getUint32(FADT_OFFSET.PM1A_CNT_BLK, true)).toBe(0x604);
    expect(v.getUint32(FADT_OFFSET.PM_TMR_BLK, true)).toBe(0x608);
    expect(v.getUint32(FADT_OFFSET.FLAGS, true) & FADT_FLAGS.TMR_VAL_EXT).toBe(0);
    expect(v.getUint32(FADT_OFFSET.FLAGS, true) & FADT_FLAGS.RESET_REG_SUP).toBe(FADT_FLAGS.RESET_REG_SUP);
    expect(hex(f.subarray(FADT_OFFSET.RESET_REG, FADT_OFFSET.RESET_VALUE + 1))).toBe('01 08 00 01 f9 0c 00 00 00 00 00 00 06');
    expect(v.getUint16(FADT_OFFSET.IAPC_BOOT_ARCH, true)).toBe(IAPC_BOOT_ARCH.LEGACY_DEVICES | IAPC_BOOT_ARCH.VGA_NOT_PRESENT);
  });

  it('xen-pvh (no PM block, no RTC): hardware-reduced, every fixed block zero, CMOS RTC not present', () => {
    const p = createPlatform({ profile: 'xen-pvh' });
    const img = layOutFirmware(describeFirmwarePlatform(p));
    const f = table(img, img.tables.FACP);
    const v = view(f);
    expect(v.getUint32(FADT_OFFSET.FLAGS, true) & FADT_FLAGS.HW_REDUCED_ACPI).toBe(FADT_FLAGS.HW_REDUCED_ACPI);
    expect([v.getUint16(FADT_OFFSET.SCI_INT, true), v.getUint32(FADT_OFFSET.PM1A_EVT_BLK, true), v.getUint32(FADT_OFFSET.PM_TMR_BLK, true)]).toEqual([0, 0, 0]);
    expect(v.getUint16(FADT_OFFSET.IAPC_BOOT_ARCH, true)).toBe(IAPC_BOOT_ARCH.VGA_NOT_PRESENT | IAPC_BOOT_ARCH.CMOS_RTC_NOT_PRESENT);
    expect(img.tables.HPET).toBeUndefined();
    expect(img.tables.MCFG).toBeUndefined();
  });
});

describe('HPET and MCFG tables', () => {
  it('xen-hvm: block ID 0x8086A201 (GCAP_ID low half), address 0xFED00000, minimum tick 6250 (100 µs at 16 ns)', () => {
    const img = image({ profile: 'xen-hvm' });
    const h = table(img, img.tables.HPET);
    expect(h.length).toBe(56);
    expect(hex(h.subarray(36))).toBe('01 a2 86 80 00 40 00 00 00 00 d0 fe 00 00 00 00 00 6a 18 00');
  });

  it('xen-pvh-dom0: MCFG for segment 0 buses 0–255 at 0xE0000000, reserved in e820; no HPET table', () => {
    const img = image({ profile: 'xen-pvh-dom0' });
    const m = table(img, img.tables.MCFG);
    expect(hex(m.subarray(36))).toBe('00 00 00 00 00 00 00 00 00 00 00 e0 00 00 00 00 00 00 00 ff 00 00 00 00');
    expect(img.e820).toContainEqual({ base: 0xe0000000, size: 0x10000000, type: E820_TYPE.RESERVED });
    expect(img.tables.HPET).toBeUndefined();
  });
});

describe('RSDP, XSDT, RSDT', () => {
  it('the RSDP is at the base, revision 2, both checksums right, and points at the RSDT and XSDT', () => {
    const img = image({ profile: 'qemu-pc' });
    const r = img.bytes.subarray(img.rsdp - img.base, img.rsdp - img.base + 36);
    expect(img.rsdp).toBe(0xf0000);
    expect(String.fromCharCode(...r.subarray(0, 8))).toBe('RSD PTR ');
    expect(byteSum(r, 0, 20)).toBe(0);
    expect(byteSum(r, 0, 36)).toBe(0);
    expect(r[15]).toBe(2);
    expect(view(r).getUint32(16, true)).toBe(img.tables.RSDT);
    expect(view(r).getUint32(20, true)).toBe(36);
    expect(Number(view(r).getBigUint64(24, true))).toBe(img.tables.XSDT);
  });

  it('XSDT and RSDT list FACP, APIC, HPET, MCFG where present, each at an address holding that signature', () => {
    for (const profile of ['xen-hvm', 'xen-pvh-dom0', 'qemu-pc'] as const) {
      const img = image({ profile });
      const x = table(img, img.tables.XSDT);
      const r = table(img, img.tables.RSDT);
      const xs = Array.from({ length: (x.length - 36) / 8 }, (_, i) => Number(view(x).getBigUint64(36 + 8 * i, true)));
      const rs = Array.from({ length: (r.length - 36) / 4 }, (_, i) => view(r).getUint32(36 + 4 * i, true));
      expect(rs).toEqual(xs);
      const names = xs.map((a) => sig(img.bytes, a - img.base));
      const expected = ['FACP', 'APIC', ...(img.tables.HPET ? ['HPET'] : []), ...(img.tables.MCFG ? ['MCFG'] : [])];
      expect(names).toEqual(expected);
    }
  });

  it('the FACS is 64-byte aligned, 64 bytes, version 2', () => {
    const img = image({ profile: 'xen-hvm' });
    const facs = img.tables.FACS!;
    expect(facs % 64).toBe(0);
    const b = img.bytes.subarray(facs - img.base, facs - img.base + 64);
    expect(sig(b)).toBe('FACS');
    expect(view(b).getUint32(4, true)).toBe(64);
    expect(b[32]).toBe(2);
  });
});

describe('DSDT follows the platform', () => {
  const has = (hay: Uint8Array, needle: readonly number[]) => hex(hay).includes(hex(Uint8Array.from(needle)));
  const eisa = (id: string) => eisaId(id).bytes;

  it('qemu-pc: PCI0, RTC, HPET, COM1 and \\_S5; _PRT sends slot 1 INTA# through link B (IRQ 10), slot 3 INTA# to IRQ 11', () => {
    const img = image({ profile: 'qemu-pc' });
    const d = table(img, img.tables.DSDT);
    for (const id of ['PNP0A03', 'PNP0B00', 'PNP0103', 'PNP0501']) expect(has(d, eisa(id)), id).toBe(true);
    expect(has(d, [0x08, ...nameString('_S5_'), 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00])).toBe(true);
    // i440FX: slot s pin p → link (s − 1 + p) mod 4; links A–D routed to 10, 10, 11, 11.
    expect(has(d, pkg(0x1ffff, 0, 0, 10).bytes)).toBe(true);
    expect(has(d, pkg(0x3ffff, 0, 0, 11).bytes)).toBe(true);
    // IO 0x3F8 and IRQ 4 for COM1.
    expect(has(d, [...io(0x3f8, 0x3f8, 1, 8), ...irqNoFlags(4)])).toBe(true);
  });

  it("xen-pvh-dom0: _PRT uses Xen's GSI formula (slot 1 INTA# → GSI 20), bus range 0–255, no HPET/RTC device, no \\_S5", () => {
    const img = image({ profile: 'xen-pvh-dom0' });
    const d = table(img, img.tables.DSDT);
    expect(has(d, pkg(0x1ffff, 0, 0, 20).bytes)).toBe(true);
    expect(has(d, wordBusNumber(0, 255))).toBe(true);
    expect(has(d, eisa('PNP0103'))).toBe(false);
    expect(has(d, eisa('PNP0B00'))).toBe(false);
    expect(has(d, nameString('_S5_'))).toBe(false);
  });

  it('without a UART option there is no PNP0501', () => {
    const p = createPlatform({ profile: 'xen-hvm' });
    const img = layOutFirmware(describeFirmwarePlatform(p));
    expect(has(table(img, img.tables.DSDT), eisa('PNP0501'))).toBe(false);
  });
});

describe('MP table', () => {
  it('qemu-pc, 2 vCPUs: floating pointer → PCMP; processors, PCI + ISA buses, IO-APIC, ExtINT, IRQ0 → pin 2, LINT0/LINT1', () => {
    const img = image({ profile: 'qemu-pc', vcpus: 2 });
    if (!('floatingPointer' in img.mp)) throw new Error('no MP table');
    const fp = img.bytes.subarray(img.mp.floatingPointer - img.base, img.mp.floatingPointer - img.base + 16);
    expect(img.mp.floatingPointer % 16).toBe(0);
    expect(img.mp.floatingPointer).toBeGreaterThanOrEqual(0xf0000);
    expect(sig(fp)).toBe('_MP_');
    expect(byteSum(fp)).toBe(0);
    expect(view(fp).getUint32(4, true)).toBe(img.mp.configTable);
    const ct = img.bytes.subarray(img.mp.configTable - img.base);
    const len = view(ct).getUint16(4, true);
    const t = ct.subarray(0, len);
    expect(sig(t)).toBe('PCMP');
    expect(byteSum(t)).toBe(0);
    expect(view(t).getUint32(36, true)).toBe(0xfee00000);
    expect(hex(t.subarray(44, 84))).toBe(
      '00 00 14 03 00 06 00 00 01 02 00 00 00 00 00 00 00 00 00 00 ' + '00 01 14 01 00 06 00 00 01 02 00 00 00 00 00 00 00 00 00 00',
    );
    expect(hex(t.subarray(84, 108))).toBe('01 00 50 43 49 20 20 20 01 01 49 53 41 20 20 20 02 00 20 01 00 00 c0 fe');
    // ExtINT ISA 0 → pin 0, then ISA IRQ 0 → pin 2, IRQ 1 → pin 1.
    expect(hex(t.subarray(108, 132))).toBe('03 03 00 00 01 00 00 00 03 00 00 00 01 00 00 02 03 00 00 00 01 01 00 01');
    expect(hex(t.subarray(len - 16))).toBe('04 03 00 00 01 00 ff 00 04 01 00 00 01 00 ff 01');
  });
});

describe('e820 and layout', () => {
  it('xen-hvm: low RAM, the reserved image page, RAM from 1 MiB', () => {
    const img = image({ profile: 'xen-hvm' });
    expect(img.e820).toEqual([
      { base: 0, size: 0xa0000, type: E820_TYPE.RAM },
      { base: 0xf0000, size: 0x1000, type: E820_TYPE.RESERVED },
      { base: 0x100000, size: 15 * 1024 * 1024, type: E820_TYPE.RAM },
    ]);
  });

  it('an image placed in RAM is cut out of it; pointers follow the base', () => {
    const img = image({ profile: 'xen-hvm' }, { base: 0x200000 });
    expect(img.rsdp).toBe(0x200000);
    expect(img.e820).toEqual([
      { base: 0, size: 0xa0000, type: E820_TYPE.RAM },
      { base: 0x100000, size: 0x100000, type: E820_TYPE.RAM },
      { base: 0x200000, size: 0x1000, type: E820_TYPE.RESERVED },
      { base: 0x201000, size: 16 * 1024 * 1024 - 0x201000, type: E820_TYPE.RAM },
    ]);
    expect(view(table(img, img.tables.FACP)).getUint32(FADT_OFFSET.DSDT, true)).toBe(img.tables.DSDT);
  });

  it('refuses a base that is not 16-byte aligned, and an image that would overflow the BIOS area', () => {
    const f = describeFirmwarePlatform(createPlatform({ profile: 'xen-hvm' }));
    expect(() => layOutFirmware(f, { base: 0xf0008 })).toThrow(FirmwareError);
    expect(() => layOutFirmware(f, { base: 0xfff00 })).toThrow(/does not fit in the BIOS area/);
  });

  it('the PM block of qemu-pc must be placed first: describing it before the BIOS setup says what to call', () => {
    expect(() => describeFirmwarePlatform(createPlatform({ profile: 'qemu-pc' }))).toThrow(/setUpLikeBios/);
  });
});

describe('every table of every platform shape sums to zero (property)', () => {
  const profiles: ProfileName[] = ['xen-hvm', 'xen-pvh', 'xen-pvh-dom0', 'qemu-pc'];
  it('checksums, alignment and disjoint e820 ranges', () => {
    fc.assert(
      fc.property(fc.constantFrom(...profiles), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 0x1000 }), (profile, vcpus, page) => {
        const img = image({ profile, vcpus }, { base: 0x100000 + page * 16 });
        for (const [s, addr] of Object.entries(img.tables)) {
          if (s === 'FACS') continue;
          expect(byteSum(table(img, addr))).toBe(0);
        }
        for (let i = 1; i < img.e820.length; i++) {
          expect(img.e820[i]!.base).toBeGreaterThanOrEqual(img.e820[i - 1]!.base + img.e820[i - 1]!.size);
        }
      }),
      { numRuns: 12 },
    );
  });
});

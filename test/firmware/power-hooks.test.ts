// What a VMM hooks to end or reset the VM, driven the way a guest drives it from the tables: S5
// written to the FADT's PM1a_CNT with the \_S5 SLP_TYP, and the FADT's reset register 0xCF9 ← 0x06.
import { describe, expect, it } from 'vitest';
import { COM1, describeFirmwarePlatform } from '../../src/firmware/firmware-platform.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { FADT_OFFSET } from '../../src/firmware/acpi/fadt.js';
import { layOutFirmware } from '../../src/firmware/layout.js';
import { PM1_CNT } from '../../src/devices/pm/pm-params.js';
import { setUpLikeBios } from '../../src/firmware/bios-setup.js';
import type { PmTimer } from '../../src/devices/pm/pm-timer.js';

describe('reset request (0xCF9)', () => {
  it('qemu-pc: the FADT reset value reaches Platform.onResetRequest as "hard", after every device is back at power-on', () => {
    const p = createPlatform({ profile: 'qemu-pc' });
    setUpLikeBios(p);
    const img = layOutFirmware(describeFirmwarePlatform(p, { uart: COM1 }));
    const fadt = new DataView(img.bytes.buffer, img.tables.FACP! - img.base);
    const port = Number(fadt.getBigUint64(FADT_OFFSET.RESET_REG + 4, true));
    const value = fadt.getUint8(FADT_OFFSET.RESET_VALUE);
    expect([port, value]).toEqual([0xcf9, 0x06]);

    p.mmio.write(0xfed00010, 4, 1); // HPET enabled
    const seen: [string, number][] = [];
    p.onResetRequest((kind) => seen.push([kind, p.mmio.read(0xfed00010, 4)]));
    p.ports.write(port, 1, value);
    expect(seen).toEqual([['hard', 0]]);
  });

  it('RST_CPU without SYS_RST is "soft"; without RST_CPU nothing happens; an unsubscribed listener hears nothing', () => {
    const p = createPlatform({ profile: 'qemu-pc' });
    const seen: string[] = [];
    const off = p.onResetRequest((kind) => seen.push(kind));
    p.ports.write(0xcf9, 1, 0x02);
    p.ports.write(0xcf9, 1, 0x04);
    off();
    p.ports.write(0xcf9, 1, 0x06);
    expect(seen).toEqual(['soft']);
  });
});

describe('S5 through PM1a_CNT', () => {
  it('qemu-pc: SLP_TYP from \\_S5 with SLP_EN, written to the FADT PM1a_CNT block, reaches PmTimer.onSleepRequest', () => {
    const p = createPlatform({ profile: 'qemu-pc' });
    setUpLikeBios(p);
    const facts = describeFirmwarePlatform(p);
    const slp: number[] = [];
    (p.device('pm') as PmTimer).onSleepRequest((t) => slp.push(t));
    p.ports.write(facts.pm!.controlBlock, 2, (facts.s5SleepType << PM1_CNT.SLP_TYP_SHIFT) | PM1_CNT.SLP_EN);
    expect(facts.pm!.controlBlock).toBe(0x604);
    expect(slp).toEqual([0]);
  });

  it('xen-hvm: the PM block decodes no PM1a_CNT (Xen leaves it to the device model), so the board must', () => {
    const p = createPlatform({ profile: 'xen-hvm' });
    const facts = describeFirmwarePlatform(p);
    const slp: number[] = [];
    (p.device('pm') as PmTimer).onSleepRequest((t) => slp.push(t));
    p.ports.write(facts.pm!.controlBlock, 2, PM1_CNT.SLP_EN);
    expect(facts.pm!.controlBlock).toBe(0x1f44);
    expect(p.ports.regionAt(0x1f44)).toBeNull();
    expect(slp).toEqual([]);
  });
});

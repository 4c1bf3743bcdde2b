// PCI interrupts end to end on platforms built by createPlatform: a user-defined function attached
// to the platform's PCI host is programmed by the guest through 0xCF8/0xCFC and its BARs, signals,
// and the vector is read back at the LAPIC (MSI, MSI-X), through the IO-APIC (INTx by Xen's GSI
// formula, level-triggered with Remote IRR) and through the PIIX3 PCI links to the 8259 PIC.
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { PROFILES, type PlatformProfile } from '../../src/platform/profiles.js';
import { QtestSession } from '../../src/qtest/session.js';
import type { PciFunctionDefinition } from '../../src/devices/pci/definition.js';
import type { PciFunction } from '../../src/devices/pci/function.js';
import type { PciHost } from '../../src/devices/pci/host.js';
import { XEN_HVM_PCI_HOST_PARAMS } from '../../src/devices/pci/params.js';
import { PIC_SETUP_IRQ11_LEVEL } from './pic-setup.js';

/** A function with everything: INTA, a 16 KiB BAR holding an 8-entry MSI-X table, MSI with 4 vectors. */
const DEVICE: PciFunctionDefinition = {
  name: 'user-dev',
  vendorId: 0x1af4,
  deviceId: 0x1041,
  classCode: 0x020000,
  interruptPin: 1,
  bars: [{ index: 0, kind: 'mem32', size: 0x4000 }],
  capabilities: [
    { kind: 'msi', vectors: 4, perVectorMask: true },
    { kind: 'msix', vectors: 8, tableBar: 0, tableOffset: 0x2000, pbaBar: 0, pbaOffset: 0x3000 },
  ],
};
// Capabilities: MSI at 0x40 (control 0x42, address 0x44, upper 0x48, data 0x4c, mask 0x50, pending 0x54),
// MSI-X at 0x58 (control 0x5a).
const BAR = 0xfd000000;

function session(options: Parameters<typeof createPlatform>[0], slot: number) {
  const s = new QtestSession(createPlatform({ ramBytes: 0, ...options }));
  installExtensions(s);
  const host = s.platform.device<PciHost>('pci');
  const fn = host.attach({ device: slot }, DEVICE);
  const addr = (reg: number) => '0x' + ((0x80000000 | (slot << 11) | (reg & 0xfc)) >>> 0).toString(16);
  /** Runs commands and returns the last reply of each. */
  const run = (...cmds: string[]) => cmds.map((c) => s.handle(c).at(-1)!);
  /** Config write through 0xCF8/0xCFC at the register's byte lane. */
  const cfg = (reg: number, size: 1 | 2 | 4, value: number) =>
    run(`outl 0xcf8 ${addr(reg)}`, `out${size === 1 ? 'b' : size === 2 ? 'w' : 'l'} 0x${(0xcfc + (reg & 3)).toString(16)} 0x${(value >>> 0).toString(16)}`);
  return { s, host, fn, run, cfg };
}

/** Software-enables every LAPIC and masks LINT0 (QEMU's BSP resets it to ExtINT: the 8259 stays out of these tests). */
function enableLapics(run: (...c: string[]) => string[], vcpus: number) {
  for (let v = 0; v < vcpus; v++) run(`vcpu ${v}`, 'writel 0xfee000f0 0x1ff', 'writel 0xfee00350 0x10700');
  run('vcpu 0');
}

describe('MSI and MSI-X end to end (createPlatform, vector read back at the LAPIC)', () => {
  for (const profile of ['xen-pvh-dom0', 'qemu-pc'] as const) {
    it(`${profile}: MSI programmed through 0xCF8/0xCFC reaches the addressed vCPU with vector | message number`, () => {
      const { fn, run, cfg } = session({ profile, vcpus: 2 }, 4);
      enableLapics(run, 2);
      const apicId1 = profile === 'xen-pvh-dom0' ? 2 : 1; // Xen: APIC ID = 2 × vCPU; QEMU: = vCPU
      cfg(0x44, 4, 0xfee00000 | (apicId1 << 12));
      cfg(0x48, 4, 0);
      cfg(0x4c, 2, 0x0060);
      cfg(0x04, 2, 0x0004); // bus master
      cfg(0x42, 2, 0x0021); // enable, MME = 2 (4 vectors)
      expect(fn.signalMsi(3)).toBe(true);
      // The guest's view at vCPU 1: IRR bit 0x63 (IRR[3] at 0x230, bit 3), then INTA.
      expect(run('vcpu 1', 'readl 0xfee00230')).toEqual(['OK', 'OK 0x0000000000000008']);
      expect(run('inta', 'inta')).toEqual(['OK 0x63', 'OK none']);
      expect(run('vcpu 0', 'inta')).toEqual(['OK', 'OK none']);
      // Per-vector mask: vector 1 masked pends (pending bits at 0x54), unmasking delivers it.
      cfg(0x50, 4, 0b0010);
      fn.signalMsi(1);
      expect(run('vcpu 1', 'inta')).toEqual(['OK', 'OK none']);
      expect(run(`outl 0xcf8 0x${((0x80000000 | (4 << 11) | 0x54) >>> 0).toString(16)}`, 'inl 0xcfc')).toEqual(['OK', 'OK 0x0002']);
      cfg(0x50, 4, 0);
      // 0x61 waits in IRR behind 0x63 (same priority class) until the EOI.
      expect(run('readl 0xfee00230', 'inta', 'writel 0xfee000b0 0', 'inta')).toEqual(['OK 0x0000000000000002', 'OK none', 'OK', 'OK 0x61']);
    });

    it(`${profile}: MSI-X entry written through the BAR reaches the LAPIC; function and entry masks pend in the PBA`, () => {
      const { fn, run, cfg } = session({ profile, vcpus: 2 }, 5);
      enableLapics(run, 2);
      cfg(0x10, 4, BAR);
      cfg(0x04, 2, 0x0006); // memory + bus master
      const entry = (i: number) => '0x' + (BAR + 0x2000 + i * 16).toString(16);
      // Entry 2 → vCPU 0, vector 0x71 (an 8-byte write of the address, as a 64-bit driver does).
      run(
        `writeq ${entry(2)} 0xfee00000`,
        `writel 0x${(BAR + 0x2000 + 2 * 16 + 8).toString(16)} 0x71`,
        `writel 0x${(BAR + 0x2000 + 2 * 16 + 12).toString(16)} 0`,
      );
      cfg(0x5a, 2, 0xc000); // enable + function mask
      expect(fn.signalMsi(2)).toBe(true);
      expect(run('inta', `readl 0x${(BAR + 0x3000).toString(16)}`)).toEqual(['OK none', 'OK 0x0000000000000004']);
      cfg(0x5a, 2, 0x8000); // function mask off: the pending message goes out
      expect(run('inta', `readl 0x${(BAR + 0x3000).toString(16)}`)).toEqual(['OK 0x71', 'OK 0x0000000000000000']);
      // Entry mask bit (vector control) pends it again until cleared.
      run(`writel 0x${(BAR + 0x2000 + 2 * 16 + 12).toString(16)} 1`);
      fn.signalMsi(2);
      expect(run('writel 0xfee000b0 0', 'inta')).toEqual(['OK', 'OK none']);
      run(`writel 0x${(BAR + 0x2000 + 2 * 16 + 12).toString(16)} 0`);
      expect(run('inta')).toEqual(['OK 0x71']);
      // MSI-X enabled takes INTx off the wire (PCI 3.0 §6.8.2).
      expect(fn.msix!.enabled).toBe(true);
    });
  }
});

describe('INTx end to end', () => {
  it("xen-pvh-dom0: INTA of device 1 reaches GSI 20 (Xen's formula), level-triggered through the IO-APIC", () => {
    const { s, fn, run, cfg } = session({ profile: 'xen-pvh-dom0' }, 1);
    enableLapics(run, 1);
    // IO-APIC redirection entry 20 (index 0x38/0x39): vector 0x55, level, unmasked, destination 0.
    run('writel 0xfec00000 0x39', 'writel 0xfec00010 0', 'writel 0xfec00000 0x38', 'writel 0xfec00010 0x8055');
    fn.setIntx(true);
    expect(s.platform.irq.gsiLevel(20)).toBe(true);
    expect(run('inta')).toEqual(['OK 0x55']);
    // EOI while the device still asserts the pin: Remote IRR clears and the level delivers again.
    expect(run('writel 0xfee000b0 0', 'inta')).toEqual(['OK', 'OK 0x55']);
    // Command.InterruptDisable de-asserts the pin (Status bit 3 still shows the request).
    cfg(0x04, 2, 0x0400);
    expect(s.platform.irq.gsiLevel(20)).toBe(false);
    expect(run('writel 0xfee000b0 0', 'inta')).toEqual(['OK', 'OK none']);
    expect(run('outl 0xcf8 0x80000804', 'inl 0xcfc')).toEqual(['OK', 'OK 0x180400']); // Status: INTx (bit 3) and Capabilities List (bit 4)
    cfg(0x04, 2, 0);
    expect(run('inta')).toEqual(['OK 0x55']);
    // The device de-asserts: after EOI nothing more arrives.
    fn.setIntx(false);
    expect(run('writel 0xfee000b0 0', 'inta')).toEqual(['OK', 'OK none']);
  });

  /** PIC: vector bases 0x20/0x28, all but IRQ0 unmasked, IRQ 11 level (ELCR); LAPIC LINT0 ExtINT. */
  const PIC_SETUP = [...PIC_SETUP_IRQ11_LEVEL, 'writel 0xfee000f0 0x1ff', 'writel 0xfee00350 0x700'];

  it('qemu-pc: slot 3 INTA → PIRQC (i440FX swizzle) → PIIX3 PIRQRC routes it to IRQ 11 on the PIC', () => {
    const { s, fn, run } = session({ profile: 'qemu-pc' }, 3);
    run(...PIC_SETUP);
    fn.setIntx(true);
    expect(run('inta')).toEqual(['OK none']); // links reset disabled (PIRQRC 0x80)
    run('outl 0xcf8 0x80000860', 'outb 0xcfe 0x0b'); // PIIX3 00:01.0 PIRQRC[C] (0x62) = IRQ 11
    expect(s.platform.irq.picInputLevel(11)).toBe(true);
    expect(s.platform.irq.gsiLevel(11)).toBe(true); // the IO-APIC sees IRQ 11 too
    expect(run('inta')).toEqual(['OK 0x2b']);
    // Level-triggered: after the EOIs (slave, then master) the still-asserted line requests again.
    expect(run('outb 0xa0 0x20', 'outb 0x20 0x20', 'inta')).toEqual(['OK', 'OK', 'OK 0x2b']);
    fn.setIntx(false);
    expect(s.platform.irq.picInputLevel(11)).toBe(false);
    expect(run('outb 0xa0 0x20', 'outb 0x20 0x20', 'inta')).toEqual(['OK', 'OK', 'OK none']);
    // Re-routing an asserted link moves the assertion (Xen hvm_set_pci_link_route; PIIX3 likewise).
    fn.setIntx(true);
    run('outl 0xcf8 0x80000860', 'outb 0xcfe 0x0a');
    expect([s.platform.irq.picInputLevel(11), s.platform.irq.picInputLevel(10)]).toEqual([false, true]);
    expect(run('inta')).toEqual(['OK 0x2a']);
  });

  it("Xen HVM routing (XEN_HVM_PCI_HOST_PARAMS): link (dev + pin) mod 4 to the PIC, and the GSI by Xen's formula", () => {
    const base = PROFILES['qemu-pc'];
    const profile: PlatformProfile = {
      ...base,
      irq: { gsiCount: 48, isaToGsi: base.irq.isaToGsi },
      devices: { ...base.devices, pci: XEN_HVM_PCI_HOST_PARAMS },
    };
    const { s, fn, run } = session({ profile }, 3);
    run(...PIC_SETUP);
    run('outl 0xcf8 0x80000860', 'outb 0xcff 0x0b'); // PIRQRC[D] (0x63): Xen link (3 + 0) mod 4 = 3
    fn.setIntx(true);
    expect(s.platform.irq.gsiLevel(28)).toBe(true); // 16 + ((4·3 + 0 + 0) mod 32)
    expect(s.platform.irq.picInputLevel(11)).toBe(true);
    expect(run('inta')).toEqual(['OK 0x2b']);
    fn.setIntx(false);
    expect([s.platform.irq.gsiLevel(28), s.platform.irq.picInputLevel(11)]).toEqual([false, false]);
  });
});

describe('the platform host as the device API (user function attached after createPlatform)', () => {
  it('qemu-pc with pciTestdev: the user function sits beside i440FX, PIIX3/IDE/PM and pci-testdev', () => {
    const { host } = session({ profile: 'qemu-pc', pciTestdev: true }, 5);
    expect(host.functions().map((f: PciFunction) => `${f.address.device}.${f.address.function} ${f.name}`)).toEqual([
      '0.0 i440fx',
      '1.0 piix3',
      '1.1 piix3-ide',
      '1.3 piix4-pm',
      '2.0 pci-testdev',
      '5.0 user-dev',
    ]);
  });
});

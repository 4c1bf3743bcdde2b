// The Q35 MCH host bridge (8086:29C0) of QEMU's `q35` machine and its PCIEXBAR register, which
// places the ECAM window (Intel 3 Series Chipset datasheet, PCIEXBAR at 0x60: bit 0 enable,
// bits 2:1 length 256/128/64 MiB, base bits 35:28/27/26). Offered for platforms that want ECAM
// the way firmware programs it on q35; the qemu-q35 profile has it (see q35-chipset.ts).
// QEMU keeps every PCIEXBAR bit as written; this model keeps the datasheet's writable bits and
// decodes the same window (a reserved length, which QEMU aborts on, disables it).
import { BusOverlapError, BusRangeError } from '../../bus/errors.js';
import type { ConfigRegister } from './config-space.js';
import type { PciFunctionDefinition } from './definition.js';
import { PciEcamError } from './errors.js';
import type { PciFunction } from './function.js';
import { QEMU_SUBSYSTEM, storageBytes } from './host-bridge.js';
import type { EcamRegion, PciHost } from './host.js';
import type { EcamRegionSpec } from './params.js';

export const Q35_PCIEXBAR = 0x60;
export const PCIEXBAR_ENABLE = 0x1;
/** QEMU's power-on PCIEXBAR (MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT): base 0xB0000000, 256 MiB, disabled. */
export const Q35_PCIEXBAR_RESET = 0xb0000000;

/** The ECAM window a PCIEXBAR value selects, or null (disabled or reserved length). */
export function decodePciexbar(lo: number, hi: number): EcamRegionSpec | null {
  if ((lo & PCIEXBAR_ENABLE) === 0) return null;
  const length = (lo >>> 1) & 3;
  if (length === 3) return null;
  const buses = 256 >>> length;
  const lowMask = [0xf0000000, 0xf8000000, 0xfc000000][length]!;
  return { segment: 0, busStart: 0, busEnd: buses - 1, base: ((lo & lowMask) >>> 0) + (hi & 0xf) * 2 ** 32 };
}

export function q35MchDefinition(written: (reg: ConfigRegister, value: number) => void): PciFunctionDefinition {
  return {
    name: 'q35-mch',
    vendorId: 0x8086,
    deviceId: 0x29c0,
    classCode: 0x060000,
    ...QEMU_SUBSYSTEM,
    registers: [
      // Low dword: base 31:26, length 2:1, enable 0 (bits 25:3 reserved); high dword: base 35:32.
      { offset: Q35_PCIEXBAR, size: 4, name: 'PCIEXBAR', reset: Q35_PCIEXBAR_RESET, ro: 0x03fffff8, write: written },
      { offset: Q35_PCIEXBAR + 4, size: 4, name: 'PCIEXBAR (high)', ro: 0xfffffff0, write: written },
      // GGC (0x50), SMRAM (0x9d), ESMRAMC (0x9e) power-on values as QEMU 7.2 reports them; not modelled.
      ...storageBytes('Q35 MCH', [
        [0x50, 0x10],
        [0x9d, 0x02],
        [0x9e, 0x38],
      ]),
    ],
  };
}

/** The MCH at 00:00.0 (use host params with `hostBridge: null`). */
export class Q35Mch {
  readonly fn: PciFunction;
  private window: EcamRegion | null = null;
  /** True when the last PCIEXBAR placement clashed with another range (the window stays off). */
  conflict = false;

  constructor(private readonly host: PciHost) {
    this.fn = host.attach(
      { device: 0 },
      q35MchDefinition((reg, v) => {
        reg.store(v);
        this.update();
      }),
    );
    this.fn.onStateReplaced(() => this.update());
  }

  get ecam(): EcamRegionSpec | null {
    return this.window?.spec ?? null;
  }

  private update(): void {
    const want = decodePciexbar(this.fn.configRead(Q35_PCIEXBAR, 4), this.fn.configRead(Q35_PCIEXBAR + 4, 4));
    const have = this.window?.spec ?? null;
    if (want !== null && have !== null && want.base === have.base && want.busEnd === have.busEnd) return;
    this.window?.remove();
    this.window = null;
    this.conflict = false;
    if (want === null) return;
    try {
      this.window = this.host.addEcamRegion(want);
    } catch (e) {
      if (!(e instanceof BusOverlapError || e instanceof BusRangeError || e instanceof PciEcamError)) throw e;
      this.conflict = true; // a guest-chosen base over another range: no window until it moves
    }
  }
}

// The Q35 MCH host bridge (8086:29C0) of QEMU's `q35` machine and its PCIEXBAR register, which
// places the ECAM window (Intel 3 Series Chipset datasheet, PCIEXBAR at 0x60: bit 0 enable,
// bits 2:1 length 256/128/64 MiB, base bits 35:28/27/26). Offered for platforms that want ECAM
// the way firmware programs it on q35; the qemu-q35 profile has it (see q35-chipset.ts).
// QEMU keeps every PCIEXBAR bit as written; this model keeps the datasheet's writable bits and
// decodes the same window (a reserved length, which QEMU aborts on, disables it).
// SMRAM (0x9D) and ESMRAMC (0x9E) follow the datasheet: D_LCK makes D_OPEN read 0 and every bit but
// D_CLS read-only until reset; with G_SMRAME and T_EN the top TSEG_SZ of RAM below 4 GiB (TSEG) is
// taken from ordinary accesses (reads all-ones, writes dropped; ram-hole.ts). There is no SMM
// (no CPU), so SMRAM is never visible except through D_OPEN. QEMU's additions are Q35MchParams.
import { BusOverlapError, BusRangeError } from '../../bus/errors.js';
import type { ConfigRegister } from './config-space.js';
import type { PciFunctionDefinition } from './definition.js';
import { PciEcamError } from './errors.js';
import { RamHole } from './ram-hole.js';
import type { PciFunction } from './function.js';
import { QEMU_SUBSYSTEM } from './host-bridge.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { EcamRegion, PciHost } from './host.js';
import type { EcamRegionSpec } from './params.js';

/**
 * Config offset of the Q35 MCH's PCIEXBAR (0x60, 64-bit): bit 0 enable, bits 2:1 length (256/128/64 MiB of ECAM,
 * i.e. 256/128/64 buses), base in bits 35:28 (Intel 3 Series Chipset datasheet). See {@link decodePciexbar}.
 */
export const Q35_PCIEXBAR = 0x60;
/** PCIEXBAR bit 0: the ECAM window is decoded at the programmed base. */
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

/** Config offset of SMRAM (0x9D; 3 Series datasheet §5.1.22): D_OPEN, D_CLS, D_LCK, G_SMRAME, C_BASE_SEG (see `SMRAM`). */
export const MCH_SMRAM = 0x9d;
/** Config offset of ESMRAMC (0x9E; §5.1.23): H_SMRAME, TSEG size (bits 2:1) and T_EN (see `ESMRAMC`). */
export const MCH_ESMRAMC = 0x9e;
/** Config offset of QEMU's F_SMBASE byte (0x9C; hw/pci-host/q35.c): firmware negotiates SMRAM at SMBASE through it. */
export const MCH_F_SMBASE = 0x9c;
/** Config offset of QEMU's extended-TSEG size word (0x50; hw/pci-host/q35.c): reads the MiB TSEG_SZ 11 selects. */
export const MCH_EXT_TSEG_MBYTES = 0x50;
/** SMRAM bits (3 Series Chipset datasheet §5.1.22). C_BASE_SEG (2:0) reads 010: the A0000 segment. */
export const SMRAM = Object.freeze({ D_OPEN: 0x40, D_CLS: 0x20, D_LCK: 0x10, G_SMRAME: 0x08, C_BASE_SEG: 0x02 });
/** ESMRAMC bits (§5.1.23): SM_CACHE, SM_L1, SM_L2 read 1. */
export const ESMRAMC = Object.freeze({ H_SMRAME: 0x80, E_SMERR: 0x40, FIXED_ONES: 0x38, TSEG_SZ_MASK: 0x06, T_EN: 0x01 });
/** QEMU's SMRAM at SMBASE (hw/pci-host/q35.c): 128 KiB at 0x30000. */
export const QEMU_SMBASE_ADDR = 0x30000;
/** Bytes of QEMU's SMRAM at SMBASE ({@link QEMU_SMBASE_ADDR}): 128 KiB. */
export const QEMU_SMBASE_SIZE = 0x20000;
const F_SMBASE_QUERY = 0xff;
const F_SMBASE_IN_RAM = 0x01;
const F_SMBASE_LCK = 0x02;
const MIB = 1024 * 1024;

/**
 * Where the Q35 MCH follows QEMU 7.2 (hw/pci-host/q35.c) rather than the Intel 3 Series datasheet:
 * {@link Q35_MCH_PARAMS} (datasheet) or {@link QEMU_Q35_MCH_PARAMS}.
 */
export interface Q35MchParams {
  /**
   * QEMU's extended TSEG (hw/pci-host/q35.c, the `mch.extended-tseg-mbytes` property, 16 in 7.2):
   * TSEG_SZ 11 (reserved in the datasheet) selects this many MiB, and a word at 0x50 reports it
   * (writing 0xFFFF asks for it). 0: no extended TSEG (TSEG_SZ 11 selects no TSEG; 0x50 is unclaimed).
   */
  readonly extendedTsegMbytes: number;
  /**
   * QEMU's SMRAM at SMBASE (machines from pc-q35-4.2): config byte 0x9C ignores writes until the
   * firmware writes 0xFF (then reads 0x01), after which writing bit 1 locks 128 KiB of RAM at
   * 0x30000 away from ordinary accesses until reset. false: 0x9C is a plain byte.
   */
  readonly smramAtSmbase: boolean;
  /**
   * D_OPEN shows TSEG to ordinary accesses (the datasheet: "SMM space DRAM is made visible even
   * when SMM decode is not active"). QEMU 7.2 hides TSEG whenever G_SMRAME and T_EN are set
   * (mch_update_smram).
   */
  readonly dOpenShowsTseg: boolean;
}

/** The datasheet's MCH. */
export const Q35_MCH_PARAMS: Q35MchParams = Object.freeze({ extendedTsegMbytes: 0, smramAtSmbase: false, dOpenShowsTseg: true });
/** QEMU 7.2's `q35` MCH. */
export const QEMU_Q35_MCH_PARAMS: Q35MchParams = Object.freeze({ extendedTsegMbytes: 16, smramAtSmbase: true, dOpenShowsTseg: false });

/** The TSEG size in bytes an ESMRAMC value selects (0: none). */
export function tsegBytes(esmramc: number, params: Q35MchParams): number {
  switch ((esmramc & ESMRAMC.TSEG_SZ_MASK) >>> 1) {
    case 0:
      return 1 * MIB;
    case 1:
      return 2 * MIB;
    case 2:
      return 8 * MIB;
    default:
      return params.extendedTsegMbytes * MIB;
  }
}

/** SMRAM after a guest write of `v` over `old` (D_LCK: only D_CLS stays writable; it clears D_OPEN). */
export function nextSmram(old: number, v: number): number {
  let next = old & SMRAM.D_LCK ? (old & ~SMRAM.D_CLS) | (v & SMRAM.D_CLS) : v;
  if (next & SMRAM.D_LCK) next &= ~SMRAM.D_OPEN;
  return next;
}

/** QEMU's F_SMBASE byte after a write of `v` over `old` (0: not negotiated, 0x01: negotiated, 0x02: locked). */
export function nextFSmbase(old: number, v: number): number {
  if (old === 0) return v === F_SMBASE_QUERY ? F_SMBASE_IN_RAM : 0;
  if (old === F_SMBASE_IN_RAM) return v & F_SMBASE_LCK ? F_SMBASE_LCK : F_SMBASE_IN_RAM;
  return F_SMBASE_LCK;
}

/**
 * The definition of the Q35 MCH host bridge (8086:29C0, at 00:00.0) with PCIEXBAR, SMRAM, ESMRAMC and, with
 * `params`' QEMU additions, the extended-TSEG word and F_SMBASE. `written` is called after PCIEXBAR writes,
 * `smramChanged` after SMRAM/ESMRAMC writes; `smramLocked` tells the ESMRAMC write whether D_LCK froze it.
 */
export function q35MchDefinition(
  written: (reg: ConfigRegister, value: number) => void,
  params: Q35MchParams = QEMU_Q35_MCH_PARAMS,
  smramChanged: () => void = () => undefined,
  smramLocked: () => boolean = () => false,
): PciFunctionDefinition {
  const ext = params.extendedTsegMbytes;
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
      {
        offset: MCH_SMRAM,
        size: 1,
        name: 'SMRAM',
        reset: SMRAM.C_BASE_SEG,
        ro: 0x87,
        write: (reg, v) => (reg.store(nextSmram(reg.current(), v)), smramChanged()),
        validate: (v) => (v & 0x87) === SMRAM.C_BASE_SEG && (v & (SMRAM.D_LCK | SMRAM.D_OPEN)) !== (SMRAM.D_LCK | SMRAM.D_OPEN),
      },
      {
        offset: MCH_ESMRAMC,
        size: 1,
        name: 'ESMRAMC',
        reset: ESMRAMC.FIXED_ONES,
        ro: ESMRAMC.E_SMERR | ESMRAMC.FIXED_ONES,
        // Read-only once SMRAM.D_LCK is set.
        write: (reg, v) => {
          if (!smramLocked()) reg.store(v);
          smramChanged();
        },
      },
      ...(ext > 0
        ? [
            {
              offset: MCH_EXT_TSEG_MBYTES,
              size: 2 as const,
              name: 'EXT_TSEG_MBYTES',
              reset: ext,
              write: (reg: ConfigRegister, v: number) => reg.store(v === 0xffff ? ext : v),
            },
          ]
        : []),
      ...(params.smramAtSmbase
        ? [
            {
              offset: MCH_F_SMBASE,
              size: 1 as const,
              name: 'F_SMBASE',
              write: (reg: ConfigRegister, v: number) => (reg.store(nextFSmbase(reg.current(), v)), smramChanged()),
              validate: (v: number) => v === 0 || v === F_SMBASE_IN_RAM || v === F_SMBASE_LCK,
            },
          ]
        : []),
    ],
  };
}

/** Where the MCH takes RAM away: the bus and the top of RAM below 4 GiB (TSEG ends there). */
export interface MchMemory {
  readonly mmio: MmioBus;
  readonly ramTop: number;
}

/** The MCH at 00:00.0 (use host params with `hostBridge: null`). */
export class Q35Mch {
  readonly fn: PciFunction;
  private window: EcamRegion | null = null;
  /** True when the last PCIEXBAR placement clashed with another range (the window stays off). */
  conflict = false;

  private readonly tseg: RamHole | null;
  private readonly smbase: RamHole | null;

  constructor(
    private readonly host: PciHost,
    readonly params: Q35MchParams = QEMU_Q35_MCH_PARAMS,
    private readonly memory: MchMemory | null = null,
  ) {
    this.tseg = memory === null ? null : new RamHole(memory.mmio, 'q35-mch', 'TSEG');
    this.smbase = memory === null || !params.smramAtSmbase ? null : new RamHole(memory.mmio, 'q35-mch', 'SMRAM at SMBASE');
    this.fn = host.attach(
      { device: 0 },
      q35MchDefinition(
        (reg, v) => {
          reg.store(v);
          this.update();
        },
        params,
        () => this.updateSmram(),
        () => (this.fn.configRead(MCH_SMRAM, 1) & SMRAM.D_LCK) !== 0,
      ),
    );
    this.fn.onStateReplaced(() => {
      this.update();
      this.updateSmram();
    });
  }

  /** TSEG as ordinary accesses see it: [base, base+length) reads all-ones, or null. */
  get tsegHole(): { readonly base: number; readonly length: number } | null {
    return this.tseg?.range ?? null;
  }

  /** Hides TSEG and SMRAM at SMBASE from ordinary accesses as the registers say. */
  private updateSmram(): void {
    const smram = this.fn.configRead(MCH_SMRAM, 1);
    const esmramc = this.fn.configRead(MCH_ESMRAMC, 1);
    if (this.memory !== null && this.tseg !== null) {
      const hidden = smram & SMRAM.G_SMRAME && esmramc & ESMRAMC.T_EN && !(this.params.dOpenShowsTseg && smram & SMRAM.D_OPEN);
      const size = hidden ? tsegBytes(esmramc, this.params) : 0;
      const top = Math.min(this.memory.ramTop, 2 ** 32);
      this.tseg.set(top - size, size);
    }
    if (this.smbase !== null) {
      const locked = this.fn.configRead(MCH_F_SMBASE, 1) === F_SMBASE_LCK;
      this.smbase.set(QEMU_SMBASE_ADDR, locked ? QEMU_SMBASE_SIZE : 0);
    }
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

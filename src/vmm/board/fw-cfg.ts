// QEMU's firmware configuration device (docs/specs/fw_cfg.rst), the x86 I/O-port interface:
// selector at 0x510 (16-bit writes), data at 0x511 (8-bit reads). No DMA interface (FW_CFG_ID
// bit 1 clear, port 0x514 absent), so firmware falls back to the traditional interface.
//
// - Writing the selector picks an item and resets the data offset to 0. Bit 14 (write channel) is
//   ignored for lookup, bit 15 picks the architecture-specific set (fw_cfg.rst, "Ranges").
// - Each data read returns the item's next byte; past its end, or for an unknown key, reads give 0.
// - Data writes are ignored (fw_cfg.rst: "As of QEMU v2.4, writes to the fw_cfg data register are
//   no longer supported").
// The items are the ones kvm-unit-tests' lib/x86/fwcfg.c reads (NB_CPUS, RAM_SIZE) and the others
// QEMU's pc board always provides, with the same little-endian layouts.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import { HvmdevError } from '../../errors/hvmdev-error.js';

export const FW_CFG_PORT = 0x510;
/** Selector (2 bytes at 0x510) and data (1 byte at 0x511). */
export const FW_CFG_PORT_COUNT = 2;

export const FW_CFG_KEY = {
  SIGNATURE: 0x00,
  ID: 0x01,
  UUID: 0x02,
  RAM_SIZE: 0x03,
  NOGRAPHIC: 0x04,
  NB_CPUS: 0x05,
  MACHINE_ID: 0x06,
  NUMA: 0x0d,
  BOOT_MENU: 0x0e,
  MAX_CPUS: 0x0f,
  FILE_DIR: 0x19,
  /** Architecture-specific (x86): IRQ0 is overridden to GSI 2 (QEMU's pc reports 1). */
  IRQ0_OVERRIDE: 0x8002,
} as const;
const WRITE_CHANNEL = 0x4000;
const ARCH_LOCAL = 0x8000;
const ENTRY_MASK = 0x3fff;

export interface FwCfgOptions {
  /** Number of vCPUs present at boot (FW_CFG_NB_CPUS) and possible (FW_CFG_MAX_CPUS). */
  readonly cpus: number;
  /** Guest RAM in bytes (FW_CFG_RAM_SIZE). */
  readonly ramSize: number;
}

export class FwCfgError extends HvmdevError {}

export class FwCfg implements IoHandler {
  readonly id = 'fw-cfg';
  readonly kind = 'fw_cfg';
  /** Items by (key & ENTRY_MASK) | (arch ? ARCH_LOCAL : 0). */
  private readonly items = new Map<number, Uint8Array>();
  private current: Uint8Array | null = null;
  private offset = 0;
  private selector = 0;

  constructor(opts: FwCfgOptions) {
    if (!Number.isInteger(opts.cpus) || opts.cpus < 1 || opts.cpus > 0xffff) {
      throw new FwCfgError(`fw_cfg: cpus ${opts.cpus} must be an integer from 1 to 65535`);
    }
    if (!Number.isSafeInteger(opts.ramSize) || opts.ramSize < 0) {
      throw new FwCfgError(`fw_cfg: ramSize ${opts.ramSize} must be a whole number of bytes`);
    }
    this.add(FW_CFG_KEY.SIGNATURE, new TextEncoder().encode('QEMU'));
    this.add(FW_CFG_KEY.ID, le(1, 4)); // bit 0: traditional interface; no DMA
    this.add(FW_CFG_KEY.UUID, new Uint8Array(16));
    this.add(FW_CFG_KEY.RAM_SIZE, le(opts.ramSize, 8));
    this.add(FW_CFG_KEY.NOGRAPHIC, le(1, 2)); // the board has no display
    this.add(FW_CFG_KEY.NB_CPUS, le(opts.cpus, 2));
    this.add(FW_CFG_KEY.MACHINE_ID, le(0, 4));
    // No NUMA nodes: the node count (0), then one 8-byte node number per possible APIC ID.
    this.add(FW_CFG_KEY.NUMA, new Uint8Array(8 * (1 + opts.cpus)));
    this.add(FW_CFG_KEY.BOOT_MENU, le(0, 2));
    this.add(FW_CFG_KEY.MAX_CPUS, le(opts.cpus, 2));
    this.add(FW_CFG_KEY.FILE_DIR, new Uint8Array(4)); // big-endian file count 0
    this.add(FW_CFG_KEY.IRQ0_OVERRIDE, le(1, 4));
    this.select(0);
  }

  /** Adds or replaces an item (host side, e.g. a board that publishes more). */
  add(key: number, data: Uint8Array): void {
    this.items.set(key & (ENTRY_MASK | ARCH_LOCAL), data.slice());
  }

  /** The item `key` selects, or undefined (tests, describe). */
  item(key: number): Uint8Array | undefined {
    return this.items.get(key & (ENTRY_MASK | ARCH_LOCAL));
  }

  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    // QEMU's port pair accepts only a 16-bit selector access at 0x510 and a byte data access at
    // 0x511; a 16-bit read of the selector port reads a data byte (fw_cfg_comb_read).
    if ((offset === 1 && size === 1) || (offset === 0 && size === 2)) return this.nextByte();
    return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  }

  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    if (offset === 0 && size === 2) this.select(value & 0xffff);
    // Data writes (and other sizes) are ignored.
  }

  private select(key: number): void {
    this.selector = key;
    this.offset = 0;
    this.current = this.items.get(key & ~WRITE_CHANNEL & 0xffff) ?? null;
  }

  private nextByte(): number {
    const c = this.current;
    if (c === null || this.offset >= c.length) return 0;
    return c[this.offset++]!;
  }

  /** The selector last written (host view). */
  get selected(): number {
    return this.selector;
  }

  reset(): void {
    this.select(0);
  }
}

/** `value` as `bytes` little-endian bytes (exact up to 2^53). */
function le(value: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

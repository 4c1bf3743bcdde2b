// Configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): CONFIG_ADDRESS at 0xCF8 (enable bit 31,
// bus 23:16, device 15:11, function 10:8, register 7:2) and CONFIG_DATA at 0xCFC–0xCFF, where a
// 1/2/4-byte access at 0xCFC+k reaches config bytes [reg+k, reg+k+size). Beside the latch sits the
// reset control register at 0xCF9 (PIIX3 datasheet §4.1.20 RC: bit 1 SRST, bit 2 RCPU).
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';

/**
 * I/O port of CONFIG_ADDRESS (0xCF8, 32-bit): enable bit 31, bus 23:16, device 15:11, function 10:8, register 7:2
 * (PCI Local Bus 3.0 §3.2.2.3.2).
 */
export const CONFIG_ADDRESS_PORT = 0xcf8;
/** I/O port of CONFIG_DATA (0xCFC–0xCFF): 1, 2 or 4 bytes of the register CONFIG_ADDRESS selects, at byte `port − 0xCFC`. */
export const CONFIG_DATA_PORT = 0xcfc;
/** I/O port of the PIIX3/ICH reset control register (0xCF9, a byte inside the CONFIG_ADDRESS dword; PIIX3 datasheet §4.1.20). */
export const RESET_CONTROL_PORT = 0xcf9;
/** CONFIG_ADDRESS bit 31: data port accesses are configuration cycles; when clear they read all-ones and writes are dropped. */
export const CONFIG_ADDRESS_ENABLE = 0x80000000;

/** Reset control bit 1 (SRST): the reset that RCPU requests is a hard (system) reset rather than a CPU-only soft reset. */
export const RCR_SYSTEM_RESET = 0x02;
/** Reset control bit 2 (RCPU): writing 1 requests the reset at once (`PlatformResetRequest.requestReset`); it reads back 0. */
export const RCR_RESET_CPU = 0x04;

/** Told when the guest writes RCPU=1 to port 0xCF9. `hard` follows SRST (bit 1). */
export interface PlatformResetRequest {
  /** The guest asked for a reset through port 0xCF9: `hard` with SRST set (a system reset), `soft` without (a CPU-only reset). */
  requestReset(kind: 'hard' | 'soft'): void;
}

/** What the mechanism needs from the host. */
export interface ConfigAccessTarget {
  /**
   * A config read of `size` bytes at `reg` of the function at `segment`/`bus`/`devfn` (device << 3 | function).
   * Absent functions read all-ones. Never throws.
   */
  configRead(segment: number, bus: number, devfn: number, reg: number, size: number): number;
  /** A config write of `size` bytes of `value` at `reg` of the function at `segment`/`bus`/`devfn`. Never throws. */
  configWrite(segment: number, bus: number, devfn: number, reg: number, size: number, value: number): void;
}

function ones(size: number): number {
  return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}

/**
 * PCI configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): the CONFIG_ADDRESS latch at 0xCF8, the data
 * window at 0xCFC–0xCFF, and optionally the reset control byte at 0xCF9. Built by {@link PciHost} when its params
 * ask for it; `addressPort` and `dataPort` are the bus handlers. Segment 0 only. Never throws for guest accesses.
 */
export class ConfigMechanism1 {
  /** The CONFIG_ADDRESS latch, kept whole as Xen (pci_cf8) and QEMU (config_reg) do. */
  cf8 = 0;
  /** Reset control register: only SRST is kept (RCPU acts at once, so it reads 0 again). */
  rcr = 0;
  resetRequests = 0;
  readonly addressPort: IoHandler;
  readonly dataPort: IoHandler;

  constructor(
    private readonly target: ConfigAccessTarget,
    private readonly narrow: 'unclaimed' | 'qemu',
    private readonly resetControl: boolean,
    private readonly resetRequest: PlatformResetRequest | null,
    /** CONFIG_ADDRESS bits kept for the register number: 0xFC (datasheet, Xen) or 0xFF (QEMU ORs the port offset in). */
    private readonly registerMask: 0xfc | 0xff = 0xfc,
  ) {
    this.addressPort = new AddressPortHandler(this);
    this.dataPort = new DataPortHandler(this);
  }

  /**
   * A guest read at 0xCF8 + `offset`: a 4-byte read at 0xCF8 returns the whole latch, a byte at 0xCF9 the reset
   * control register (if present); other widths read all-ones (Xen) or the latch truncated (QEMU, `latchNarrowAccess`).
   */
  readAddress(offset: number, size: number): number {
    if (offset === 0 && size === 4) return this.cf8 >>> 0;
    if (offset === 1 && size === 1 && this.resetControl) return this.rcr;
    // Narrow latch accesses: Xen leaves them unclaimed; QEMU returns the latch truncated.
    return this.narrow === 'qemu' ? (size === 4 ? this.cf8 >>> 0 : this.cf8 & ((1 << (size * 8)) - 1)) : ones(size);
  }

  /**
   * A guest write at 0xCF8 + `offset`: a 4-byte write at 0xCF8 sets the latch (all 32 bits kept), a byte at 0xCF9
   * writes the reset control register; other widths change nothing.
   */
  writeAddress(offset: number, size: number, value: number): void {
    if (offset === 0 && size === 4) {
      this.cf8 = value >>> 0;
      return;
    }
    if (offset === 1 && size === 1 && this.resetControl) this.writeResetControl(value & 0xff);
    // Other widths never change the latch (docs/robustness.md entry 38: defined, and tested).
  }

  /**
   * A guest read of `size` bytes at 0xCFC + `offset`: the selected function's register (CONFIG_ADDRESS bits 7:2, plus
   * `offset`), or all-ones when the enable bit is clear or no function is there.
   */
  readData(offset: number, size: number): number {
    const a = this.cf8;
    if ((a & CONFIG_ADDRESS_ENABLE) === 0) return ones(size); // not a config cycle: the null handler's all-ones
    return this.target.configRead(0, (a >>> 16) & 0xff, (a >>> 8) & 0xff, (a & this.registerMask) | offset, size);
  }

  /** A guest write of `size` bytes at 0xCFC + `offset` to the selected function's register; dropped when the enable bit is clear. */
  writeData(offset: number, size: number, value: number): void {
    const a = this.cf8;
    if ((a & CONFIG_ADDRESS_ENABLE) === 0) return;
    this.target.configWrite(0, (a >>> 16) & 0xff, (a >>> 8) & 0xff, (a & this.registerMask) | offset, size, value);
  }

  private writeResetControl(value: number): void {
    this.rcr = value & RCR_SYSTEM_RESET;
    if ((value & RCR_RESET_CPU) !== 0) {
      this.resetRequests++;
      this.resetRequest?.requestReset((value & RCR_SYSTEM_RESET) !== 0 ? 'hard' : 'soft');
    }
  }
}

class AddressPortHandler implements IoHandler {
  constructor(private readonly m: ConfigMechanism1) {}
  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    return this.m.readAddress(offset, size);
  }
  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    this.m.writeAddress(offset, size, value);
  }
}

class DataPortHandler implements IoHandler {
  constructor(private readonly m: ConfigMechanism1) {}
  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    return this.m.readData(offset, size);
  }
  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    this.m.writeData(offset, size, value);
  }
}

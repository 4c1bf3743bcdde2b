// Base Address Registers and the expansion ROM BAR (PCI 3.0 §6.2.5): the sizing protocol falls out
// of the read-only low bits (write all-ones, read back ~(size − 1) | type bits), and a BAR is
// mapped on the memory or port bus exactly while the command register enables its space and its
// address is assigned. Moving a BAR moves its bus region; a clash with another range leaves the
// BAR unmapped (and both ranges intact) until the next change, as Xen's deferred map refuses overlaps.
import { BusOverlapError, BusRangeError } from '../../bus/errors.js';
import type { IoHandler, RegionOptions } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { Region } from '../../bus/region.js';
import type { ConfigRegister, ConfigRegisterSpec } from './config-space.js';

/** Command register bit 0, I/O Space: the function's I/O BARs decode (PCI 3.0 §6.2.2). */
export const PCI_COMMAND_IO = 0x1;
/** Command register bit 1, Memory Space: the function's memory BARs (and an enabled ROM) decode. */
export const PCI_COMMAND_MEMORY = 0x2;
/** Command register bit 2, Bus Master: the function may initiate transactions, including MSI writes. */
export const PCI_COMMAND_MASTER = 0x4;
/** Command register bit 8, SERR# Enable. */
export const PCI_COMMAND_SERR = 0x100;
/** Command register bit 10, Interrupt Disable: the function's INTx request does not reach its pin (PCI 3.0 §6.2.2). */
export const PCI_COMMAND_INTX_DISABLE = 0x400;

/** BAR bit 0: set in an I/O BAR (read-only), clear in a memory BAR (PCI 3.0 §6.2.5.1). */
export const BAR_IO_SPACE = 0x1;
/** Memory BAR bits 2:1 = 10: the BAR is 64-bit and the next BAR slot holds the high half of the address. */
export const BAR_MEM_TYPE_64 = 0x4;
/** Memory BAR bit 3: prefetchable. */
export const BAR_MEM_PREFETCH = 0x8;
/** Expansion ROM BAR (0x30) bit 0: address decode enable, with Memory Space in the command register (PCI 3.0 §6.2.5.2). */
export const ROM_ENABLE = 0x1;

/** The physical address bits the memory bus maps (MAXPHYADDR ≤ 52): higher BAR halves cannot be mapped. */
const MAX_HI_FOR_BUS = 2 ** 20;

/**
 * What a BAR write does while the BAR is mapped (its space decoded at an assigned address):
 * - `ignore`: Xen vPCI (drivers/vpci/header.c, bar_write: "ignored BAR … write while mapped").
 *   Memory BARs and the ROM only: vPCI traps no I/O BAR, so an I/O BAR write moves it at once.
 *   An unmapped BAR (unassigned, or refused for a clash) takes the write and maps at once
 *   (Xen maps it at the next command register write).
 * - `remap`: QEMU and real hardware: the new address takes effect at once.
 */
export type BarWriteWhileDecoding = 'ignore' | 'remap';

/** Which address space a {@link PciBar} decodes: I/O ports, memory, or the expansion ROM (memory, with its own enable). */
export type BarSpace = 'io' | 'mem' | 'rom';

/** The buses a function's BARs are mapped on: I/O BARs on `ports`, memory and ROM BARs on `mmio`. */
export interface BarBuses {
  readonly ports: PortBus;
  readonly mmio: MmioBus;
}

/**
 * One BAR of a {@link PciFunction} (or its expansion ROM): its config registers (`lo`, and `hi` for a 64-bit BAR),
 * and its mapping on the bus while the guest has it placed and decoding (PCI 3.0 §6.2.5). An address that clashes
 * with another range on the bus leaves the BAR unmapped with `conflict` set, never an exception; I/O BARs map only
 * below 0x10000.
 */
export class PciBar {
  lo!: ConfigRegister;
  hi: ConfigRegister | null = null;
  /** The bus region while mapped. */
  region: Region | null = null;
  /** True when the last mapping attempt clashed with another range (the BAR stays unmapped). */
  conflict = false;

  constructor(
    readonly index: number,
    readonly space: BarSpace,
    readonly size: number,
    readonly is64: boolean,
    readonly prefetchable: boolean,
    private readonly handler: IoHandler,
    private readonly regionOptions: RegionOptions,
    private readonly buses: BarBuses,
  ) {}

  /** Config register specs for this BAR; `onWrite` gets the stored value and decides (see PciFunction). */
  registerSpecs(onWrite: (bar: PciBar, reg: ConfigRegister, value: number) => void): ConfigRegisterSpec[] {
    const write = (reg: ConfigRegister, value: number) => onWrite(this, reg, value);
    if (this.space === 'rom') {
      // Bits 10:1 reserved (read 0); address bits below the size read 0.
      return [{ offset: 0x30, size: 4, name: 'ROM BAR', ro: (this.size - 1) & ~ROM_ENABLE, write }];
    }
    const offset = 0x10 + 4 * this.index;
    if (this.space === 'io') {
      // Bit 0 reads 1 (I/O space), bit 1 reserved, address bits below the size read 0.
      return [{ offset, size: 4, name: `BAR${this.index}`, reset: BAR_IO_SPACE, ro: this.size - 1, write }];
    }
    const type = (this.is64 ? BAR_MEM_TYPE_64 : 0) | (this.prefetchable ? BAR_MEM_PREFETCH : 0);
    const loRo = this.size >= 2 ** 32 ? 0xffffffff : this.size - 1;
    const specs: ConfigRegisterSpec[] = [{ offset, size: 4, name: `BAR${this.index}`, reset: type, ro: loRo, write }];
    if (this.is64) {
      const hiRo = this.size > 2 ** 32 ? this.size / 2 ** 32 - 1 : 0;
      specs.push({ offset: offset + 4, size: 4, name: `BAR${this.index + 1} (high)`, ro: hiRo, write });
    }
    return specs;
  }

  /** The address programmed in the BAR (bits above 2^52 make it unmappable: returns null then). */
  address(): number | null {
    const lo = this.lo.value;
    if (this.space === 'io') return (lo & ~0x3) >>> 0;
    if (this.space === 'rom') return (lo & ~0x7ff) >>> 0;
    const hi = this.hi === null ? 0 : this.hi.value;
    if (hi >= MAX_HI_FOR_BUS) return null;
    return ((lo & ~0xf) >>> 0) + hi * 2 ** 32;
  }

  /** True when `command` (and for the ROM its enable bit) turns decoding of this BAR on. */
  decodes(command: number): boolean {
    if (this.space === 'io') return (command & PCI_COMMAND_IO) !== 0;
    if (this.space === 'rom') return (command & PCI_COMMAND_MEMORY) !== 0 && (this.lo.value & ROM_ENABLE) !== 0;
    return (command & PCI_COMMAND_MEMORY) !== 0;
  }

  /** Where the BAR should be mapped under `command`, or null (decoding off, unassigned address 0, out of range). */
  placement(command: number): number | null {
    if (!this.decodes(command)) return null;
    const base = this.address();
    if (base === null || base === 0) return null;
    if (this.space === 'io' && base + this.size > 0x10000) return null;
    return base;
  }

  /** Brings the bus mapping in line with the config registers. Never throws for guest-made states. */
  sync(command: number): void {
    const want = this.placement(command);
    if (want === null) {
      this.unmap();
      this.conflict = false;
      return;
    }
    if (this.region !== null && this.region.base === want) return;
    try {
      if (this.region !== null) this.region.move(want);
      else this.region = this.bus().register(want, this.size, this.handler, this.regionOptions);
      this.conflict = false;
    } catch (e) {
      if (!(e instanceof BusOverlapError) && !(e instanceof BusRangeError)) throw e;
      // The other range keeps its addresses; this BAR decodes nothing until it is moved or re-enabled.
      this.unmap();
      this.conflict = true;
    }
  }

  /** Removes the BAR's range from its bus, if mapped (the config registers keep the address). */
  unmap(): void {
    if (this.region !== null) {
      this.region.remove();
      this.region = null;
    }
  }

  private bus(): PortBus | MmioBus {
    return this.space === 'io' ? this.buses.ports : this.buses.mmio;
  }
}

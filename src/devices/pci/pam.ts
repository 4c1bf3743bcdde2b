// Programmable Attribute Map: the host bridge's seven PAM registers that route 0xC0000–0xFFFFF
// (82441FX datasheet §3.2.18 PAM0–PAM6 at 0x59–0x5F; Intel 3 Series MCH at 0x90–0x96, same
// layout). Each nibble covers one segment: PAM0's high nibble the 64 KiB BIOS area at 0xF0000,
// then 16 KiB segments from 0xC0000 up (PAM1 low nibble 0xC0000, high 0xC4000, …, PAM6 high
// 0xEC000). RE (bit 0) sends reads to DRAM, WE (bit 1) writes; otherwise the access goes to PCI,
// where the firmware's last 128 KiB appear below 1 MiB when a front-end loads firmware (QEMU's
// isa-bios alias, hw/i386/x86.c x86_bios_rom_init) and nothing else answers: reads elsewhere return
// the bus's unclaimed value and writes are dropped. The DRAM under the segments is this object's 256 KiB (zero at power-on,
// kept across resets as RAM is). The registers stay the function's config bytes (read/write).
import type { PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { PciFunction } from './function.js';

/** Start of the range the PAM registers route: 0xC0000 (82441FX datasheet §3.2.18). */
export const PAM_BASE = 0xc0000;
/** Bytes the PAM registers route: 0x40000 (256 KiB, 0xC0000–0xFFFFF). */
export const PAM_LENGTH = 0x40000;
/** PAM0's config offset on the i440FX and on the Q35 MCH. */
export const I440FX_PAM0 = 0x59;
/** Config offset of PAM0 on the Q35 MCH (Intel 3 Series datasheet): 0x90, PAM1–PAM6 at 0x91–0x96. */
export const Q35_MCH_PAM0 = 0x90;
/** PAM nibble bit 0, RE: reads of the segment go to DRAM (the shadow copy) instead of PCI. */
export const PAM_RE = 0x1;
/** PAM nibble bit 1, WE: writes to the segment go to DRAM instead of PCI. */
export const PAM_WE = 0x2;
/** 16 KiB segments from 0xC0000; the last four (0xF0000–0xFFFFF) are the BIOS area of PAM0's high nibble. */
const SEGMENT_SHIFT = 14;
const SEGMENTS = PAM_LENGTH >>> SEGMENT_SHIFT;

/** The config offset and nibble shift of the attribute that rules segment `seg` (0 = 0xC0000). */
export function pamAttribute(pam0: number, seg: number): { readonly offset: number; readonly shift: number } {
  if (seg >= 12) return { offset: pam0, shift: 4 }; // 0xF0000–0xFFFFF
  return { offset: pam0 + 1 + (seg >>> 1), shift: (seg & 1) * 4 };
}

const BY_BUS = new WeakMap<MmioBus, Pam>();

/**
 * The Programmable Attribute Map of a host bridge (82441FX datasheet §3.2.18; Q35 MCH, same layout): seven config
 * registers whose nibbles route each segment of 0xC0000–0xFFFFF, reads and writes separately, to the shadow DRAM
 * (`shadow`, 256 KiB, kept across resets) or to PCI (the firmware's ISA alias, else the bus's unclaimed value).
 * Built by the chipset on its host bridge; claims the range on the memory bus. Never throws for guest accesses.
 */
export class Pam {
  /** The PAM that claims 0xC0000–0xFFFFF on `mmio`, or null. */
  static on(mmio: MmioBus): Pam | null {
    return BY_BUS.get(mmio) ?? null;
  }

  /** Read-only bytes on the PCI side ending at 1 MiB (firmware's ISA alias), or null. */
  private rom: Uint8Array | null = null;
  private romStart = PAM_LENGTH;

  /** The DRAM behind the segments. */
  readonly shadow = new Uint8Array(PAM_LENGTH);
  /** RE/WE of each 16 KiB segment, refreshed when a PAM register is written. */
  private readonly modes = new Uint8Array(SEGMENTS);
  private readonly handler: IoHandler;

  /**
   * `fn`: the host bridge; `pam0`: PAM0's config offset (0x59 on the i440FX, 0x90 on the Q35 MCH).
   * Adds the seven registers to its config space and claims 0xC0000–0xFFFFF on `mmio`.
   */
  constructor(
    private readonly fn: PciFunction,
    private readonly pam0: number,
    private readonly mmio: MmioBus,
  ) {
    for (let i = 0; i < 7; i++) {
      fn.config.add({ offset: pam0 + i, size: 1, name: `PAM${i}`, write: (reg, v) => (reg.store(v), this.refresh()) });
    }
    fn.onStateReplaced(() => this.refresh());
    this.handler = {
      read: (o, s) => this.read(o, s),
      write: (o, s, v) => this.write(o, s, v),
    };
    mmio.register(PAM_BASE, PAM_LENGTH, this.handler, { owner: 'pam', name: 'PAM 0xC0000-0xFFFFF', sizes: 1 | 2 | 4 });
    BY_BUS.set(mmio, this);
  }

  /**
   * Puts read-only `bytes` (at most 256 KiB) on the PCI side so that they end at 1 MiB: segments
   * whose RE is clear read them (QEMU's isa-bios alias of the firmware). null removes them.
   */
  setPciRom(bytes: Uint8Array | null): void {
    const b = bytes === null ? null : bytes.subarray(Math.max(0, bytes.length - PAM_LENGTH));
    this.rom = b;
    this.romStart = b === null ? PAM_LENGTH : PAM_LENGTH - b.length;
  }

  /** A byte on the PCI side at `offset` (from 0xC0000). */
  private pciByte(offset: number): number {
    return this.rom !== null && offset >= this.romStart ? this.rom[offset - this.romStart]! : this.mmio.unclaimedByte;
  }

  /** RE/WE of the segment holding `addr` (a guest-physical address in 0xC0000–0xFFFFF). */
  mode(addr: number): number {
    return this.modes[(addr - PAM_BASE) >>> SEGMENT_SHIFT]!;
  }

  private refresh(): void {
    for (let seg = 0; seg < SEGMENTS; seg++) {
      const { offset, shift } = pamAttribute(this.pam0, seg);
      this.modes[seg] = (this.fn.configRead(offset, 1) >>> shift) & (PAM_RE | PAM_WE);
    }
  }

  private read(offset: number, size: PortAccessSize): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const o = offset + i;
      const b = this.modes[o >>> SEGMENT_SHIFT]! & PAM_RE ? this.shadow[o]! : this.pciByte(o);
      v = (v << 8) | b;
    }
    return v >>> 0;
  }

  private write(offset: number, size: PortAccessSize, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (this.modes[o >>> SEGMENT_SHIFT]! & PAM_WE) this.shadow[o] = (value >>> (i * 8)) & 0xff;
    }
  }
}

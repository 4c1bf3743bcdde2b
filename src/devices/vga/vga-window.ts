// The legacy VGA memory window 0xA0000–0xBFFFF as Xen (XEN_X86_EMU_VGA, hvm/stdvga.c since 4.20)
// treats it: an accept filter with no register emulation. A single, direct write that lies wholly
// inside the window is claimed and handed to the host (Xen sends it to the ioreq server as a
// buffered ioreq, without waiting); reads and string-instruction writes (REP or not: Xen rejects
// `count != 1` and `data_is_ptr` requests) are not claimed.
//
// Our buses give each address one owner, so "not claimed" is answered here exactly as the bus's
// null handler would: reads return the unclaimed value of the memory bus (all-ones under Xen),
// writes are dropped. They are counted so a host can see what its device model would have missed.
import { SIZES_8, type AccessContext, type PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { StateDescription } from '../../device-model/state-description.js';
import { checkVgaParams, type VgaWindowParams, type VgaWriteSink } from './params.js';

/**
 * The legacy VGA memory window 0xA0000–0xBFFFF as Xen ≥ 4.20 treats it (XEN_X86_EMU_VGA, xen/arch/x86/hvm/stdvga.c):
 * an accept filter with no registers. A single, direct write wholly inside the window is handed to the
 * {@link VgaWriteSink} with its physical address; reads and string-instruction writes are not claimed and are
 * answered as the memory bus's null handler would (all-ones under Xen), counted in `unclaimedAccesses`.
 * See docs/devices/vga.md.
 *
 * @example
 * ```ts
 * const vga = new VgaWindow(mmio, XEN_VGA_WINDOW_PARAMS, { write: (a, size, v) => screen.store(a, size, v), write64: (a, v) => screen.store64(a, v) });
 * mmio.write(0xb8000, 2, 0x0741); // 'A', light grey: forwarded as write(0xb8000, 2, 0x0741)
 * ```
 */
export class VgaWindow implements Device, IoHandler {
  readonly id = 'vga';
  readonly kind = 'xen-stdvga-window';
  /** Writes handed to the sink. */
  forwardedWrites = 0;
  /** Accesses not claimed (reads, string-instruction writes). */
  unclaimedAccesses = 0;
  private readonly ones: boolean;

  constructor(
    mmio: MmioBus,
    readonly params: VgaWindowParams,
    private readonly sink: VgaWriteSink,
  ) {
    checkVgaParams(params);
    this.ones = mmio.profile.unclaimedRead === 'ones';
    // 'reject': an access straddling the window's end is not wholly inside it, so it is not claimed.
    mmio.register(params.base, params.size, this, { owner: this.id, name: 'legacy VGA window', sizes: SIZES_8, widthPolicy: 'reject' });
  }

  /**
   * A guest read: not claimed (Xen leaves reads to the device model), so it reads as the memory bus's unclaimed
   * value, all-ones of `size` bytes or 0, and counts in `unclaimedAccesses`. Never throws.
   */
  read(_offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    this.unclaimedAccesses++;
    return this.ones ? (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1) : 0;
  }

  /** A guest 8-byte read: not claimed, as {@link VgaWindow.read}; 2^64 − 1 or 0. Never throws. */
  read64(_offset: number, _ctx: AccessContext): bigint {
    this.unclaimedAccesses++;
    return this.ones ? 0xffff_ffff_ffff_ffffn : 0n;
  }

  /**
   * A guest write of `size` bytes at `offset` into the window: a direct write goes to the sink at physical address
   * `base + offset` (counted in `forwardedWrites`); a string-instruction write (`ctx.stringOp`) is dropped and counted
   * in `unclaimedAccesses`, as Xen rejects those. Never throws (unless the host's sink does).
   */
  write(offset: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    if (ctx.stringOp) {
      this.unclaimedAccesses++;
      return;
    }
    this.forwardedWrites++;
    this.sink.write(this.params.base + offset, size, value);
  }

  /** A guest 8-byte write: forwarded to the sink's `write64` at `base + offset`, or dropped if it is a string-instruction write. */
  write64(offset: number, value: bigint, ctx: AccessContext): void {
    if (ctx.stringOp) {
      this.unclaimedAccesses++;
      return;
    }
    this.forwardedWrites++;
    this.sink.write64(this.params.base + offset, value);
  }

  reset(): void {
    // No registers: nothing to reset (the counters are statistics, not guest-visible state).
  }

  readonly stateDescription = VGA_WINDOW_STATE;

  snapshot(): PlainData {
    return VGA_WINDOW_STATE.snapshot(this);
  }

  checkState(state: unknown): void {
    VGA_WINDOW_STATE.check(state, this.id, undefined);
  }

  /** Second step of a restore: nothing to apply (the window has no guest-visible state). Never throws. */
  applyState(): void {
    // No registers to apply.
  }

  restore(state: unknown): void {
    this.checkState(state);
  }
}

/** No registers: the window forwards every access (an empty object, so that the snapshot is still checked as one). */
export const VGA_WINDOW_STATE = new StateDescription('vga-window', 1, {});

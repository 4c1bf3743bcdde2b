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

  read(_offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    this.unclaimedAccesses++;
    return this.ones ? (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1) : 0;
  }

  read64(_offset: number, _ctx: AccessContext): bigint {
    this.unclaimedAccesses++;
    return this.ones ? 0xffff_ffff_ffff_ffffn : 0n;
  }

  write(offset: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    if (ctx.stringOp) {
      this.unclaimedAccesses++;
      return;
    }
    this.forwardedWrites++;
    this.sink.write(this.params.base + offset, size, value);
  }

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

  applyState(): void {
    // No registers to apply.
  }

  restore(state: unknown): void {
    this.checkState(state);
  }
}

/** No registers: the window forwards every access (an empty object, so that the snapshot is still checked as one). */
export const VGA_WINDOW_STATE = new StateDescription('vga-window', 1, {});

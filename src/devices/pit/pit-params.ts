// Per-profile parameters of the 8254 PIT and port 0x61, and their injection token.
import { HvmdevError } from '../../errors/hvmdev-error.js';

/**
 * Configuration of the 8254 PIT and port 0x61: each point where Xen's model (xen/arch/x86/emul-i8254.c) and
 * QEMU 7.2's (hw/timer/i8254.c) differ, as a named field. Use {@link XEN_PIT_PARAMS}, {@link XEN_PV_PIT_PARAMS}
 * or {@link QEMU_PC_PIT_PARAMS}; {@link checkPitParams} refuses a bad field.
 */
export interface PitParams {
  /** What a read of the write-only control port 0x43 returns: Xen 0xFF (emul-i8254.c), QEMU 0. */
  readonly controlPortRead: number;
  /**
   * Port 0x61 bit 4 (refresh request toggle): `time` flips every 2^14 ns of virtual time (Xen's
   * approximation of the ~15 µs refresh); `per-read` flips on every read (QEMU).
   */
  readonly refreshToggle: 'time' | 'per-read';
  /**
   * Power-on state. `unprogrammed`: Xen's pit_reset (mode sentinel 7, count 65536 counting,
   * no channel-0 interrupt until the guest programs it). `mode3-running`: QEMU's reset leaves
   * every counter in mode 3 with count 65536, so channel 0 raises IRQ0 every 54.9 ms from t = 0.
   */
  readonly resetState: 'unprogrammed' | 'mode3-running';
  /**
   * Periodic IRQ0 shorter than this is delivered at this period instead (Xen's vpt 100 µs clamp,
   * create_periodic_time); the counter and OUT as read by the guest stay exact. 0 = no clamp.
   */
  readonly minIrqPeriodNs: number;
  /**
   * Which ports reach the device. `all`: 0x40–0x43 and 0x61 (HVM). `pv`: only 0x42, 0x43 and 0x61,
   * and no IRQ0, as Xen's pv_pit_handler for PV guests (pv/emul-priv-op.c): the other counter
   * ports are unclaimed and a PV guest has no ISA interrupts.
   */
  readonly ports: 'all' | 'pv';
  /**
   * IRQ0 right after reset. `out`: it follows OUT0 at once. `quiet`: QEMU's reset leaves IRQ0
   * deasserted although OUT0 is high (a PIC reads IRR 0 at t = 0); the line follows OUT0 from
   * OUT0's first transition or the first programming of channel 0.
   */
  readonly resetIrq0: 'out' | 'quiet';
  /**
   * What drives ISA IRQ0 while channel 0 runs in mode 2 or 3. `out0`: the line follows OUT0 as the
   * datasheet draws it (low for one CLK per period in mode 2, a square wave in mode 3), two clock
   * events per period. `periodic-pulse`: Xen's model. Loading channel 0 in mode 2/3 creates a
   * periodic timer of the count's period (xen/arch/x86/emul-i8254.c, pit_load_count:
   * DIV_ROUND(count · 10^9, PIT_FREQ) ns, first tick one period after the load,
   * create_periodic_time), clamped to `minIrqPeriodNs`, whose tick is a pulse on the line: deassert,
   * then assert, the line staying asserted between ticks (xen/arch/x86/hvm/vpt.c, pt_update_irq →
   * hvm_isa_irq_deassert / hvm_isa_irq_assert). One clock event per period. The guest's counter,
   * OUT and status reads stay exact either way; other modes follow OUT0 in both.
   */
  readonly irq0Pulse: 'out0' | 'periodic-pulse';
}

/**
 * Xen HVM (xen/arch/x86/emul-i8254.c): port 0x43 reads 0xFF, the refresh bit follows virtual time, counters start
 * unprogrammed (no IRQ0 until the guest programs channel 0), periodic IRQ0 as Xen's periodic pulse clamped to 100 µs,
 * all ports.
 */
export const XEN_PIT_PARAMS: PitParams = Object.freeze({
  controlPortRead: 0xff,
  refreshToggle: 'time',
  resetState: 'unprogrammed',
  minIrqPeriodNs: 100_000,
  ports: 'all',
  resetIrq0: 'out',
  irq0Pulse: 'periodic-pulse',
});

/** Xen PV guests with XEN_X86_EMU_PIT (xen-pv profile): channel 2, the control port and 0x61. */
export const XEN_PV_PIT_PARAMS: PitParams = Object.freeze({ ...XEN_PIT_PARAMS, ports: 'pv' });

/**
 * QEMU 7.2 `pc` (hw/timer/i8254.c): port 0x43 reads 0, the refresh bit flips on every read, every counter starts
 * in mode 3 with count 65536 (IRQ0 every 54.9 ms from t = 0, but held low until OUT0 first moves), IRQ0 follows OUT0,
 * no clamp.
 */
export const QEMU_PC_PIT_PARAMS: PitParams = Object.freeze({
  controlPortRead: 0x00,
  refreshToggle: 'per-read',
  resetState: 'mode3-running',
  minIrqPeriodNs: 0,
  ports: 'all',
  resetIrq0: 'quiet',
  irq0Pulse: 'out0',
});

/** Bad PIT options from the host. */
export class PitParamError extends HvmdevError {}

/**
 * Checks parameters and returns them unchanged.
 * @throws {@link PitParamError} naming the field: `controlPortRead` not a byte, `minIrqPeriodNs` negative or not an
 * integer, or an unknown `refreshToggle`, `resetState`, `resetIrq0`, `irq0Pulse` or `ports` value.
 */
export function checkPitParams(p: PitParams): PitParams {
  if (!Number.isInteger(p.controlPortRead) || p.controlPortRead < 0 || p.controlPortRead > 0xff) {
    throw new PitParamError(`controlPortRead ${p.controlPortRead} must be a byte (0–255), e.g. 0xff as Xen`);
  }
  if (p.refreshToggle !== 'time' && p.refreshToggle !== 'per-read') {
    throw new PitParamError(`refreshToggle '${String(p.refreshToggle)}' must be 'time' (Xen) or 'per-read' (QEMU)`);
  }
  if (p.resetState !== 'unprogrammed' && p.resetState !== 'mode3-running') {
    throw new PitParamError(`resetState '${String(p.resetState)}' must be 'unprogrammed' (Xen) or 'mode3-running' (QEMU)`);
  }
  if (!Number.isSafeInteger(p.minIrqPeriodNs) || p.minIrqPeriodNs < 0) {
    throw new PitParamError(`minIrqPeriodNs ${p.minIrqPeriodNs} must be a non-negative integer (Xen: 100000, none: 0)`);
  }
  if (p.resetIrq0 !== 'out' && p.resetIrq0 !== 'quiet') {
    throw new PitParamError(`resetIrq0 '${String(p.resetIrq0)}' must be 'out' or 'quiet' (QEMU's reset leaves IRQ0 low)`);
  }
  if (p.irq0Pulse !== 'out0' && p.irq0Pulse !== 'periodic-pulse') {
    throw new PitParamError(`irq0Pulse '${String(p.irq0Pulse)}' must be 'out0' (IRQ0 follows OUT0) or 'periodic-pulse' (Xen's periodic timer)`);
  }
  if (p.ports !== 'all' && p.ports !== 'pv') {
    throw new PitParamError(`ports '${String(p.ports)}' must be 'all' (HVM) or 'pv' (Xen PV: 0x42, 0x43, 0x61 only)`);
  }
  return p;
}

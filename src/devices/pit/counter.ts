// One 8254 counter (Intel 82C54 datasheet, "Operational Description" and "Modes"), as a pure state
// machine over CLK edge numbers. Nothing here knows about ports, lines or the clock: the device
// passes K, the number of CLK edges so far, to every call. The waveform of the current count is
// kept analytically (where it started, with what value); CE and OUT at any K are computed.
//
// Timing rules from the datasheet that matter here:
// - A count written in modes 0, 2, 3, 4 is transferred CR → CE on the next CLK edge (K+1); that
//   edge does not decrement. NULL COUNT reads 1 from the write until that transfer.
// - Modes 1 and 5 transfer on the CLK edge after a GATE rising edge (trigger).
// - Modes 2 and 3: a new count written while counting takes effect at the end of the current
//   period (mode 2) or half-cycle (mode 3); GATE low stops counting and forces OUT high; GATE
//   rising reloads the count on the next CLK edge.
// - Modes 0 and 4: GATE low suspends counting; counting resumes where it stopped.
import type { PlainData } from '../../device-model/device.js';
import {
  CW_BCD,
  CW_MODE_MASK,
  CW_MODE_SHIFT,
  CW_RW_MASK,
  CW_RW_SHIFT,
  PIT_RW_LSB,
  PIT_RW_MSB,
  PIT_RW_WORD,
  STATUS_NULL_COUNT,
  STATUS_OUT,
  UNPROGRAMMED_MODE_BITS,
} from './control-word.js';
import { counterMode, PIT_COUNTER_STATE, type CounterState } from './counter-state.js';

export { PIT_RW_LSB, PIT_RW_MSB, PIT_RW_WORD, UNPROGRAMMED_MODE_BITS };

function bcdToDec(v: number): number {
  return ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

function decToBcd(v: number): number {
  return (Math.floor(v / 1000) % 10) * 0x1000 + (Math.floor(v / 100) % 10) * 0x100 + (Math.floor(v / 10) % 10) * 0x10 + (v % 10);
}

/**
 * One 8254 counter (Intel 82C54 datasheet, "Operational Description" and "Modes" 0–5) as a pure state machine
 * over CLK edge numbers: every method takes `K`, the number of CLK edges so far (monotonic; the {@link Pit} passes
 * its 1.193182 MHz edge count), and the count and OUT at any K are computed, not ticked. Knows nothing of ports,
 * lines or the clock. Never throws for guest input.
 *
 * @example
 * ```ts
 * const c = new PitCounter();
 * c.control(0x34, 0); // mode 2, LSB then MSB
 * c.writeByte(100, 0);
 * c.writeByte(0, 0); // count 100, loaded on edge 1
 * c.out(100); // false: OUT low for one CLK at count 1
 * ```
 */
export class PitCounter implements CounterState {
  // Programming (control word).
  programmed = false;
  /** Mode field as written (0–7; 6 and 7 alias 2 and 3); shown in the read-back status. */
  modeBits = UNPROGRAMMED_MODE_BITS;
  /** Effective mode 0–5. */
  mode = 0;
  rw = 0;
  bcd = false;

  // Count register and the byte-order flip-flops (read and write are independent).
  cr = 0;
  crValid = false;
  writeLsb = 0;
  writeMsbNext = false;
  readMsbNext = false;

  // Output latch (counter latch / read-back) and status latch.
  latchValue = 0;
  latchBytes = 0;
  statusLatched = false;
  statusValue = 0;

  gate = true;
  nullCount = false;
  /** Edge at which a pending CR → CE transfer clears NULL COUNT (-1: waits for a trigger). */
  transferTick = -1;

  // Waveform of the current count: CE = segValue at edge segStart (k = K - segStart).
  running = false;
  segStart = 0;
  segValue = 1;
  /** Mode 0: OUT was already high at segStart. Modes 4/5: the strobe already happened. */
  segDone = false;
  /** Mode 3: the waveform started in its low half (phase offset into the period). */
  segPhase = 0;
  /** CE and OUT while not counting, and before segStart. */
  idleCe = 0;
  idleOut = false;
  /** Modes 0/4: counting suspended by GATE with a value to resume from. */
  paused = false;
  pausedDone = false;

  // Modes 2/3: a new count waiting for the end of the period / half-cycle.
  reloadPending = false;
  reloadTick = 0;
  reloadLow = false;

  get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** The count last loaded into the count register, 1 to 65536 (10000 in BCD; 0 means the maximum). */
  get countRegister(): number {
    return this.initialCount();
  }

  /** The count register's value; 0 means the maximum (65536, or 10000 in BCD). */
  private initialCount(): number {
    const v = this.bcd ? bcdToDec(this.cr) % 10000 : this.cr & 0xffff;
    return v === 0 ? this.modulus : v;
  }

  /** Applies transfers that are due by edge K (the lazy part of the analytic model). */
  settle(K: number): void {
    if (this.reloadPending && K >= this.reloadTick) {
      this.reloadPending = false;
      this.segStart = this.reloadTick;
      this.segValue = this.initialCount();
      // Mode 3 reloaded at the end of a high half starts in its low half; a count of 1 has no
      // halves (OUT stays high), so its phase is 0 like any phase taken modulo the period.
      this.segPhase = this.reloadLow ? Math.ceil(this.segValue / 2) % this.segValue : 0;
      this.nullCount = false;
    }
    if (this.nullCount && this.transferTick >= 0 && K >= this.transferTick) this.nullCount = false;
  }

  // --- waveform, pure in k = edges since segStart -------------------------------------------

  private waveCe(k: number): number {
    const M = this.modulus;
    const N = this.segValue;
    switch (this.mode) {
      case 2:
        return N <= 1 ? N % M : (N - (k % N)) % M;
      case 3: {
        if (N <= 1) return N;
        const H = Math.ceil(N / 2);
        const kk = (k + this.segPhase) % N;
        const odd = (N & 1) === 1;
        let v: number;
        if (kk < H) v = kk === 0 ? N : odd ? N + 1 - 2 * kk : N - 2 * kk;
        else {
          const m = kk - H;
          v = m === 0 ? N : odd ? N - 1 - 2 * m : N - 2 * m;
        }
        return v % M;
      }
      default: {
        const x = (N - (k % M)) % M;
        return x < 0 ? x + M : x;
      }
    }
  }

  private waveOut(k: number): boolean {
    const N = this.segValue;
    switch (this.mode) {
      case 0:
        return this.segDone || k >= N;
      case 1:
        return k >= N;
      case 2:
        return N <= 1 || k % N !== N - 1;
      case 3:
        return N <= 1 || (k + this.segPhase) % N < Math.ceil(N / 2);
      default: // 4, 5: one-CLK low strobe when the count reaches 0
        return this.segDone || k !== N;
    }
  }

  /** First k' > k at which OUT changes in the current waveform, or -1. */
  private waveNextChange(k: number): number {
    const N = this.segValue;
    switch (this.mode) {
      case 0:
      case 1:
        return (this.mode === 1 || !this.segDone) && k < N ? N : -1;
      case 2: {
        if (N <= 1) return -1;
        const r = k % N;
        return r < N - 1 ? k + (N - 1 - r) : k + 1;
      }
      case 3: {
        if (N <= 1) return -1;
        const H = Math.ceil(N / 2);
        const kk = (k + this.segPhase) % N;
        return kk < H ? k + (H - kk) : k + (N - kk);
      }
      default:
        if (this.segDone) return -1;
        return k < N ? N : k === N ? N + 1 : -1;
    }
  }

  // --- observation ---------------------------------------------------------------------------

  /** CE as a binary value in [0, modulus). */
  ce(K: number): number {
    this.settle(K);
    if (!this.running || K < this.segStart) return this.idleCe;
    return this.waveCe(K - this.segStart);
  }

  /** Level of OUT after `K` CLK edges (the waveform of the current mode, GATE and count). */
  out(K: number): boolean {
    this.settle(K);
    if (!this.running || K < this.segStart) return this.idleOut;
    return this.waveOut(K - this.segStart);
  }

  /** The next edge number > K at which OUT may change (a spurious wake-up is harmless), or -1. */
  nextOutChange(K: number): number {
    this.settle(K);
    if (!this.running) return -1;
    let next: number;
    if (K < this.segStart) {
      next = this.waveOut(0) !== this.idleOut ? this.segStart : this.offset(this.waveNextChange(0));
    } else {
      next = this.offset(this.waveNextChange(K - this.segStart));
    }
    if (this.reloadPending && (next < 0 || next > this.reloadTick)) next = this.reloadTick;
    return next;
  }

  /**
   * The OUT change after the one at edge `at` (a {@link nextOutChange} result), when the current
   * waveform alone decides it, else -1 (a reload due, not counting, or no further change). Pure:
   * changes nothing (nextOutChange and out settle; this looks ahead without doing so).
   */
  followingOutChange(at: number): number {
    if (!this.running || this.reloadPending || at < this.segStart) return -1;
    return this.offset(this.waveNextChange(at - this.segStart));
  }

  private offset(k: number): number {
    return k < 0 ? -1 : this.segStart + k;
  }

  /** The count as the guest reads it (BCD-encoded in BCD mode). */
  private ceRead(K: number): number {
    const v = this.ce(K);
    return this.bcd ? decToBcd(v) : v;
  }

  // --- guest operations ----------------------------------------------------------------------

  /** A control word with RW ≠ 0 (mode set). */
  control(value: number, K: number): void {
    this.settle(K);
    const ce = this.ce(K);
    this.programmed = true;
    this.modeBits = (value >> CW_MODE_SHIFT) & CW_MODE_MASK;
    this.mode = this.modeBits > 5 ? this.modeBits - 4 : this.modeBits;
    this.rw = (value & CW_RW_MASK) >> CW_RW_SHIFT;
    this.bcd = (value & CW_BCD) !== 0;
    // "When a Control Word is written to a Counter, all Control Logic is immediately reset and
    // OUT goes to a known initial state": low in mode 0, high in the others.
    this.running = false;
    this.paused = false;
    this.reloadPending = false;
    this.idleCe = ce % this.modulus;
    this.idleOut = this.mode !== 0;
    this.crValid = false;
    this.nullCount = true;
    this.transferTick = -1;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.latchBytes = 0;
    this.statusLatched = false;
  }

  /**
   * A count byte written at edge `K` (low 8 bits of `byte`), in the programmed order (LSB, MSB, or LSB then MSB);
   * BCD counts when the control word set BCD. When the count is complete it loads as the mode says (modes 0, 2,
   * 3, 4: on the next CLK edge; modes 1, 5: after a GATE trigger).
   */
  writeByte(byte: number, K: number): void {
    this.settle(K);
    switch (this.rw) {
      case PIT_RW_MSB:
        this.cr = (byte & 0xff) << 8;
        break;
      case PIT_RW_WORD:
        if (!this.writeMsbNext) {
          this.writeLsb = byte & 0xff;
          this.writeMsbNext = true;
          // Mode 0: "Writing the first byte disables counting. OUT is set low immediately."
          if (this.mode === 0 && this.programmed) this.freeze(K, false);
          return;
        }
        this.writeMsbNext = false;
        this.cr = this.writeLsb | ((byte & 0xff) << 8);
        break;
      default: // LSB (and Xen's unprogrammed counter, which reads and writes the low byte)
        this.cr = byte & 0xff;
        break;
    }
    this.countWritten(K);
  }

  private freeze(K: number, out: boolean): void {
    this.idleCe = this.ce(K);
    this.idleOut = out;
    this.running = false;
    this.paused = false;
  }

  private countWritten(K: number): void {
    const N = this.initialCount();
    this.crValid = true;
    this.nullCount = true;
    this.transferTick = -1;
    const ce = this.ce(K);
    const out = this.out(K);
    switch (this.mode) {
      case 0:
      case 4:
        // Loaded on the next CLK edge; counting restarts from the new count.
        this.transferTick = K + 1;
        this.segDone = false;
        if (this.gate) {
          this.startWave(K + 1, N, ce, this.mode === 0 ? false : out);
        } else {
          this.running = false;
          this.idleCe = N % this.modulus;
          this.idleOut = this.mode === 0 ? false : out;
          this.paused = true;
          this.pausedDone = false;
        }
        return;
      case 1:
      case 5:
        return; // takes effect at the next trigger
      default: // 2, 3
        if (this.running && K >= this.segStart) {
          // End of the current period (mode 2) or half-cycle (mode 3).
          const k = K - this.segStart;
          const M = this.segValue;
          if (this.mode === 2 || M <= 1) {
            this.reloadTick = M <= 1 ? K + 1 : K + (M - (k % M));
            this.reloadLow = false;
          } else {
            const H = Math.ceil(M / 2);
            const kk = (k + this.segPhase) % M;
            this.reloadLow = kk < H;
            this.reloadTick = kk < H ? K + (H - kk) : K + (M - kk);
          }
          this.reloadPending = true;
        } else if (this.running) {
          this.segValue = N; // the transfer at segStart takes the newest count
          this.transferTick = this.segStart;
        } else if (this.gate) {
          this.transferTick = K + 1;
          this.startWave(K + 1, N, ce, true);
        }
        return;
    }
  }

  private startWave(start: number, value: number, idleCe: number, idleOut: boolean): void {
    this.running = true;
    this.paused = false;
    this.segStart = start;
    this.segValue = value;
    this.segPhase = 0;
    this.segDone = false;
    this.idleCe = idleCe;
    this.idleOut = idleOut;
  }

  /**
   * Drives the GATE input to `level` at edge `K`: low suspends counting (modes 0, 2, 3, 4; modes 2 and 3 force OUT
   * high), a rising edge triggers modes 1 and 5 and reloads modes 2 and 3 (8254 datasheet "Gate").
   */
  setGate(level: boolean, K: number): void {
    this.settle(K);
    if (level === this.gate) return;
    const ce = this.ce(K);
    const out = this.out(K);
    this.gate = level;
    const m = this.mode;
    if (!level) {
      if (m === 0 || m === 4) {
        if (this.running) {
          const k = K - this.segStart;
          this.idleCe = K < this.segStart ? this.segValue % this.modulus : ce;
          this.pausedDone = K >= this.segStart && (this.segDone || k >= this.segValue);
          // A mode 4 strobe lasts one CLK whatever GATE does; it ends here rather than an edge later.
          this.idleOut = m === 4 ? out || this.pausedDone : out;
          this.running = false;
          this.paused = true;
        }
      } else if (m === 2 || m === 3) {
        if (this.running) {
          this.running = false;
          this.reloadPending = false;
          this.idleCe = ce;
        }
        this.idleOut = true; // forced high at once
      }
      return;
    }
    // Rising edge.
    if (m === 0 || m === 4) {
      if (this.paused) {
        const M = this.modulus;
        const done = this.pausedDone;
        // CE 0 is the full modulus (the same count modulo M), also past terminal count: the wave
        // is kept in the range a snapshot can carry.
        this.startWave(K, this.idleCe === 0 ? M : this.idleCe, this.idleCe, this.idleOut);
        this.segDone = done;
        if (m === 0 && !done && this.idleOut) this.segDone = true;
      }
    } else if (this.crValid) {
      // Modes 1, 5 (trigger) and 2, 3 (restart): the count is loaded on the next CLK edge.
      this.reloadPending = false;
      this.transferTick = K + 1;
      this.startWave(K + 1, this.initialCount(), ce, m === 1 || m === 5 ? out : true);
    }
  }

  /**
   * A guest read of this counter at edge `K`: a latched status byte first, then a latched count, else the current
   * count, one byte at a time in the programmed order (BCD if programmed).
   */
  readByte(K: number): number {
    this.settle(K);
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.statusValue;
    }
    let v: number;
    if (this.latchBytes > 0) {
      v = this.latchValue;
      if (this.rw !== PIT_RW_WORD) this.latchBytes = 0;
      else this.latchBytes--;
    } else {
      v = this.ceRead(K);
    }
    switch (this.rw) {
      case PIT_RW_MSB:
        return (v >> 8) & 0xff;
      case PIT_RW_WORD: {
        const msb = this.readMsbNext;
        this.readMsbNext = !msb;
        return msb ? (v >> 8) & 0xff : v & 0xff;
      }
      default:
        return v & 0xff;
    }
  }

  /** Counter latch command: ignored while a previous latch is unread. */
  latchCount(K: number): void {
    if (this.latchBytes > 0) return;
    this.latchValue = this.ceRead(K);
    this.latchBytes = this.rw === PIT_RW_WORD ? 2 : 1;
  }

  /** Read-back status latch: OUT, NULL COUNT, RW, mode bits, BCD. */
  latchStatus(K: number): void {
    if (this.statusLatched) return;
    this.statusValue = this.status(K);
    this.statusLatched = true;
  }

  /**
   * The read-back status byte at edge `K` (8254 datasheet "Status Byte"): OUT (bit 7), NULL COUNT (bit 6), RW (5:4),
   * mode (3:1) and BCD (bit 0). Reads without latching.
   */
  status(K: number): number {
    const out = this.out(K);
    return (
      (out ? STATUS_OUT : 0) | (this.nullCount ? STATUS_NULL_COUNT : 0) | (this.rw << CW_RW_SHIFT) | (this.modeBits << CW_MODE_SHIFT) | (this.bcd ? CW_BCD : 0)
    );
  }

  // --- reset and snapshots -------------------------------------------------------------------

  /** Xen's reset: never programmed (mode sentinel 7), counting down from 65536 since K. */
  resetUnprogrammed(gate: boolean, K: number): void {
    this.resetCommon(gate);
    this.programmed = false;
    this.modeBits = UNPROGRAMMED_MODE_BITS;
    this.mode = 0;
    this.rw = 0;
    this.crValid = true;
    if (gate) this.startWave(K, 0x10000, 0, false);
    else {
      this.paused = true;
      this.idleCe = 0;
      this.idleOut = false;
    }
  }

  /** QEMU's reset: mode 3, count 65536, running from K (when the gate is high). */
  resetRunningMode3(gate: boolean, K: number): void {
    this.resetCommon(gate);
    this.programmed = true;
    this.modeBits = 3;
    this.mode = 3;
    this.rw = PIT_RW_WORD;
    this.crValid = true;
    this.idleOut = true;
    if (gate) this.startWave(K, 0x10000, 0, true);
  }

  private resetCommon(gate: boolean): void {
    this.bcd = false;
    this.cr = 0;
    this.writeLsb = 0;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.latchValue = 0;
    this.latchBytes = 0;
    this.statusLatched = false;
    this.statusValue = 0;
    this.gate = gate;
    this.nullCount = false;
    this.transferTick = -1;
    this.running = false;
    this.segStart = 0;
    this.segValue = 1;
    this.segDone = false;
    this.segPhase = 0;
    this.idleCe = 0;
    this.idleOut = false;
    this.paused = false;
    this.pausedDone = false;
    this.reloadPending = false;
    this.reloadTick = 0;
    this.reloadLow = false;
  }

  /** The counter's state as plain data (programming, count register, latches, flip-flops, waveform origin in edges). */
  snapshot(): PlainData {
    return PIT_COUNTER_STATE.snapshot(this);
  }

  /** Applies a state PIT_COUNTER_STATE checked (counter-state.ts). */
  applyState(s: CounterState): void {
    PIT_COUNTER_STATE.apply(this, s);
    this.mode = s.programmed ? counterMode(s.modeBits) : 0;
  }
}

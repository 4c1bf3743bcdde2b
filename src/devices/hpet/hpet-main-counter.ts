// The HPET main counter (HPET 1.0a §2.3.7), analytic: it is never stepped, but computed from the
// virtual clock at each read as an offset plus the ticks elapsed, modulo 2^64.
import type { VirtualClock } from '../../time/clock.js';
import { U32_MASK } from './hpet-timer.js';

const TWO_32 = 4294967296;

export class HpetMainCounter {
  /** Counter = off + (running ? floor(now / tickNs) : 0), modulo 2^64, as two uint32 halves. */
  private offLo = 0;
  private offHi = 0;
  /** Result of sample(), as two uint32 halves: the read path allocates no bigint. */
  lo = 0;
  hi = 0;

  constructor(
    private readonly clock: VirtualClock,
    /** Counter tick length in ns. */
    private readonly tickNs: number,
  ) {}

  /** Sets lo/hi to the counter now (`running`: ENABLE_CNF is set, so the clock advances it). */
  sample(running: boolean): void {
    if (!running) {
      this.lo = this.offLo;
      this.hi = this.offHi;
      return;
    }
    const ticks = Math.floor(this.clock.now / this.tickNs);
    const tLo = ticks % TWO_32;
    const lo = this.offLo + tLo;
    this.lo = lo >>> 0;
    this.hi = (this.offHi + (ticks - tLo) / TWO_32 + (lo >= TWO_32 ? 1 : 0)) >>> 0;
  }

  /** The counter now, exact. */
  value(running: boolean): bigint {
    this.sample(running);
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Makes the counter read `value` now; a running counter carries on from it. */
  setTo(value: bigint, running: boolean): void {
    const ticks = running ? BigInt(Math.floor(this.clock.now / this.tickNs)) : 0n;
    const off = BigInt.asUintN(64, value - ticks);
    this.offLo = Number(off & U32_MASK);
    this.offHi = Number(off >> 32n);
  }

  reset(): void {
    this.offLo = 0;
    this.offHi = 0;
  }
}

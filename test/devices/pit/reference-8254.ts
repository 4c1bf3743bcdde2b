// A deliberately naive 8254 counter for differential tests: it steps CLK edge by edge, following
// the datasheet's prose for each mode, with none of the device's analytic shortcuts.
export class ReferenceCounter {
  ce = 0;
  out = true;
  gate = true;
  private loadPending = false;
  private triggerPending = false;
  private fired = false;
  private oddFirst = 0; // mode 3 odd counts: the extra decrement after a reload (1 high, 3 low)
  private counting = false;

  constructor(
    readonly mode: number,
    readonly bcd: boolean,
    readonly count: number, // initial count as a value (1..65536 / 10000)
  ) {
    this.out = mode !== 0;
    // The count is written now (modes 0, 2, 3, 4 load at the next edge; 1, 5 wait for a trigger).
    if (mode !== 1 && mode !== 5) this.loadPending = true;
  }

  private dec(v: number, by: number): number {
    const m = this.bcd ? 10000 : 0x10000;
    return (((v - by) % m) + m) % m;
  }

  setGate(level: boolean): void {
    if (level === this.gate) return;
    this.gate = level;
    if (!level && (this.mode === 2 || this.mode === 3)) this.out = true; // forced high at once
    if (level && this.mode !== 0 && this.mode !== 4) this.triggerPending = true;
  }

  /** One CLK edge. */
  edge(): void {
    const N = this.count;
    const m = this.mode;
    if (this.triggerPending && (m === 1 || m === 5 || m === 2 || m === 3)) {
      this.triggerPending = false;
      this.loadPending = true;
    }
    if (this.loadPending) {
      this.loadPending = false;
      this.counting = true;
      this.ce = N % (this.bcd ? 10000 : 0x10000);
      this.fired = false;
      if (m === 1) this.out = false;
      if (m === 2 || m === 3) this.out = true;
      this.oddFirst = m === 3 && N % 2 === 1 ? 1 : 0;
      return;
    }
    if (!this.counting) return;
    const gated = m === 0 || m === 2 || m === 3 || m === 4;
    if (gated && !this.gate) return;
    switch (m) {
      case 0:
        this.ce = this.dec(this.ce, 1);
        if (this.ce === 0) this.out = true;
        break;
      case 1:
        this.ce = this.dec(this.ce, 1);
        if (this.ce === 0) this.out = true;
        break;
      case 2:
        if (N <= 1) break;
        if (this.ce === 1) {
          this.ce = N % (this.bcd ? 10000 : 0x10000);
          this.out = true;
        } else {
          this.ce = this.dec(this.ce, 1);
          if (this.ce === 1) this.out = false;
        }
        break;
      case 3: {
        if (N <= 1) break;
        const by = this.oddFirst !== 0 ? this.oddFirst : 2;
        this.oddFirst = 0;
        const v = (this.ce === 0 ? (this.bcd ? 10000 : 0x10000) : this.ce) - by;
        if (v <= 0) {
          this.out = !this.out;
          this.ce = N % (this.bcd ? 10000 : 0x10000);
          if (N % 2 === 1) this.oddFirst = this.out ? 1 : 3;
        } else this.ce = v;
        break;
      }
      default: // 4, 5
        this.ce = this.dec(this.ce, 1);
        if (this.ce === 0 && !this.fired) {
          this.fired = true;
          this.out = false;
        } else this.out = true;
        break;
    }
  }
}

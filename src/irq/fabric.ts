// The platform's interrupt wiring: GSI lines (wired-OR of their sources), ISA IRQs fanned out to the
// PIC and the IO-APIC(s) as Xen's hvm/irq.c does, named lines between controllers, and MSI messages.
//
// Xen's model (hvm/irq.c): each source is one bit; a GSI's level is "assert count > 0". Asserting
// ISA IRQ n sets its bit, and on the GSI's 0→1 transition raises the IO-APIC pin for GSI(n) and
// the PIC input n. PCI INTx and other sources add to a GSI's count the same way.
//
// Restore and reset run in a settling phase (settle()): lines carry levels as state and nobody
// hears a change, so the order in which devices come back can never make an edge or a delivery.
import { BusRangeError } from '../bus/errors.js';
import { EdgeRoute, EdgeRouteKind, type EdgeRouteSource, takeEdge } from './edge-route.js';
import { LevelLine } from './level-line.js';
import { Line, SettleGate, type InterruptSink, type IrqLine } from './line.js';
import type { MsiMessage, MsiTarget } from './msi.js';
import { timerFastPaths } from './timer-fast-paths.js';

/** ISA IRQs 0–15: the inputs of the 8259 pair, each also routed to a GSI by `isaToGsi`. */
export const ISA_IRQ_COUNT = 16;
/** GSIs of a fabric built without a config: Xen's VIOAPIC_NUM_PINS (48) for one IO-APIC. */
export const DEFAULT_GSI_COUNT = 48;

/** Xen: ISA IRQ n → GSI n, except IRQ0 → GSI 2 (asm/hvm/irq.h, hvm_isa_irq_to_gsi). */
export const XEN_ISA_TO_GSI: readonly number[] = Object.freeze([2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
/** QEMU pc: ISA IRQ n → IO-APIC input n (its IO-APIC itself treats input 0 as pin 2). */
export const IDENTITY_ISA_TO_GSI: readonly number[] = Object.freeze([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

/** The shape of a platform's interrupt wiring (checked by the {@link InterruptFabric} constructor). */
export interface FabricConfig {
  /** Number of GSIs, 16–4096 (Xen: 48 for its one IO-APIC; QEMU pc: 24). */
  readonly gsiCount: number;
  /** For each ISA IRQ 0–15, the GSI it also drives (e.g. {@link XEN_ISA_TO_GSI}); each below gsiCount. */
  readonly isaToGsi: readonly number[];
}

/** Called with a GSI or PIC input number and its new level whenever that input changes. */
export type PinObserver = (pin: number, level: boolean) => void;

interface IoapicAttachment {
  readonly sink: InterruptSink & Partial<EdgeRouteSource>;
  readonly gsiBase: number;
  readonly pins: number;
}

/** One source's contribution: where its assertion counts. */
class SourceLine extends LevelLine implements IrqLine {
  level = false;
  constructor(
    readonly name: string,
    private readonly fabric: InterruptFabric,
    private readonly gsi: number,
    private readonly picPin: number,
  ) {
    super();
  }

  get settling(): boolean {
    return this.fabric.settling;
  }

  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    this.fabric.adjust(this.gsi, this.picPin, level ? 1 : -1);
  }

  /** `raise(); lower()`: for a low source, the fabric takes both steps in one call. */
  override pulse(): void {
    if (this.level) this.set(false);
    else this.fabric.pulseSource(this.gsi, this.picPin);
  }

  /** `lower(); raise()`: for a high source, the fabric takes both steps in one call. */
  override retrigger(): void {
    if (this.level) this.fabric.retriggerSource(this.gsi, this.picPin);
    else this.set(true);
  }
}

/**
 * The platform's interrupt wiring, modelled on Xen's xen/arch/x86/hvm/irq.c (see the file header):
 * each GSI is the wired-OR of its source lines; ISA IRQ n drives PIC input n and GSI `isaToGsi[n]`;
 * IO-APICs attach a range of GSIs; named point-to-point lines join controllers; MSIs go to one
 * {@link MsiTarget}. Devices get their lines at construction; driving a line never throws.
 * Construction and wiring calls throw {@link BusRangeError} for numbers out of range.
 * @example
 * const fabric = new InterruptFabric(); // 48 GSIs, Xen's ISA → GSI map (IRQ0 → GSI 2)
 * fabric.attachIoapic({ setInput: (pin, level) => console.log('IO-APIC pin', pin, level) }, 0, 48);
 * fabric.isaLine(0).raise();            // prints "IO-APIC pin 2 true"
 * fabric.gsiLevel(2);                    // true
 */
export class InterruptFabric {
  /** Number of GSIs (FabricConfig.gsiCount). */
  readonly gsiCount: number;
  /** ISA IRQ → GSI map (FabricConfig.isaToGsi). */
  readonly isaToGsi: readonly number[];
  private readonly gsiAsserts: Int32Array;
  private readonly picAsserts = new Int32Array(ISA_IRQ_COUNT);
  private readonly isaLines: (SourceLine | undefined)[] = [];
  private readonly sources: SourceLine[] = [];
  private pic: InterruptSink | null = null;
  private ioapics: IoapicAttachment[] = [];
  private gsiObservers: PinObserver[] = [];
  private picObservers: PinObserver[] = [];
  private readonly named = new Map<string, Line>();
  private msiTarget: MsiTarget | null = null;
  /** MSI messages sent while no target was attached (dropped, as on a platform with no LAPIC). */
  droppedMsis = 0;
  private readonly gate = new SettleGate();
  /** Per GSI, the IO-APIC input it drives (IO-APIC ranges never overlap): null and −1 when none. */
  private readonly gsiSinks: ((InterruptSink & Partial<EdgeRouteSource>) | null)[];
  private readonly gsiPins: Int32Array;
  /** timerFastPaths when built: a GSI change goes to its IO-APIC through gsiSinks, not a walk of the ranges. */
  private readonly directGsiSinks = timerFastPaths.enabled;
  /** Per GSI, its precomputed route (src/irq/edge-route.ts); only with timerFastPaths. */
  private readonly gsiRoutes: EdgeRoute[];
  /** The routes' epoch: a route built in another epoch is rebuilt before use. */
  private routeEpoch = 0;

  constructor(config: FabricConfig = { gsiCount: DEFAULT_GSI_COUNT, isaToGsi: XEN_ISA_TO_GSI }) {
    if (!Number.isInteger(config.gsiCount) || config.gsiCount < ISA_IRQ_COUNT || config.gsiCount > 4096) {
      throw new BusRangeError(`gsiCount ${config.gsiCount} must be an integer in [16, 4096]`);
    }
    if (config.isaToGsi.length !== ISA_IRQ_COUNT || config.isaToGsi.some((g) => g < 0 || g >= config.gsiCount)) {
      throw new BusRangeError(`isaToGsi must map the 16 ISA IRQs to GSIs below ${config.gsiCount}`);
    }
    this.gsiCount = config.gsiCount;
    this.isaToGsi = config.isaToGsi;
    this.gsiAsserts = new Int32Array(config.gsiCount);
    this.gsiSinks = new Array<(InterruptSink & Partial<EdgeRouteSource>) | null>(config.gsiCount).fill(null);
    this.gsiPins = new Int32Array(config.gsiCount).fill(-1);
    this.gsiRoutes = Array.from({ length: this.directGsiSinks ? config.gsiCount : 0 }, () => new EdgeRoute());
  }

  /**
   * Something that decides what a GSI's edge does has changed (a redirection entry, a LAPIC's
   * ID/LDR/DFR/mode, a reset or restore): every route is rebuilt at its next use. Cheap: one add.
   */
  invalidateRoutes(): void {
    this.routeEpoch++;
  }

  /** The route of GSI `gsi` as of now (tests, `timer-acks`): rebuilt first if stale; null without routes. */
  routeOf(gsi: number): EdgeRoute | null {
    const route = this.gsiRoutes[gsi];
    if (route === undefined) return null;
    if (route.epoch !== this.routeEpoch) this.buildRoute(gsi, route);
    return route;
  }

  private buildRoute(gsi: number, route: EdgeRoute): void {
    route.epoch = this.routeEpoch;
    const sink = this.gsiSinks[gsi]!;
    if (sink === null || sink.fillEdgeRoute === undefined) route.kind = EdgeRouteKind.General;
    else sink.fillEdgeRoute(this.gsiPins[gsi]!, route);
  }

  /** The PIC pair's 16 inputs receive ISA IRQ levels. */
  attachPic(sink: InterruptSink): void {
    this.pic = sink;
  }

  /** An IO-APIC receives GSIs [gsiBase, gsiBase+pins) as its inputs 0..pins-1. */
  attachIoapic(sink: InterruptSink & Partial<EdgeRouteSource>, gsiBase: number, pins: number): void {
    for (const other of this.ioapics) {
      if (gsiBase < other.gsiBase + other.pins && other.gsiBase < gsiBase + pins) {
        throw new BusRangeError(`IO-APIC GSI range [${gsiBase}, ${gsiBase + pins}) overlaps one at [${other.gsiBase}, ${other.gsiBase + other.pins})`);
      }
    }
    if (gsiBase < 0 || gsiBase + pins > this.gsiCount) {
      throw new BusRangeError(`IO-APIC GSI range [${gsiBase}, ${gsiBase + pins}) is outside the ${this.gsiCount} GSIs`);
    }
    this.ioapics = [...this.ioapics, { sink, gsiBase, pins }];
    this.invalidateRoutes();
    for (let pin = 0; pin < pins; pin++) {
      this.gsiSinks[gsiBase + pin] = sink;
      this.gsiPins[gsiBase + pin] = pin;
    }
  }

  /** The shared line of ISA IRQ n (0–15): one bit per IRQ, as in Xen. */
  isaLine(irq: number): IrqLine {
    if (!Number.isInteger(irq) || irq < 0 || irq >= ISA_IRQ_COUNT) {
      throw new BusRangeError(`ISA IRQ ${irq} does not exist (0–15)`);
    }
    let line = this.isaLines[irq];
    if (line === undefined) {
      line = new SourceLine(`isa-irq${irq}`, this, this.isaToGsi[irq]!, irq);
      this.isaLines[irq] = line;
      this.sources.push(line);
    }
    return line;
  }

  /**
   * A new source on GSI `gsi` (wired-OR with the others), optionally also driving PIC input
   * `picPin` (PCI INTx through a PCI link). Each call returns an independent source.
   */
  sourceLine(name: string, gsi: number | null, picPin: number | null = null): IrqLine {
    if (gsi !== null && (!Number.isInteger(gsi) || gsi < 0 || gsi >= this.gsiCount)) {
      throw new BusRangeError(`${name}: GSI ${gsi} does not exist (0–${this.gsiCount - 1})`);
    }
    if (picPin !== null && (!Number.isInteger(picPin) || picPin < 0 || picPin >= ISA_IRQ_COUNT)) {
      throw new BusRangeError(`${name}: PIC input ${picPin} does not exist (0–15)`);
    }
    const line = new SourceLine(name, this, gsi ?? -1, picPin ?? -1);
    this.sources.push(line);
    return line;
  }

  private readonly directGsi = new Map<number, IrqLine>();
  /**
   * Drives a GSI directly, as qtest's `set_irq_in` does (a dedicated host source per GSI, wired-OR
   * with the devices' sources). Throws {@link BusRangeError} for a GSI outside [0, gsiCount).
   */
  setGsiDirect(gsi: number, level: boolean): void {
    let line = this.directGsi.get(gsi);
    if (line === undefined) {
      line = this.sourceLine(`direct-gsi${gsi}`, gsi);
      this.directGsi.set(gsi, line);
    }
    line.set(level);
  }

  private readonly directPic = new Map<number, IrqLine>();
  /**
   * Drives PIC input `pin` (0–15) directly (qtest's `set_irq_in` on a PIC), bypassing the IO-APIC.
   * Throws {@link BusRangeError} for a pin outside 0–15.
   */
  setPicInputDirect(pin: number, level: boolean): void {
    let line = this.directPic.get(pin);
    if (line === undefined) {
      line = this.sourceLine(`direct-pic${pin}`, null, pin);
      this.directPic.set(pin, line);
    }
    line.set(level);
  }

  /** The level of GSI `gsi`: true while any of its sources asserts it; false for a GSI that does not exist. */
  gsiLevel(gsi: number): boolean {
    return (this.gsiAsserts[gsi] ?? 0) > 0;
  }

  /** The level of PIC input `pin` (0–15): true while any of its sources asserts it. */
  picInputLevel(pin: number): boolean {
    return (this.picAsserts[pin] ?? 0) > 0;
  }

  /** Calls `fn(gsi, level)` on every GSI level change (not while settling); returns the function that stops it. */
  observeGsi(fn: PinObserver): () => void {
    this.gsiObservers = [...this.gsiObservers, fn];
    return () => {
      this.gsiObservers = this.gsiObservers.filter((f) => f !== fn);
    };
  }

  /** Calls `fn(pin, level)` on every PIC input level change (not while settling); returns the function that stops it. */
  observePicInputs(fn: PinObserver): () => void {
    this.picObservers = [...this.picObservers, fn];
    return () => {
      this.picObservers = this.picObservers.filter((f) => f !== fn);
    };
  }

  /** A point-to-point line between controllers, by name (e.g. "pic.int" → LAPIC LINT0). */
  namedLine(name: string): Line {
    let line = this.named.get(name);
    if (line === undefined) {
      line = new Line(name, this.gate);
      this.named.set(name, line);
    }
    return line;
  }

  /** Every named line created so far, by name. */
  namedLines(): ReadonlyMap<string, Line> {
    return this.named;
  }

  /** Where `sendMsi` delivers (the platform's APIC router); null detaches it. */
  setMsiTarget(target: MsiTarget | null): void {
    this.msiTarget = target;
  }

  /**
   * A device's MSI write: delivered to the MSI target, dropped while settling, counted in
   * `droppedMsis` when no target is attached. Never throws.
   */
  sendMsi(msg: MsiMessage): void {
    if (this.gate.settling) return; // nothing is delivered while the platform settles
    if (this.msiTarget === null) this.droppedMsis++;
    else this.msiTarget.deliverMsi(msg);
  }

  /** @internal Called by source lines on a level change. */
  adjust(gsi: number, picPin: number, delta: 1 | -1): void {
    if (gsi >= 0) {
      const before = this.gsiAsserts[gsi]!;
      const after = before + delta;
      this.gsiAsserts[gsi] = after;
      if ((before === 0) !== (after === 0) && !this.gate.settling) this.gsiChanged(gsi, after > 0);
    }
    if (picPin >= 0) {
      const before = this.picAsserts[picPin]!;
      const after = before + delta;
      this.picAsserts[picPin] = after;
      if ((before === 0) !== (after === 0) && !this.gate.settling) {
        const level = after > 0;
        const observers = this.picObservers;
        for (let i = 0; i < observers.length; i++) observers[i]!(picPin, level);
        if (this.pic !== null) this.pic.setInput(picPin, level);
      }
    }
  }

  /**
   * @internal Called by a low source line pulsed (`pulse`, an HPET comparator's edge): exactly
   * `adjust(gsi, picPin, 1)` then `adjust(gsi, picPin, -1)`. With the timer shortcuts and nobody
   * observing the inputs, the GSI's rise and fall go out first, then the 8259 input's (see
   * retriggerSource for why only an observer could tell).
   */
  pulseSource(gsi: number, picPin: number): void {
    if (!this.directGsiSinks || this.gate.settling || this.gsiObservers.length !== 0 || this.picObservers.length !== 0) {
      this.adjust(gsi, picPin, 1);
      this.adjust(gsi, picPin, -1);
      return;
    }
    // The counts end where they started; a GSI or input rises and falls only if nobody else asserts it.
    if (gsi >= 0 && this.gsiAsserts[gsi] === 0) {
      this.gsiAsserts[gsi] = 1;
      this.gsiChanged(gsi, true);
      this.gsiAsserts[gsi] = 0;
      this.gsiChanged(gsi, false);
    }
    const pic = this.pic;
    if (picPin >= 0 && this.picAsserts[picPin] === 0 && pic !== null) {
      pic.setInput(picPin, true);
      pic.setInput(picPin, false);
    }
  }

  /**
   * @internal Called by a high source line re-asserted at once (`retrigger`): exactly
   * `adjust(gsi, picPin, -1)` then `adjust(gsi, picPin, 1)`. With the timer shortcuts and nobody
   * observing the inputs, the GSI's fall and rise go out first, then the 8259 input's fall and rise
   * as one step of the PIC (its INT may then fall and rise as one, InterruptSink.retriggerInput):
   * the two legs change disjoint state (IO-APIC pin and LAPIC IRR; 8259 and LINT0, whose fall
   * changes nothing but its level), so only an observer could tell the order, and there is none.
   */
  retriggerSource(gsi: number, picPin: number): void {
    if (!this.directGsiSinks || this.gate.settling || this.gsiObservers.length !== 0 || this.picObservers.length !== 0) {
      this.adjust(gsi, picPin, -1);
      this.adjust(gsi, picPin, 1);
      return;
    }
    // The counts end where they started; a GSI or input falls and rises only if this source alone asserts it.
    if (gsi >= 0 && this.gsiAsserts[gsi] === 1) {
      this.gsiAsserts[gsi] = 0;
      this.gsiChanged(gsi, false);
      this.gsiAsserts[gsi] = 1;
      this.gsiChanged(gsi, true);
    }
    const pic = this.pic;
    if (picPin >= 0 && this.picAsserts[picPin] === 1 && pic !== null) {
      if (pic.retriggerInput !== undefined) {
        pic.retriggerInput(picPin);
      } else {
        pic.setInput(picPin, false);
        pic.setInput(picPin, true);
      }
    }
  }

  private gsiChanged(gsi: number, level: boolean): void {
    const observers = this.gsiObservers;
    for (let i = 0; i < observers.length; i++) observers[i]!(gsi, level);
    if (this.directGsiSinks) {
      const route = this.gsiRoutes[gsi]!;
      if (route.epoch !== this.routeEpoch) this.buildRoute(gsi, route);
      if (takeEdge(route, level)) return;
      const sink = this.gsiSinks[gsi]!;
      if (sink !== null) sink.setInput(this.gsiPins[gsi]!, level);
      return;
    }
    for (const io of this.ioapics) {
      if (gsi >= io.gsiBase && gsi < io.gsiBase + io.pins) io.sink.setInput(gsi - io.gsiBase, level);
    }
  }

  /** Whether the platform is settling (see settle()). */
  get settling(): boolean {
    return this.gate.settling;
  }

  /**
   * Runs `change` (a restore or a reset of devices) in the settling phase: every line keeps the
   * level it is set to as state, but no controller input, observer or MSI target hears anything, so
   * no edge is seen and nothing is delivered, whatever the order of the devices. Afterwards:
   * - 'keep' (restore): controllers keep the input levels they latched; they restored them as state.
   * - 'adopt' (reset): one pass, still settling, tells every controller input the level of its
   *   line, as state (a power-on has no edges: 8259A, "following initialization, an interrupt
   *   request (IR) input must make a low-to-high transition to generate an interrupt").
   */
  settle(change: () => void, after: 'keep' | 'adopt'): void {
    const outer = this.gate.settling;
    this.gate.settling = true;
    try {
      change();
      if (after === 'adopt') this.adoptLevels();
    } finally {
      this.gate.settling = outer;
    }
  }

  /**
   * Every controller input takes its line's current level as state. Still settling: what a
   * controller's output does meanwhile (the PIC's INT) is state too, and the point-to-point lines
   * come last so their receivers adopt the final level.
   */
  private adoptLevels(): void {
    this.pic?.adoptInputs?.((pin) => this.picInputLevel(pin));
    for (const io of this.ioapics) io.sink.adoptInputs?.((pin) => this.gsiLevel(io.gsiBase + pin));
    for (const line of this.named.values()) line.adoptLevel();
  }

  /** The GSIs and PIC inputs the host drives high directly (setGsiDirect / setPicInputDirect), ascending. */
  hostLineLevels(): { gsi: number[]; pic: number[] } {
    return { gsi: highLines(this.directGsi), pic: highLines(this.directPic) };
  }

  /** Sets the host-driven lines to exactly `levels` (high: the ones listed; checked by the caller). */
  setHostLineLevels(levels: { readonly gsi: readonly number[]; readonly pic: readonly number[] }): void {
    for (const [n, l] of this.directGsi) if (!levels.gsi.includes(n)) l.lower();
    for (const [n, l] of this.directPic) if (!levels.pic.includes(n)) l.lower();
    for (const n of levels.gsi) this.setGsiDirect(n, true);
    for (const n of levels.pic) this.setPicInputDirect(n, true);
  }

  /** Drops every source back to low without notifying anyone (platform reset, inside settle()). */
  resetLevels(): void {
    this.gsiAsserts.fill(0);
    this.picAsserts.fill(0);
    for (const l of this.sources) l.level = false;
    for (const l of this.named.values()) l.level = false;
  }
}

/** The numbers of the lines in `m` that are high, ascending (snapshots take it: no spread, no sort of an empty list). */
function highLines(m: ReadonlyMap<number, IrqLine>): number[] {
  const out: number[] = [];
  if (m.size === 0) return out;
  for (const [n, l] of m) if (l.level) out.push(n);
  if (out.length > 1) out.sort((a, b) => a - b);
  return out;
}

// The APIC bus: holds every vCPU's LAPIC, serves the xAPIC MMIO window for the accessing vCPU,
// and routes interrupt messages (IPIs, IO-APIC redirections, MSIs) to their destinations, with
// lowest-priority arbitration and EOI broadcasts back to the IO-APICs. Devices send it messages;
// LAPICs never reach into one another.
import { SIZES_8, type AccessContext, type PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { Region } from '../../bus/region.js';
import { ApicDeliveryMode, type ApicMessage, type EoiListener } from '../../irq/apic-bus.js';
import type { FixedDestinations } from '../../irq/edge-route.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import { decodeMsiInto, type MsiMessage, type MsiTarget } from '../../irq/msi.js';
import type { VirtualClock } from '../../time/clock.js';
import type { Device, DeviceStateGroup, PlainData } from '../../device-model/device.js';
import { StateDescription } from '../../device-model/state-description.js';
import { StateGroup } from '../../device-model/state-group.js';
import { bool, int } from '../../device-model/state-fields.js';
import { XEN_DEFAULT_TIMER_MODE, parseTimerMode, type TimerMode } from '../../device-model/timer-mode/timer-mode.js';
import { destinationMatches } from './destination.js';
import { DestinationIndex } from './destination-index.js';
import { Lapic, type LapicDomain, type LapicOutbox } from './lapic.js';
import { LAPIC_STATE } from './lapic-state.js';
import { checkLapicParams, type LapicParams } from './params.js';
import { PIC_INT_LINE, type ExtIntSource } from '../../irq/ext-int-source.js';
import { XAPIC_DEFAULT_BASE, XAPIC_WINDOW_BYTES } from './registers.js';

const enum Shorthand {
  None = 0,
  Self = 1,
  All = 2,
  AllButSelf = 3,
}

/**
 * The APIC bus of a platform, id `apic-bus`: builds one {@link Lapic} per vCPU, serves the xAPIC window at
 * 0xFEE00000 (each access goes to the accessing vCPU's LAPIC, `ctx.vcpu`), and routes every interrupt message
 * from IO-APICs, MSIs and ICR writes to its destination LAPICs (physical, logical flat/cluster, shorthands,
 * lowest priority round-robin; SDM Vol. 3A §11.6). Guest accesses never throw.
 * @throws {@link LapicConfigError} from the constructor for bad parameters or vCPU count.
 */
export class ApicRouter implements Device, IoHandler, LapicOutbox, MsiTarget, FixedDestinations {
  /** Windows moved away from 0xFEE00000 (relocatableWindow), by base. */
  private readonly movedWindows = new Map<number, Region>();
  private readonly mmio: MmioBus;
  readonly id = 'apic-bus';
  readonly kind = 'apic-router';
  readonly lapics: readonly Lapic[];
  /** Last lowest-priority winner: ties go round-robin from the next vCPU (Xen's round_robin_prev_vcpu). */
  lowestPriorityCursor = 0;
  /** MSI writes whose address is not 0xFEExxxxx (dropped). */
  invalidMsis = 0;
  /** Per-domain LAPIC state (Xen keeps it in struct hvm_domain), shared by every LAPIC. */
  readonly domain: LapicDomain;
  private eoiListeners: EoiListener[] = [];
  private readonly offWindowValue: number;
  /** The decoded MSI being delivered (shorthand none, no sender). */
  private readonly msi = {
    valid: false,
    destination: 0,
    redirectionHint: false,
    logical: false,
    vector: 0,
    deliveryMode: 0,
    assert: false,
    levelTriggered: false,
    shorthand: 0,
    source: -1,
  };
  /** Which LAPICs each destination names, kept current by lapicRoutingChanged. */
  private readonly index = new DestinationIndex(() => this.lapics);

  constructor(
    mmio: MmioBus,
    private readonly fabric: InterruptFabric,
    clock: VirtualClock,
    readonly params: LapicParams,
    vcpus: number,
    extInt: ExtIntSource,
    /** The platform's missed-tick policy (HVM_PARAM_TIMER_MODE) for the periodic LAPIC timers. */
    timerMode: TimerMode = XEN_DEFAULT_TIMER_MODE,
  ) {
    checkLapicParams(params, vcpus);
    const mode = parseTimerMode(timerMode);
    this.domain = { x2apicLdrFromVcpuId: params.x2apicLdrFromVcpuId };
    // Not frozen (readonly by type only): V8 loads a frozen array's elements through its generic
    // keyed-load IC even in optimized code, and every xAPIC access indexes this array.
    this.lapics = Array.from({ length: vcpus }, (_, i) => new Lapic(i, clock, params, this, extInt, mode, this.domain));
    this.stateGroup = new StateGroup('lapics', LAPIC_STATE, this.lapics);
    // One window for every vCPU; each access is served by the accessing vCPU's LAPIC. The LAPIC
    // checks widths itself (Xen serves sub-register accesses and reads 0 for the rest).
    mmio.register(XAPIC_DEFAULT_BASE, XAPIC_WINDOW_BYTES, this, { owner: this.id, name: 'xAPIC window', sizes: SIZES_8 });
    this.offWindowValue = mmio.profile.unclaimedRead === 'ones' || params.offWindowReadsOnes ? 0xffffffff : 0;
    this.mmio = mmio;
    fabric.setMsiTarget(this);
    const bsp = this.lapics[0]!;
    const pic = fabric.namedLine(PIC_INT_LINE);
    pic.connect({
      setLevel: (level) => bsp.setLint(0, level),
      adoptLevel: (level) => bsp.adoptLint(0, level),
      glitch: () => bsp.lintGlitch(0),
    });
    if (pic.level) bsp.setLint(0, true);
  }

  /** Every device this router owns, for the platform's device list (the router itself first). */
  devices(): Device[] {
    return [this, ...this.lapics];
  }

  /** The LAPIC of vCPU `vcpu` (0-based), or undefined when there is no such vCPU. */
  lapic(vcpu: number): Lapic | undefined {
    return this.lapics[vcpu];
  }

  /**
   * Xen's IRQ0_SPECIAL_ROUTING (xen/arch/x86/hvm/vioapic.c): delivers `msg` to vCPU 0 alone if
   * vCPU 0's LAPIC is enabled and named by the message's 8-bit (IO-APIC format) destination;
   * returns false, delivering nothing, otherwise (see src/irq/irq0-routing.ts).
   */
  deliverToVcpu0(msg: ApicMessage): boolean {
    const l0 = this.lapics[0];
    if (l0 === undefined || !l0.enabled || !destinationMatches(l0, msg.destination, msg.logical, true)) return false;
    l0.receive(msg.deliveryMode, msg.vector, msg.levelTriggered, msg.assert);
    return true;
  }

  /**
   * Tells `listener` about every EOI of a level-triggered vector by any LAPIC (the IO-APICs clear Remote-IRR,
   * SDM Vol. 3A §11.8.5). Returns a function that removes the listener.
   */
  addEoiListener(listener: EoiListener): () => void {
    this.eoiListeners = [...this.eoiListeners, listener];
    return () => {
      this.eoiListeners = this.eoiListeners.filter((l) => l !== listener);
    };
  }

  // ---- xAPIC window ----------------------------------------------------------------------------

  // The default window passes `null` for its base: an address above 2^31 passed to a function
  // the JIT does not inline is a heap-allocated number, once per access.
  /**
   * A guest read of `size` bytes at `offset` in the xAPIC window, served by vCPU `ctx.vcpu`'s LAPIC
   * ({@link Lapic.mmioRead}). If that LAPIC does not serve the window (hardware-disabled, x2APIC mode, moved
   * elsewhere) the read gives the memory bus's unclaimed value (or all-ones with `offWindowReadsOnes`). Never throws.
   */
  read(offset: number, size: PortAccessSize, ctx: AccessContext): number {
    return this.windowRead(null, offset, size, ctx);
  }

  /**
   * A guest write in the xAPIC window, to vCPU `ctx.vcpu`'s LAPIC ({@link Lapic.mmioWrite}); dropped if that LAPIC
   * does not serve the window. Never throws.
   */
  write(offset: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    // windowWrite(null, ...) spelled out, with the EOI (the hottest access: one per interrupt
    // taken) straight to Lapic.eoi: small enough for V8 to inline into the bus's dispatch (issue 14).
    const l = this.lapics[ctx.vcpu];
    if (l === undefined || l.servedWindowBase !== XAPIC_DEFAULT_BASE) return;
    if (offset === 0xb0 && size === 4)
      l.eoi(); // Lapic.mmioWrite's own first test
    else l.mmioWrite(offset, size, value);
  }

  /**
   * A guest 8-byte read in the xAPIC window: wider than any register, so 0 (as Xen), or the unclaimed value if the
   * accessing vCPU's LAPIC does not serve the window. Never throws.
   */
  read64(_offset: number, ctx: AccessContext): bigint {
    return this.windowRead64(null, ctx);
  }

  /** The LAPIC that serves the window at `base` (null: the default 0xFEE00000) for this access, or undefined. */
  private serving(base: number | null, ctx: AccessContext): Lapic | undefined {
    const l = this.lapics[ctx.vcpu];
    return l !== undefined && l.servedWindowBase === (base === null ? XAPIC_DEFAULT_BASE : base) ? l : undefined;
  }

  private windowRead(base: number | null, offset: number, size: PortAccessSize, ctx: AccessContext): number {
    const l = this.serving(base, ctx);
    if (l === undefined) return size === 4 ? this.offWindowValue : this.offWindowValue & ((1 << (size * 8)) - 1);
    return l.mmioRead(offset, size);
  }

  private windowWrite(base: number | null, offset: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    this.serving(base, ctx)?.mmioWrite(offset, size, value);
  }

  private windowRead64(base: number | null, ctx: AccessContext): bigint {
    if (this.serving(base, ctx) === undefined) return this.offWindowValue === 0 ? 0n : 0xffff_ffff_ffff_ffffn;
    return 0n; // wider than one register: Xen reads 0
  }

  /**
   * LapicOutbox: an APIC's IA32_APIC_BASE changed. With relocatable windows (KVM), every base an
   * xAPIC-mode APIC uses gets a window; one nobody uses any more is removed. A base that would
   * overlap another device is not served (the guest's accesses there reach that device).
   */
  lapicWindowChanged(): void {
    if (!this.params.relocatableWindow || this.lapics === undefined) return; // (LAPICs being built)
    const wanted = new Set<number>();
    for (const l of this.lapics) if (l.mmioActive && l.windowBase !== XAPIC_DEFAULT_BASE) wanted.add(l.windowBase);
    for (const [base, region] of this.movedWindows) {
      if (!wanted.has(base)) {
        region.remove();
        this.movedWindows.delete(base);
      }
    }
    for (const base of wanted) {
      if (this.movedWindows.has(base)) continue;
      const handler: IoHandler = {
        read: (o, size, ctx) => this.windowRead(base, o, size, ctx),
        write: (o, size, v, ctx) => this.windowWrite(base, o, size, v, ctx),
        read64: (_o, ctx) => this.windowRead64(base, ctx),
        write64: () => undefined,
      };
      try {
        this.movedWindows.set(base, this.mmio.register(base, XAPIC_WINDOW_BYTES, handler, { owner: this.id, name: 'moved xAPIC window', sizes: SIZES_8 }));
      } catch {
        // overlaps another device or RAM: not served there
      }
    }
  }

  /** A guest 8-byte write in the xAPIC window: wider than any register, ignored (as Xen). Never throws. */
  write64(): void {
    // wider than one register: ignored
  }

  // ---- message routing ---------------------------------------------------------------------------

  /** Routes one message from an IO-APIC, an MSI or a LAPIC's ICR. Never throws. */
  deliverApicMessage(msg: ApicMessage): void {
    const n = this.lapics.length;
    const sender = msg.source >= 0 && msg.source < n ? this.lapics[msg.source]! : null;
    const mode = msg.deliveryMode & 7;
    // ExtINT IPIs are not supported (SDM §11.6.1); Xen would crash the domain, the model drops them.
    // A start-up message only comes from an ICR.
    if (sender !== null ? mode === ApicDeliveryMode.ExtInt : mode === ApicDeliveryMode.StartUp) return;
    const vector = msg.vector & 0xff;
    const dest = msg.destination >>> 0;
    const narrow = sender === null || !sender.x2apicMode;
    const shorthand = msg.shorthand & 3;
    const logical = msg.logical;
    const assert = msg.assert;
    // Fixed IPIs are edge-triggered; the trigger bit of an ICR only matters for INIT de-assert.
    const level = msg.levelTriggered && (sender === null || mode === ApicDeliveryMode.Init);
    // Everything is read from `msg` before any LAPIC sees it: senders reuse one message object.
    // The candidates: a shorthand's, or the index's list for the destination (never a scan of all).
    let list: readonly Lapic[];
    if (shorthand === Shorthand.None) list = this.index.targets(dest, logical, narrow);
    else if (shorthand === Shorthand.Self) {
      if (sender !== null && mode !== ApicDeliveryMode.LowestPriority) sender.receive(mode, vector, level, assert);
      else if (sender !== null && sender.enabled) {
        this.lowestPriorityCursor = sender.vcpu;
        sender.receive(mode, vector, level, assert);
      }
      return;
    } else list = this.index.everyone();
    const skip = shorthand === Shorthand.AllButSelf ? sender : null;
    if (mode === ApicDeliveryMode.LowestPriority) {
      const target = this.lowestPriority(list, skip);
      if (target !== null) target.receive(mode, vector, level, assert);
      return;
    }
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      if (l !== skip) l.receive(mode, vector, level, assert);
    }
  }

  /** LapicOutbox: an APIC ID, LDR, DFR or APIC mode changed; the destination index forgets its lists. */
  lapicRoutingChanged(): void {
    this.index.invalidate();
    this.fabric.invalidateRoutes(); // the fabric's routes hold the index's lists
  }

  /**
   * FixedDestinations: the LAPICs an IO-APIC message (8-bit destination, no shorthand) for
   * `destination` reaches, in the order deliverApicMessage delivers; valid until the fabric's route
   * epoch moves (lapicRoutingChanged moves it).
   */
  fixedTargets(destination: number, logical: boolean): readonly Lapic[] {
    return this.index.targets(destination >>> 0, logical, true);
  }

  /** MSI (SDM §11.11): the address names the destination, the data the vector and mode. */
  deliverMsi(msg: MsiMessage): void {
    // One record serves as the decoded MSI and the APIC message: deliverApicMessage reads it all
    // before any LAPIC sees it, so a nested delivery may reuse it.
    const m = decodeMsiInto(msg, this.msi);
    if (!m.valid) {
      this.invalidMsis++;
      return;
    }
    this.deliverApicMessage(m);
  }

  /** LapicOutbox: a LAPIC EOIed a level-triggered vector; every IO-APIC hears it (Xen's vioapic_update_EOI). */
  lapicEoi(vector: number): void {
    const ls = this.eoiListeners;
    for (let i = 0; i < ls.length; i++) ls[i]!.onEoi(vector);
  }

  /** The vCPUs a message reaches (for tests, `describe` and debugging). */
  resolve(msg: Pick<ApicMessage, 'destination' | 'logical' | 'shorthand' | 'source'>): number[] {
    const sender = msg.source >= 0 && msg.source < this.lapics.length ? this.lapics[msg.source]! : null;
    const narrow = sender === null || !sender.x2apicMode;
    return this.lapics.filter((l) => this.targets(l, sender, msg.shorthand & 3, msg.destination >>> 0, msg.logical, narrow)).map((l) => l.vcpu);
  }

  private targets(l: Lapic, sender: Lapic | null, shorthand: number, dest: number, logical: boolean, narrow: boolean): boolean {
    switch (shorthand) {
      case Shorthand.Self:
        return l === sender;
      case Shorthand.All:
        return true;
      case Shorthand.AllButSelf:
        return l !== sender;
      default:
        return destinationMatches(l, dest, logical, narrow);
    }
  }

  /**
   * Lowest-priority arbitration (SDM §11.6.2.4), as Xen's vlapic_lowest_prio: among the enabled
   * LAPICs the destination names, the one with the lowest PPR; ties go to the first in round-robin
   * order starting after the previous winner. Xen ignores the focus processor, and so does this.
   * One pass over the candidates (`skip` excluded: the all-but-self shorthand's sender).
   */
  private lowestPriority(candidates: readonly Lapic[], skip: Lapic | null): Lapic | null {
    const n = this.lapics.length;
    const cursor = this.lowestPriorityCursor;
    let best: Lapic | null = null;
    let bestPpr = 0x100;
    let bestTurn = n;
    for (let i = 0; i < candidates.length; i++) {
      const l = candidates[i]!;
      if (l === skip || !l.enabled) continue;
      const ppr = l.ppr;
      // Position in the round-robin order that starts just after the cursor (1 … n).
      const turn = ((l.vcpu - cursor + n - 1) % n) + 1;
      if (ppr < bestPpr || (ppr === bestPpr && turn < bestTurn)) {
        best = l;
        bestPpr = ppr;
        bestTurn = turn;
      }
    }
    if (best !== null) this.lowestPriorityCursor = best.vcpu;
    return best;
  }

  // ---- Device --------------------------------------------------------------------------------------

  /** Resets the router's own state; each LAPIC is a Device of its own (see devices()). */
  reset(): void {
    this.lowestPriorityCursor = 0;
    // Xen keeps bug_x2apic_ldr_vcpu_id for the domain's lifetime; a reset does not undo it.
  }

  readonly stateDescription = APIC_ROUTER_STATE;

  /** The LAPICs' states as one part of columns in a platform snapshot (snapshot format version 3). */
  readonly stateGroup: DeviceStateGroup;

  snapshot(): PlainData {
    return APIC_ROUTER_STATE.snapshot(this);
  }

  /** @internal For APIC_ROUTER_STATE. */
  get vcpuCount(): number {
    return this.lapics.length;
  }

  /** @internal For APIC_ROUTER_STATE: the domain's x2APIC LDR derivation. */
  get x2apicLdrFromVcpuId(): boolean {
    return this.domain.x2apicLdrFromVcpuId;
  }

  checkState(state: unknown): void {
    APIC_ROUTER_STATE.check(state, this.id, this.lapics.length);
  }

  /**
   * Second step of a restore: takes the router's own state `checkState` accepted (the lowest-priority round-robin
   * cursor and Xen's x2APIC LDR compatibility flag) and never throws. The LAPICs restore their own states.
   */
  applyState(state: unknown): void {
    const s = state as typeof APIC_ROUTER_STATE.json;
    this.lowestPriorityCursor = s.lowestPriorityCursor;
    // Absent in snapshots taken before the flag existed: those guests used this build's derivation.
    this.domain.x2apicLdrFromVcpuId = s.x2apicLdrFromVcpuId ?? this.params.x2apicLdrFromVcpuId;
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }
}

/** The APIC bus's own state (each LAPIC is a device of its own); the context is the vCPU count. */
export const APIC_ROUTER_STATE = new StateDescription('apic-bus', 2, {
  vcpus: int(
    (n: number) => n,
    (n: number) => n,
  ).computed((r: ApicRouter) => r.vcpuCount),
  lowestPriorityCursor: int(0, (n: number) => n - 1),
  /** Xen's bug_x2apic_ldr_vcpu_id; absent in older snapshots (the profile's value then). */
  x2apicLdrFromVcpuId: bool().manual().added(2, false),
});

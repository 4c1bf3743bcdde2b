// The IO-APIC (Intel 82093AA; Xen hvm/vioapic.c; QEMU hw/intc/ioapic.c for the `qemu-pc` profile).
// Inputs come from the interrupt fabric (GSIs gsiBase..gsiBase+pins-1); interrupts leave as
// ApicMessages to the APIC bus; the router calls onEoi(vector) for EOIs of level vectors.
//
// Behaviour (82093AA §3.2.4 and Xen, which agree unless a parameter says otherwise):
// - Edge pin: a rising input edge on an unmasked pin sends one message; a masked pin ignores
//   edges ("not delivered or held pending").
// - Level pin: a rising input on an unmasked pin with Remote-IRR clear sets Remote-IRR and sends a
//   message. Remote-IRR is cleared by an EOI of the entry's vector (LAPIC broadcast, or the EOI
//   register on version 0x20); if the input is still asserted and the pin unmasked the message is
//   sent again at once (exactly one delivery per assert–EOI cycle, docs/robustness.md entry 16).
// - Writing an entry: Remote-IRR and Delivery Status are read-only; switching to edge clears
//   Remote-IRR; an unmasked level entry whose input is asserted and Remote-IRR clear delivers at
//   once (unmasking an asserted level pin).
import { SIZES_4, SIZES_8, type AccessContext, type PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import { ApicDeliveryMode, ApicShorthand, type ApicMessage, type ApicMessageSink, type EoiListener } from '../../irq/apic-bus.js';
import { type EdgeRoute, EdgeRouteKind, type EdgeRouteSource, type FixedDestinations } from '../../irq/edge-route.js';
import type { Irq0SpecialRouting } from '../../irq/irq0-routing.js';
import type { GsiVectorLookup } from '../../irq/periodic-timer-source.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { InterruptSink } from '../../irq/line.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { StateDescription } from '../../device-model/state-description.js';
import { int, ints, u64s } from '../../device-model/state-fields.js';
import { validateIoapicParams, type IoapicParams } from './params.js';
import {
  IOAPIC_DIRECT,
  IOAPIC_ID_MASK,
  IOAPIC_ID_SHIFT,
  IOAPIC_INDEX,
  RTE,
  RTE_RESET_LOW,
  ioapicRegisters,
  versionRegister,
  writeMaskOf,
} from './registers.js';

/** The message an IO-APIC sends, reused for every delivery (see deliver()). */
class RedirectionMessage implements ApicMessage {
  vector = 0;
  deliveryMode = 0;
  logical = false;
  destination = 0;
  levelTriggered = false;
  readonly assert = true;
  readonly shorthand = ApicShorthand.None;
  readonly source = -1;
}

// Hot-path copies of the RTE bits as plain module constants.
const VECTOR_MASK = RTE.VECTOR_MASK;
const TRIGGER_LEVEL = RTE.TRIGGER_LEVEL;
const MASK = RTE.MASK;
const REMOTE_IRR = RTE.REMOTE_IRR;

/**
 * An IO-APIC (Intel 82093AA; Xen xen/arch/x86/hvm/vioapic.c, QEMU 7.2 hw/intc/ioapic.c), id `params.id`.
 * Registers its window on the memory bus and its pins as GSIs `gsiBase..gsiBase + pins − 1` on the interrupt
 * fabric; an unmasked redirection entry turns an input edge or level into an APIC message (vector, delivery
 * mode, destination) sent to `apicBus`, and an EOI of a level vector (LAPIC broadcast or the EOI register)
 * clears Remote-IRR (82093AA §3.2.4). Guest accesses never throw.
 * @throws {@link IoapicConfigError} from the constructor for bad parameters (see {@link validateIoapicParams}).
 */
export class Ioapic implements Device, IoHandler, InterruptSink, EoiListener, GsiVectorLookup, EdgeRouteSource {
  readonly id: string;
  readonly kind = 'ioapic';
  readonly params: IoapicParams;
  /** Redirection entries as two 32-bit halves (82093AA §3.2.4). */
  private readonly rteLow: Uint32Array;
  private readonly rteHigh: Uint32Array;
  /** Level of each input as the fabric last set it (1 = asserted). */
  private readonly inputs: Uint8Array;
  /** How many entries hold each vector: an EOI for a vector no entry uses costs one load. */
  private readonly entriesWithVector = new Uint16Array(256);
  private ioregsel = 0;
  private apicId: number;
  private readonly ioregselMask: number;
  /** Bits of an entry's low half a guest write sets (from the register table). */
  private readonly rteLowWritable: number;
  /** Bits of the ID register a guest write sets (from the register table). */
  private readonly idWritable: number;
  private readonly versionValue: number;
  private readonly irq0Pin: number;
  private irq0Routing: Irq0SpecialRouting | null = null;
  private readonly message = new RedirectionMessage();
  /** Messages sent since creation (tests, benchmarks, `describe`). */
  messagesSent = 0;
  /** GsiVectorLookup: told when an entry's vector may have changed (the platform's tick acknowledgement keeps a table by vector). */
  vectorObserver: (() => void) | null = null;
  /** Messages not sent because their delivery mode is one the profile drops (Xen: SMI, INIT, ExtINT). */
  messagesDropped = 0;

  constructor(
    mmio: MmioBus,
    private readonly fabric: InterruptFabric,
    private readonly apicBus: ApicMessageSink & Partial<FixedDestinations>,
    params: IoapicParams,
  ) {
    this.params = validateIoapicParams(params);
    this.id = params.id;
    this.rteLow = new Uint32Array(params.pins);
    this.rteHigh = new Uint32Array(params.pins);
    this.inputs = new Uint8Array(params.pins);
    this.apicId = params.apicId;
    const tables = ioapicRegisters(params);
    this.ioregselMask = writeMaskOf(tables.direct, IOAPIC_DIRECT.IOREGSEL);
    this.rteLowWritable = writeMaskOf(tables.indirect, IOAPIC_INDEX.REDIRECTION_BASE);
    this.idWritable = writeMaskOf(tables.indirect, IOAPIC_INDEX.ID);
    this.versionValue = versionRegister(params.version, params.pins);
    const g = params.irq0SpecialRoutingGsi;
    this.irq0Pin = g !== null && g >= params.gsiBase && g < params.gsiBase + params.pins ? g - params.gsiBase : -1;
    this.reset();
    const any = params.windowAccess === 'any';
    mmio.register(params.base, params.windowLength, this, {
      owner: this.id,
      name: 'IOAPIC window',
      sizes: any ? SIZES_8 : SIZES_4,
      ...(params.widthPolicy !== undefined ? { widthPolicy: params.widthPolicy } : {}),
    });
    fabric.attachIoapic(this, params.gsiBase, params.pins);
  }

  /** Hands the IO-APIC the platform's IRQ0 special routing (Xen); null removes it. */
  setIrq0Routing(routing: Irq0SpecialRouting | null): void {
    this.irq0Routing = routing;
  }

  // ---- MMIO ----------------------------------------------------------------------------------

  /**
   * A guest MMIO read at `offset` bytes into the window (decoded on `offset & 0xFF`, so a 4 KiB window aliases
   * every 0x100): IOREGSEL (0x00) reads back the selected index, IOWIN (0x10) the indirect register it selects
   * (ID, version, arbitration, or one half of a redirection entry; 82093AA §3.2). Everything else, an
   * out-of-range index and (with `windowAccess: 'dword'`) a non-4-byte IOWIN read all read 0. Never throws.
   */
  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    switch (offset & 0xff) {
      case IOAPIC_DIRECT.IOREGSEL:
        return this.ioregsel;
      case IOAPIC_DIRECT.IOWIN:
        if (size !== 4 && this.params.windowAccess === 'dword') return 0;
        return this.readIndirect();
      default:
        return 0; // Xen and QEMU: other offsets (including the write-only EOI register) read 0.
    }
  }

  /**
   * A guest MMIO write: IOREGSEL (0x00) selects an indirect register (8 or 32 bits kept, `ioregselBits`), IOWIN
   * (0x10) writes it (Remote-IRR and Delivery Status stay read-only; switching an entry to edge clears Remote-IRR;
   * unmasking a level entry whose input is asserted delivers at once), and EOI (0x40, only with `eoiRegister`)
   * ends vector `value & 0xFF` on this IO-APIC's entries.
   * Writes to read-only or absent registers are ignored. Never throws.
   */
  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    switch (offset & 0xff) {
      case IOAPIC_DIRECT.IOREGSEL:
        this.ioregsel = (value & this.ioregselMask) >>> 0;
        return;
      case IOAPIC_DIRECT.IOWIN:
        if (size !== 4 && this.params.windowAccess === 'dword') return;
        this.writeIndirect(value >>> 0);
        return;
      case IOAPIC_DIRECT.EOI:
        if (!this.params.eoiRegister || (size !== 4 && this.params.windowAccess === 'dword')) return;
        // IOxAPIC EOI register: bits 7:0 are the vector; only this IO-APIC's entries are affected.
        this.onEoi(value & 0xff);
        return;
      default:
        return;
    }
  }

  /** 8-byte accesses (Xen serves every size): the 32-bit register, zero-extended. */
  read64(offset: number, ctx: AccessContext): bigint {
    return BigInt(this.read(offset, 4, ctx) >>> 0);
  }

  /** 8-byte writes (Xen serves every size): the low 32 bits of `value` go to the register, as a 4-byte write. */
  write64(offset: number, value: bigint, ctx: AccessContext): void {
    this.write(offset, 4, Number(value & 0xffffffffn), ctx);
  }

  private readIndirect(): number {
    const sel = this.ioregsel;
    if (sel === IOAPIC_INDEX.ID || sel === IOAPIC_INDEX.ARBITRATION) {
      // Both Xen and QEMU read the 4-bit ID in the arbitration register too.
      return (this.apicId << IOAPIC_ID_SHIFT) >>> 0;
    }
    if (sel === IOAPIC_INDEX.VERSION) return this.versionValue;
    const pin = this.pinOfIndex(sel);
    if (pin < 0) return 0; // Out of range (docs/robustness.md entries 12, 13): reads 0, nothing indexed.
    return (sel & 1) !== 0 ? this.rteHigh[pin]! : this.rteLow[pin]!;
  }

  private writeIndirect(value: number): void {
    const sel = this.ioregsel;
    if (sel === IOAPIC_INDEX.ID) {
      this.apicId = (value & this.idWritable) >>> IOAPIC_ID_SHIFT;
      return;
    }
    if (sel === IOAPIC_INDEX.VERSION || sel === IOAPIC_INDEX.ARBITRATION) return; // read-only
    const pin = this.pinOfIndex(sel);
    if (pin < 0) return;
    if ((sel & 1) !== 0) this.rteHigh[pin] = value;
    else this.setLow(pin, ((value & this.rteLowWritable) | (this.rteLow[pin]! & RTE.REMOTE_IRR)) >>> 0);
    this.fabric.invalidateRoutes(); // the fabric's route of this pin's GSI is rebuilt at its next edge
    this.afterEntryWrite(pin);
  }

  /** Redirection-table pin selected by an IOREGSEL value, or -1. */
  private pinOfIndex(sel: number): number {
    if (sel < IOAPIC_INDEX.REDIRECTION_BASE) return -1;
    const pin = (sel - IOAPIC_INDEX.REDIRECTION_BASE) >>> 1;
    return pin < this.params.pins ? pin : -1;
  }

  private afterEntryWrite(pin: number): void {
    const low = this.rteLow[pin]!;
    if ((low & RTE.TRIGGER_LEVEL) === 0) {
      // Level→edge clears Remote-IRR (Xen; QEMU's ioapic_fix_edge_remote_irr; Linux relies on it).
      this.rteLow[pin] = (low & ~RTE.REMOTE_IRR) >>> 0;
    } else if ((low & (RTE.MASK | RTE.REMOTE_IRR)) === 0 && this.inputs[pin] !== 0) {
      this.rteLow[pin] = (low | RTE.REMOTE_IRR) >>> 0;
      this.deliver(pin);
    }
  }

  // ---- Inputs and EOI ------------------------------------------------------------------------

  /**
   * Drives input pin `input` (0-based, GSI − gsiBase) to `level` (true = asserted; polarity is not applied).
   * A rising edge on an unmasked pin sends a message; on a level pin only when Remote-IRR is clear, which it then
   * sets (82093AA §3.2.4). With `input0IsPin2` input 0 drives pin 2 (QEMU). Out-of-range inputs are ignored.
   */
  setInput(input: number, level: boolean): void {
    const pin = input === 0 && this.params.input0IsPin2 ? 2 : input;
    if (!(pin >= 0 && pin < this.params.pins)) return;
    const was = this.inputs[pin]!;
    this.inputs[pin] = level ? 1 : 0;
    if (!level || was !== 0) return;
    const low = this.rteLow[pin]!;
    if ((low & RTE.MASK) !== 0) return;
    if ((low & RTE.TRIGGER_LEVEL) === 0) {
      this.deliver(pin);
    } else if ((low & RTE.REMOTE_IRR) === 0) {
      this.rteLow[pin] = (low | RTE.REMOTE_IRR) >>> 0;
      this.deliver(pin);
    }
  }

  /**
   * After a reset (InterruptFabric.settle): each pin takes its input's level as state, with no
   * delivery (every entry is masked after a reset). With input0IsPin2 two inputs feed pin 2 and
   * neither is wired-OR to the other (QEMU's last writer wins); after a reset it is high if either is.
   */
  adoptInputs(level: (input: number) => boolean): void {
    for (let pin = 0; pin < this.params.pins; pin++) this.inputs[pin] = level(pin) ? 1 : 0;
    if (this.params.input0IsPin2) {
      this.inputs[2] = level(0) || (this.params.pins > 2 && level(2)) ? 1 : 0;
      this.inputs[0] = 0;
    }
  }

  /** EOI broadcast by vector (Xen vioapic_update_EOI): every entry with that vector. */
  onEoi(vector: number): void {
    const v = vector & 0xff;
    if (this.entriesWithVector[v] === 0) return; // the common case for edge vectors and other IO-APICs
    const low = this.rteLow;
    const inputs = this.inputs;
    // Stop once every entry holding the vector has been seen (deliver() never rewrites an entry).
    let left = this.entriesWithVector[v]!;
    for (let pin = 0; left > 0 && pin < low.length; pin++) {
      const e = low[pin]!;
      if ((e & VECTOR_MASK) !== v) continue;
      left--;
      if ((e & (TRIGGER_LEVEL | MASK)) === TRIGGER_LEVEL && inputs[pin] !== 0) {
        low[pin] = (e | REMOTE_IRR) >>> 0; // still asserted: re-deliver at once
        this.deliver(pin);
      } else {
        low[pin] = (e & ~REMOTE_IRR) >>> 0;
      }
    }
  }

  /** Keeps the per-vector entry count in step with an entry's low half. */
  private setLow(pin: number, value: number): void {
    const counts = this.entriesWithVector;
    const was = this.rteLow[pin]! & VECTOR_MASK;
    counts[was]!--;
    this.rteLow[pin] = value;
    counts[value & VECTOR_MASK]!++;
    if ((value & VECTOR_MASK) !== was) this.vectorObserver?.();
  }

  private recountVectors(): void {
    this.entriesWithVector.fill(0);
    for (let pin = 0; pin < this.rteLow.length; pin++) this.entriesWithVector[this.rteLow[pin]! & VECTOR_MASK]!++;
    this.vectorObserver?.();
  }

  private deliver(pin: number): void {
    const low = this.rteLow[pin]!;
    const mode = (low >>> RTE.DELIVERY_MODE_SHIFT) & RTE.DELIVERY_MODE_MASK;
    if ((this.params.droppedDeliveryModes & (1 << mode)) !== 0) {
      this.messagesDropped++;
      return;
    }
    // One reused message object: the APIC bus reads it synchronously and never keeps it, so the
    // hot path allocates nothing (a fresh object per delivery cost ~15 ns in bench/lapic.ts).
    const msg = this.message;
    msg.vector = low & RTE.VECTOR_MASK;
    msg.deliveryMode = mode;
    msg.logical = (low & RTE.DEST_MODE_LOGICAL) !== 0;
    msg.destination = this.rteHigh[pin]! >>> RTE.DEST_SHIFT;
    msg.levelTriggered = (low & RTE.TRIGGER_LEVEL) !== 0;
    this.messagesSent++;
    if (pin === this.irq0Pin && mode === ApicDeliveryMode.LowestPriority && this.irq0Routing !== null && this.irq0Routing.pitChannel0Active()) {
      // Xen IRQ0_SPECIAL_ROUTING: "force round-robin to pick vCPU 0" if it is in the destination.
      if (this.irq0Routing.deliverToVcpu0(msg)) return;
    }
    this.apicBus.deliverApicMessage(msg);
  }

  /**
   * EdgeRouteSource: what an edge on input `input` does now, for the fabric's route of its GSI
   * (src/irq/edge-route.ts). Precomputed only where setInput's outcome is the entry alone: an
   * edge entry, masked (Quiet) or fixed-mode and not dropped (Fixed: the router's targets for the
   * destination); anything else (level with Remote-IRR, lowest priority, the other modes) General.
   */
  fillEdgeRoute(input: number, route: EdgeRoute): void {
    const pin = input === 0 && this.params.input0IsPin2 ? 2 : input;
    route.kind = EdgeRouteKind.General;
    if (!(pin >= 0 && pin < this.params.pins)) return;
    const low = this.rteLow[pin]!;
    if ((low & RTE.TRIGGER_LEVEL) !== 0) return;
    route.inputs = this.inputs;
    route.pin = pin;
    route.counter = this;
    if ((low & RTE.MASK) !== 0) {
      route.kind = EdgeRouteKind.Quiet;
      return;
    }
    const mode = (low >>> RTE.DELIVERY_MODE_SHIFT) & RTE.DELIVERY_MODE_MASK;
    if (mode !== ApicDeliveryMode.Fixed || (this.params.droppedDeliveryModes & 1) !== 0 || this.apicBus.fixedTargets === undefined) return;
    route.vector = low & RTE.VECTOR_MASK;
    route.targets = this.apicBus.fixedTargets(this.rteHigh[pin]! >>> RTE.DEST_SHIFT, (low & RTE.DEST_MODE_LOGICAL) !== 0);
    route.kind = EdgeRouteKind.Fixed;
  }

  // ---- Inspection ----------------------------------------------------------------------------

  /** The vector of GSI `gsi`'s redirection entry, or −1 when `gsi` is not one of this IO-APIC's pins. */
  vectorOfGsi(gsi: number): number {
    const pin = gsi - this.params.gsiBase;
    return pin >= 0 && pin < this.params.pins ? this.rteLow[pin]! & RTE.VECTOR_MASK : -1;
  }

  /** The 64-bit redirection entry of `pin`. */
  redirectionEntry(pin: number): bigint {
    this.checkPin(pin);
    return (BigInt(this.rteHigh[pin]!) << 32n) | BigInt(this.rteLow[pin]!);
  }

  /**
   * Whether pin `pin`'s Remote-IRR bit is set (a level interrupt accepted and not yet EOIed).
   * @throws RangeError if `pin` is not an integer in 0..pins − 1.
   */
  remoteIrr(pin: number): boolean {
    this.checkPin(pin);
    return (this.rteLow[pin]! & RTE.REMOTE_IRR) !== 0;
  }

  /**
   * Whether input pin `pin` is asserted, as the interrupt fabric last drove it.
   * @throws RangeError if `pin` is not an integer in 0..pins − 1.
   */
  inputLevel(pin: number): boolean {
    this.checkPin(pin);
    return this.inputs[pin] !== 0;
  }

  get ioapicId(): number {
    return this.apicId;
  }

  private checkPin(pin: number): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= this.params.pins) {
      throw new RangeError(`${this.id}: pin ${pin} does not exist (0–${this.params.pins - 1})`);
    }
  }

  // ---- Device contract -----------------------------------------------------------------------

  reset(): void {
    this.rteLow.fill(RTE_RESET_LOW);
    this.rteHigh.fill(0);
    this.recountVectors();
    this.inputs.fill(0);
    this.ioregsel = 0;
    this.apicId = this.params.apicId;
    this.fabric.invalidateRoutes();
  }

  readonly stateDescription = IOAPIC_STATE;

  snapshot(): PlainData {
    return IOAPIC_STATE.snapshot(this);
  }

  /** @internal For IOAPIC_STATE: the redirection table as u32 halves, low then high per entry (IOREGSEL 0x10 + 2 × pin order). */
  get redirection(): number[] {
    const pins = this.params.pins;
    const out = new Array<number>(2 * pins);
    for (let pin = 0; pin < pins; pin++) {
      out[2 * pin] = this.rteLow[pin]!;
      out[2 * pin + 1] = this.rteHigh[pin]!;
    }
    return out;
  }

  checkState(state: unknown): void {
    const s = IOAPIC_STATE.check(state, this.id, this.params);
    for (let pin = 0; pin < this.params.pins; pin++) {
      const lo = s.redirection[2 * pin]!;
      let why: string | null = null;
      if ((lo & RTE.DELIVERY_STATUS) !== 0) why = 'delivery status is always 0 here';
      else if ((lo & RTE.REMOTE_IRR) !== 0 && (lo & RTE.TRIGGER_LEVEL) === 0) why = 'Remote-IRR set on an edge entry is not reachable';
      else if ((lo & (RTE.TRIGGER_LEVEL | RTE.MASK | RTE.REMOTE_IRR)) === RTE.TRIGGER_LEVEL && s.inputs[pin] === 1) {
        why = 'an unmasked level entry with its input asserted always has Remote-IRR set';
      }
      if (why !== null) throw new SnapshotError(`${this.id}.redirection[${2 * pin}]: ${why} (entry ${pin}, low half)`);
    }
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted (IOREGSEL, ID, redirection table, input
   * levels) as a whole and never throws. Sends no message: a pending level interrupt stays as Remote-IRR says.
   */
  applyState(state: unknown): void {
    const s = state as typeof IOAPIC_STATE.json;
    IOAPIC_STATE.apply(this, s); // ioregsel, inputs
    this.apicId = s.id;
    const r = s.redirection;
    for (let pin = 0; pin < this.params.pins; pin++) {
      this.rteLow[pin] = r[2 * pin]!;
      this.rteHigh[pin] = r[2 * pin + 1]!;
    }
    this.recountVectors();
    this.fabric.invalidateRoutes();
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }
}

/** The IO-APIC's state: IOREGSEL, its ID, the redirection table (82093AA §3.2.4) and its input pins. */
export const IOAPIC_STATE = new StateDescription('82093aa', 1, {
  ioregsel: int(0, (p: IoapicParams) => 2 ** p.ioregselBits - 1),
  id: int(0, IOAPIC_ID_MASK).computed((io: Ioapic) => io.ioapicId),
  redirection: u64s((p: IoapicParams) => p.pins).manual(),
  inputs: ints((p: IoapicParams) => p.pins, 0, 1),
});

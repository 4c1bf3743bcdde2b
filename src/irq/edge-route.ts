// One precomputed route per GSI (issue 14, seventh pass): what a change of the GSI's level does at
// its IO-APIC pin, resolved once, so that a timer's edge on an edge-triggered, fixed-mode entry is
// a few loads and the IRR set of the LAPIC(s) the entry names, not the IO-APIC's message, the
// router's destination lookup and the LAPIC's delivery-mode switch. Every source line on the GSI
// (the PIT's IRQ0 and the HPET's legacy IRQ0 on GSI 2, an HPET comparator's route) takes it.
//
// A route is valid while its epoch equals the fabric's; whatever may change what an edge does
// bumps the fabric's epoch: a redirection entry written, an IO-APIC reset or restore, an APIC
// ID, LDR, DFR or mode change (the router), a LAPIC INIT, reset or restore (they report a routing
// change), an IO-APIC attached. A LAPIC's software/hardware enable is read at each delivery
// (FixedEdgeTarget), so it needs no epoch. Where a route cannot be precomputed (a level-triggered
// entry with its Remote-IRR, lowest priority, NMI/SMI/INIT/ExtINT, a mode the profile drops) the
// route says so and the edge takes the IO-APIC's own path. The 8259's input is not part of a
// route: the fabric drives it as before.

/** The end of a route: a LAPIC taking a fixed-mode, edge-triggered vector from an IO-APIC message. */
export interface FixedEdgeTarget {
  /** What the LAPIC does with a fixed, edge, assert message for `vector` (Xen vlapic_accept_irq). */
  acceptFixedEdge(vector: number): void;
}

/** Who resolves a fixed-mode message's destination once for a route (the APIC router). */
export interface FixedDestinations {
  /**
   * The targets an IO-APIC or MSI message (8-bit destination, no shorthand) with this destination
   * reaches, in delivery order; the array is kept only until the fabric's route epoch moves.
   */
  fixedTargets(destination: number, logical: boolean): readonly FixedEdgeTarget[];
}

/** Route kinds: what a rising edge does once the pin's input is set. */
export const enum EdgeRouteKind {
  /** Not built for the current epoch. */
  Stale = 0,
  /** Edge, unmasked, fixed: every target takes `vector`. */
  Fixed = 1,
  /** Edge and masked: the input follows, nothing is sent ("not delivered or held pending"). */
  Quiet = 2,
  /** Anything else: the controller's own setInput. */
  General = 3,
}

/** One GSI's route (see the file header); filled by the GSI's controller (EdgeRouteSource). */
export class EdgeRoute {
  /** The fabric's epoch the route was built in. */
  epoch = -1;
  /** What an edge does (EdgeRouteKind). */
  kind: EdgeRouteKind = EdgeRouteKind.Stale;
  /** The controller's input levels (its own array, which the route writes). */
  inputs: Uint8Array = EMPTY_INPUTS;
  /** The controller's pin this GSI drives (an index into `inputs`). */
  pin = 0;
  /** The vector a Fixed route sets. */
  vector = 0;
  /** The LAPICs a Fixed route reaches, in delivery order (the router's list for the destination). */
  targets: readonly FixedEdgeTarget[] = NO_TARGETS;
  /** Counts the messages the controller sent (its `messagesSent`). */
  counter: { messagesSent: number } = NO_COUNTER;
}

const EMPTY_INPUTS = new Uint8Array(1);
const NO_TARGETS: readonly FixedEdgeTarget[] = []; // not frozen: see DestinationIndex
const NO_COUNTER = { messagesSent: 0 };

/** A controller that can precompute what an edge on one of its inputs does (the IO-APIC). */
export interface EdgeRouteSource {
  /** Fills `route` for input `input` as things are now (kind General when it cannot be precomputed). */
  fillEdgeRoute(input: number, route: EdgeRoute): void;
}

/**
 * Takes a level change of the route's GSI through the route: the input follows `level`; a rising
 * edge on a Fixed route sets `vector` in each target's IRR, as the IO-APIC's message would.
 * Returns false for a General route (the caller runs the controller's setInput).
 */
export function takeEdge(route: EdgeRoute, level: boolean): boolean {
  const kind = route.kind;
  if (kind === EdgeRouteKind.General) return false;
  const inputs = route.inputs;
  const pin = route.pin;
  if (!level) {
    inputs[pin] = 0;
    return true;
  }
  const was = inputs[pin];
  inputs[pin] = 1;
  if (was !== 0 || kind === EdgeRouteKind.Quiet) return true;
  route.counter.messagesSent++;
  const targets = route.targets;
  const vector = route.vector;
  for (let i = 0; i < targets.length; i++) targets[i]!.acceptFixedEdge(vector);
  return true;
}

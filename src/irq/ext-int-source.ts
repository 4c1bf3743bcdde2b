// The interrupt-acknowledge contract between the 8259 PIC and a CPU's local APIC (or a CPU without
// one). The master 8259's INT output reaches the CPU on the point-to-point line PIC_INT_LINE (LAPIC
// LINT0 in ExtINT mode); the CPU then runs the INTA cycle, asking the PIC for the vector (SDM
// §11.5.1: "the processor ... expects the vector from an external controller"). The PIC pair
// implements ExtIntSource; the LAPICs call it; the platform connects the two.

/** The fabric's named line from the master 8259's INT output to LINT0 (InterruptFabric.namedLine). */
export const PIC_INT_LINE = 'pic.int';

/** The 8259 side of the INTA cycle (SDM Vol. 3A §11.5.1 ExtINT delivery): implemented by the PIC pair. */
export interface ExtIntSource {
  /**
   * One INTA sequence: returns the vector (0–255) and moves the request from IRR to ISR. With no
   * request pending the 8259A answers its spurious IR7 vector without setting ISR (IR15 on the
   * slave when the master saw the cascade request but the slave has none).
   */
  acknowledgeExtInt(): number;
}

/** For platforms without a PIC (PVH): nothing ever asserts ExtINT, so this is never asked. */
export const NO_EXT_INT_SOURCE: ExtIntSource = Object.freeze({ acknowledgeExtInt: () => 0xff });

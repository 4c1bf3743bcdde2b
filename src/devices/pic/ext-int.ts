// The CPU side of the PIC: what a LAPIC (LINT0 programmed ExtINT) or a CPU without an APIC calls
// on the interrupt-acknowledge cycle. The LAPIC engineer defines the same shape in src/devices/lapic.

export interface ExtIntSource {
  /**
   * One INTA sequence: returns the vector (0–255) and moves the request from IRR to ISR. With no
   * request pending the 8259A answers its spurious IR7 vector without setting ISR (IR15 on the
   * slave when the master saw the cascade request but the slave has none).
   */
  acknowledgeExtInt(): number;
}

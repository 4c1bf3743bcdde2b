// The LAPIC's 256-bit vector maps (IRR, ISR, TMR: eight 32-bit words each in the register page) and
// the priority rules over them (SDM Vol. 3A §11.8.3). Plain functions on the register page, so the
// hot INTA/EOI paths allocate nothing.
import { Reg } from './registers.js';

/** Index of the highest set vector of the map at `base` (Reg.Isr0, Reg.Tmr0 or Reg.Irr0), or −1. */
export function highestVector(regs: Uint32Array, base: number): number {
  for (let w = 7; w >= 0; w--) {
    const bits = regs[base + w]!;
    if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
  }
  return -1;
}

export function testVector(regs: Uint32Array, base: number, v: number): boolean {
  return (regs[base + (v >>> 5)]! & (1 << (v & 31))) !== 0;
}

export function setVector(regs: Uint32Array, base: number, v: number): void {
  regs[base + (v >>> 5)] = (regs[base + (v >>> 5)]! | (1 << (v & 31))) >>> 0;
}

export function clearVector(regs: Uint32Array, base: number, v: number): void {
  regs[base + (v >>> 5)] = (regs[base + (v >>> 5)]! & ~(1 << (v & 31))) >>> 0;
}

/** Processor priority (SDM §11.8.3.1): TPR, or the class of the highest in-service vector if higher. */
export function processorPriority(regs: Uint32Array): number {
  const tpr = regs[Reg.Tpr]!;
  const isr = highestVector(regs, Reg.Isr0);
  const isrv = isr < 0 ? 0 : isr;
  return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
}

/** The highest requested vector whose priority class is above the PPR's (SDM §11.8.3), or −1. */
export function deliverableVector(regs: Uint32Array): number {
  const irr = highestVector(regs, Reg.Irr0);
  return irr >= 0 && (irr & 0xf0) > (processorPriority(regs) & 0xf0) ? irr : -1;
}

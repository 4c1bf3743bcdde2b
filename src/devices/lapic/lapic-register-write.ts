// Guest writes of LAPIC registers (Xen's vlapic_reg_write; SDM Vol. 3A §11.4–11.6): the masks each
// register keeps and the side effects of a write (EOI, ESR publication, IPI send, LVT masking,
// timer re-planning). Reads are simpler and stay in Lapic.readRegister.
import type { Lapic } from './lapic.js';
import { writeLvtTimer, writeTimerDivide, writeTimerInitial } from './lapic-timer-control.js';
import {
  DELIVERY_STATUS,
  DFR_RESERVED_ONES,
  LDR_XAPIC_MASK,
  LVT_MASKED,
  LVT_REGS,
  LVT_WRITE_MASK,
  Reg,
  SVR_APIC_ENABLED,
  SVR_WRITE_MASK,
} from './registers.js';

/** A guest write of register `index`; read-only and reserved registers ignore it. */
export function lapicWriteRegister(l: Lapic, index: number, val: number): void {
  const r = l.regs;
  switch (index) {
    case Reg.Id:
      r[Reg.Id] = val;
      l.routingChanged();
      return;
    case Reg.Tpr:
      r[Reg.Tpr] = val & 0xff;
      return;
    case Reg.Eoi:
      l.eoi();
      return;
    case Reg.Ldr:
      r[Reg.Ldr] = (val & LDR_XAPIC_MASK) >>> 0;
      l.routingChanged();
      return;
    case Reg.Dfr:
      r[Reg.Dfr] = (val | DFR_RESERVED_ONES) >>> 0;
      l.routingChanged();
      return;
    case Reg.Svr:
      r[Reg.Svr] = val & SVR_WRITE_MASK;
      // Software disable masks every LVT (SDM §11.4.7.2); re-enabling leaves them masked.
      if ((val & SVR_APIC_ENABLED) === 0) {
        for (const lvt of LVT_REGS) r[lvt] = (r[lvt]! | LVT_MASKED) >>> 0;
        l.picAcceptanceChanged();
      }
      return;
    case Reg.Esr:
      // SDM §11.5.3: a write publishes the errors detected since the previous write.
      r[Reg.Esr] = l.params.esrLatch ? l.pendingEsr : 0;
      l.pendingEsr = 0;
      return;
    case Reg.IcrLow:
      r[Reg.IcrLow] = (val & ~DELIVERY_STATUS) >>> 0; // the send completes at once
      l.sendIpi(r[Reg.IcrLow]!, r[Reg.IcrHigh]!);
      return;
    case Reg.IcrHigh:
      r[Reg.IcrHigh] = (val & LDR_XAPIC_MASK) >>> 0;
      return;
    case Reg.LvtTimer:
      writeLvtTimer(l, val);
      return;
    case Reg.LvtThermal:
    case Reg.LvtPerfmon:
    case Reg.LvtLint0:
    case Reg.LvtLint1:
    case Reg.LvtError:
      storeLvt(l, index, val);
      return;
    case Reg.TimerInitial:
      writeTimerInitial(l, val);
      return;
    case Reg.TimerDivide:
      writeTimerDivide(l, val);
      return;
    default:
      return;
  }
}

/** An LVT write within its mask (masked while the APIC is software-disabled). */
export function storeLvt(l: Lapic, index: number, val: number): void {
  if ((l.regs[Reg.Svr]! & SVR_APIC_ENABLED) === 0) val |= LVT_MASKED;
  let mask = LVT_WRITE_MASK[index]!;
  if (index === Reg.LvtTimer && !l.params.tscDeadline) mask &= ~0x40000; // modes 2 and 3 do not exist
  l.regs[index] = (val & mask) >>> 0;
  if (index === Reg.LvtLint0) l.picAcceptanceChanged();
}

// National Semiconductor PC16550D / 16550A UART, as a PC's COM1 (0x3F8, ISA IRQ 4).
//
// Registers (16550D datasheet, Table II), by offset and LCR.DLAB:
//   0  RBR (read) / THR (write); DLL when DLAB=1      4  MCR
//   1  IER; DLM when DLAB=1                           5  LSR
//   2  IIR (read) / FCR (write)                       6  MSR
//   3  LCR                                            7  SCR
// Interrupt priority (datasheet, Table IV): receiver line status (IIR 0x6) > received data available
// (0x4) = character timeout (0xC, FIFO mode) > THR empty (0x2) > modem status (0x0).
//
// The line is virtual: a byte written to THR leaves at once (THRE and TEMT stay 1), and host input
// waits in a host-side queue until the receiver has room, as a terminal's flow control would. The
// only timed event is the FIFO character timeout: 4 character times at the programmed rate
// (datasheet: "no characters have been removed from or input to the RCVR FIFO during the last 4
// character times").
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { IrqLine } from '../../irq/line.js';
import type { Timer, TimerCallback } from '../../time/clock.js';

export const COM1_PORT = 0x3f8;
export const COM1_IRQ = 4;
export const UART_BASE_CLOCK_HZ = 1_843_200;
const FIFO_SIZE = 16;
/** Host input kept while the guest does not read (beyond it, input is dropped and counted). */
export const UART_HOST_QUEUE_LIMIT = 1 << 16;

export const UART_REG = { RBR_THR_DLL: 0, IER_DLM: 1, IIR_FCR: 2, LCR: 3, MCR: 4, LSR: 5, MSR: 6, SCR: 7 } as const;
export const IER = { RDA: 0x01, THRE: 0x02, RLS: 0x04, MS: 0x08 } as const;
export const IIR = { NO_INT: 0x01, RLS: 0x06, RDA: 0x04, TIMEOUT: 0x0c, THRE: 0x02, MS: 0x00, FIFO_ENABLED: 0xc0 } as const;
export const FCR = { ENABLE: 0x01, CLEAR_RX: 0x02, CLEAR_TX: 0x04, DMA_MODE: 0x08, TRIGGER_SHIFT: 6 } as const;
export const LCR = { WORD_LENGTH: 0x03, STOP_BITS: 0x04, PARITY: 0x08, BREAK: 0x40, DLAB: 0x80 } as const;
export const MCR = { DTR: 0x01, RTS: 0x02, OUT1: 0x04, OUT2: 0x08, LOOP: 0x10, WRITABLE: 0x1f } as const;
export const LSR = { DR: 0x01, OE: 0x02, PE: 0x04, FE: 0x08, BI: 0x10, THRE: 0x20, TEMT: 0x40, RX_FIFO_ERROR: 0x80 } as const;
export const MSR = { DCTS: 0x01, DDSR: 0x02, TERI: 0x04, DDCD: 0x08, CTS: 0x10, DSR: 0x20, RI: 0x40, DCD: 0x80 } as const;
/** RX FIFO trigger levels selected by FCR bits 7:6. */
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;

/** What the UART needs from the platform clock: the time and one timer. */
export interface UartClock {
  readonly now: number;
  createTimer(name: string, callback: TimerCallback): Timer;
}

export interface UartOptions {
  /** Instance id (bus owner name), default "uart0". */
  readonly id?: string;
  /** Receives every byte the guest transmits (not in loopback). */
  readonly output: (bytes: Uint8Array) => void;
  /**
   * The IBM PC serial adapter drives IRQ only while MCR.OUT2 is 1 (the OUT2 pin enables the
   * interrupt buffer); guests (Linux's 8250 driver) set OUT2 to get interrupts. false: the UART's
   * INTR pin is the line (QEMU's serial.c does not gate).
   */
  readonly out2GatesIrq?: boolean;
}

export class Uart16550A implements IoHandler {
  readonly id: string;
  readonly kind = '16550a';
  private readonly output: (bytes: Uint8Array) => void;
  private readonly out2GatesIrq: boolean;
  private readonly timeout: Timer;

  private divisor = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private lsr = LSR.THRE | LSR.TEMT;
  /** Modem status inputs (CTS/DSR/RI/DCD) seen from outside loopback, and the delta bits. */
  private msrInputs = MSR.CTS | MSR.DSR | MSR.DCD;
  private msrDelta = 0;
  private scr = 0;
  private fifoEnabled = false;
  private fcrTrigger = 1;
  /** THRE interrupt latch: set when THR empties, cleared by an IIR read showing it or a THR write. */
  private thrInterrupt = false;
  private timeoutPending = false;
  /** Receive FIFO (also the 1-byte RBR in 16450 mode): ring of bytes. */
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  /** Host input not yet in the receiver. */
  private hostQueue = new Uint8Array(256);
  private hostHead = 0;
  private hostCount = 0;
  /** Bytes of host input dropped because the host queue was full. */
  droppedInput = 0;
  /** Bytes the guest transmitted (loopback included). */
  transmitted = 0;

  constructor(
    private readonly irq: IrqLine,
    clock: UartClock,
    opts: UartOptions,
  ) {
    this.id = opts.id ?? 'uart0';
    this.output = opts.output;
    this.out2GatesIrq = opts.out2GatesIrq ?? true;
    this.timeout = clock.createTimer(`${this.id}.timeout`, () => this.onTimeout());
  }

  // --- guest accesses ------------------------------------------------------------------------

  read(offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    switch (offset) {
      case UART_REG.RBR_THR_DLL:
        return (this.lcr & LCR.DLAB) !== 0 ? this.divisor & 0xff : this.readRbr();
      case UART_REG.IER_DLM:
        return (this.lcr & LCR.DLAB) !== 0 ? this.divisor >>> 8 : this.ier;
      case UART_REG.IIR_FCR:
        return this.readIir();
      case UART_REG.LCR:
        return this.lcr;
      case UART_REG.MCR:
        return this.mcr;
      case UART_REG.LSR:
        return this.readLsr();
      case UART_REG.MSR:
        return this.readMsr();
      default:
        return this.scr;
    }
  }

  write(offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    const v = value & 0xff;
    switch (offset) {
      case UART_REG.RBR_THR_DLL:
        if ((this.lcr & LCR.DLAB) !== 0) this.divisor = (this.divisor & 0xff00) | v;
        else this.writeThr(v);
        break;
      case UART_REG.IER_DLM:
        if ((this.lcr & LCR.DLAB) !== 0) {
          this.divisor = (this.divisor & 0xff) | (v << 8);
        } else {
          const before = this.ier;
          this.ier = v & 0x0f;
          // Enabling ETBEI while THR is empty raises a THRE interrupt (datasheet §8.6; Linux's
          // UART_BUG_THRE probe relies on it).
          if ((before & IER.THRE) === 0 && (this.ier & IER.THRE) !== 0 && (this.lsr & LSR.THRE) !== 0) {
            this.thrInterrupt = true;
          }
        }
        break;
      case UART_REG.IIR_FCR:
        this.writeFcr(v);
        break;
      case UART_REG.LCR:
        this.lcr = v;
        break;
      case UART_REG.MCR:
        this.writeMcr(v & MCR.WRITABLE);
        break;
      case UART_REG.LSR:
      case UART_REG.MSR:
        break; // the datasheet calls writes to LSR/MSR "factory test": ignored here
      default:
        this.scr = v;
    }
    this.updateIrq();
  }

  private readRbr(): number {
    if (this.rxCount === 0) return 0;
    const v = this.rx[this.rxHead]!;
    this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
    this.rxCount--;
    this.timeoutPending = false;
    this.pullHostInput();
    this.afterRxChange();
    this.updateIrq();
    return v;
  }

  private readIir(): number {
    const id = this.pendingInterrupt();
    // Reading IIR when it shows THRE clears the THRE interrupt (datasheet Table IV, reset column).
    if (id === IIR.THRE) this.thrInterrupt = false;
    const v = id | (this.fifoEnabled ? IIR.FIFO_ENABLED : 0);
    if (id === IIR.THRE) this.updateIrq();
    return v;
  }

  private readLsr(): number {
    let v = this.lsr;
    if (this.rxCount > 0) v |= LSR.DR;
    // Error bits clear on read; the line-status interrupt with them.
    this.lsr &= ~(LSR.OE | LSR.PE | LSR.FE | LSR.BI | LSR.RX_FIFO_ERROR);
    this.updateIrq();
    return v;
  }

  private readMsr(): number {
    const v = this.modemInputs() | this.msrDelta;
    this.msrDelta = 0;
    this.updateIrq();
    return v;
  }

  private writeThr(v: number): void {
    this.thrInterrupt = false;
    this.transmitted++;
    if ((this.mcr & MCR.LOOP) !== 0) {
      this.receiveByte(v);
    } else {
      this.output(Uint8Array.of(v));
    }
    // The virtual line takes the byte at once: THR and the shift register are empty again.
    this.lsr |= LSR.THRE | LSR.TEMT;
    if ((this.ier & IER.THRE) !== 0) this.thrInterrupt = true;
  }

  private writeFcr(v: number): void {
    const enable = (v & FCR.ENABLE) !== 0;
    if (enable !== this.fifoEnabled) {
      // Changing the FIFO enable bit clears both FIFOs (datasheet, FCR bit 0).
      this.clearRx();
      this.fifoEnabled = enable;
    }
    if (!enable) return; // other FCR bits need bit 0 set in the same write
    if ((v & FCR.CLEAR_RX) !== 0) this.clearRx();
    this.fcrTrigger = TRIGGER_LEVELS[v >>> FCR.TRIGGER_SHIFT]!;
    this.pullHostInput();
    this.afterRxChange();
  }

  private writeMcr(v: number): void {
    const before = this.modemInputs();
    this.mcr = v;
    const after = this.modemInputs();
    this.noteModemChange(before, after);
  }

  // --- modem status ------------------------------------------------------------------------

  /** CTS/DSR/RI/DCD: the outside inputs, or in loopback RTS/DTR/OUT1/OUT2 (datasheet, MCR bit 4). */
  private modemInputs(): number {
    if ((this.mcr & MCR.LOOP) === 0) return this.msrInputs;
    const m = this.mcr;
    return (
      ((m & MCR.RTS) !== 0 ? MSR.CTS : 0) | ((m & MCR.DTR) !== 0 ? MSR.DSR : 0) | ((m & MCR.OUT1) !== 0 ? MSR.RI : 0) | ((m & MCR.OUT2) !== 0 ? MSR.DCD : 0)
    );
  }

  private noteModemChange(before: number, after: number): void {
    const changed = before ^ after;
    if (changed & MSR.CTS) this.msrDelta |= MSR.DCTS;
    if (changed & MSR.DSR) this.msrDelta |= MSR.DDSR;
    if (changed & MSR.DCD) this.msrDelta |= MSR.DDCD;
    // TERI: RI went from active to inactive (trailing edge).
    if (before & MSR.RI && !(after & MSR.RI)) this.msrDelta |= MSR.TERI;
  }

  /** Host side: sets the modem status inputs (CTS, DSR, RI, DCD bits of MSR). */
  setModemInputs(bits: number): void {
    const before = this.modemInputs();
    this.msrInputs = bits & (MSR.CTS | MSR.DSR | MSR.RI | MSR.DCD);
    this.noteModemChange(before, this.modemInputs());
    this.updateIrq();
  }

  // --- receiver ------------------------------------------------------------------------------

  /** Host input: queued, then moved into the receiver as it has room (not while in loopback). */
  input(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      if (this.hostCount >= UART_HOST_QUEUE_LIMIT) {
        this.droppedInput += bytes.length - i;
        break;
      }
      if (this.hostCount === this.hostQueue.length) this.growHostQueue();
      this.hostQueue[(this.hostHead + this.hostCount) % this.hostQueue.length] = bytes[i]!;
      this.hostCount++;
    }
    this.pullHostInput();
    this.afterRxChange();
    this.updateIrq();
  }

  /** Bytes of host input waiting for the guest to make room. */
  get pendingInput(): number {
    return this.hostCount;
  }

  private growHostQueue(): void {
    const q = new Uint8Array(this.hostQueue.length * 2);
    for (let i = 0; i < this.hostCount; i++) q[i] = this.hostQueue[(this.hostHead + i) % this.hostQueue.length]!;
    this.hostQueue = q;
    this.hostHead = 0;
  }

  private rxCapacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  private pullHostInput(): void {
    if ((this.mcr & MCR.LOOP) !== 0) return; // in loopback the serial input is disconnected
    while (this.hostCount > 0 && this.rxCount < this.rxCapacity()) {
      const v = this.hostQueue[this.hostHead]!;
      this.hostHead = (this.hostHead + 1) % this.hostQueue.length;
      this.hostCount--;
      this.pushRx(v);
    }
  }

  /** A byte arriving from the line (loopback): overruns when the receiver is full. */
  private receiveByte(v: number): void {
    if (this.rxCount >= this.rxCapacity()) {
      // 16450 mode: the new character overwrites RBR; FIFO mode: the FIFO keeps its bytes and the
      // one in the shift register is lost. Either way OE is set.
      this.lsr |= LSR.OE;
      if (!this.fifoEnabled) this.rx[this.rxHead] = v;
    } else {
      this.pushRx(v);
    }
    this.afterRxChange();
  }

  private pushRx(v: number): void {
    this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = v;
    this.rxCount++;
    this.timeoutPending = false;
  }

  private clearRx(): void {
    this.rxHead = 0;
    this.rxCount = 0;
    this.timeoutPending = false;
  }

  /** Re-arms the character timeout after the receive FIFO changed (FIFO mode, data below trigger). */
  private afterRxChange(): void {
    if (this.fifoEnabled && this.rxCount > 0) this.timeout.armAfter(4 * this.characterTimeNs());
    else this.timeout.cancel();
  }

  private onTimeout(): void {
    if (this.fifoEnabled && this.rxCount > 0) {
      this.timeoutPending = true;
      this.updateIrq();
    }
  }

  /** One character's time on the line: start bit, data bits, parity, stop bits at the divisor's rate. */
  characterTimeNs(): number {
    const bits = 1 + 5 + (this.lcr & LCR.WORD_LENGTH) + ((this.lcr & LCR.PARITY) !== 0 ? 1 : 0) + ((this.lcr & LCR.STOP_BITS) !== 0 ? 2 : 1);
    // Divisor 0 does not divide: treat it as the slowest rate (65536).
    const divisor = this.divisor === 0 ? 0x10000 : this.divisor;
    return (bits * 16 * divisor * 1e9) / UART_BASE_CLOCK_HZ;
  }

  // --- interrupts ----------------------------------------------------------------------------

  /** The highest-priority pending interrupt's IIR identification (IIR.NO_INT when none). */
  private pendingInterrupt(): number {
    const ier = this.ier;
    if ((ier & IER.RLS) !== 0 && (this.lsr & (LSR.OE | LSR.PE | LSR.FE | LSR.BI)) !== 0) return IIR.RLS;
    if ((ier & IER.RDA) !== 0 && this.rxCount > 0) {
      if (!this.fifoEnabled || this.rxCount >= this.fcrTrigger) return IIR.RDA;
      if (this.timeoutPending) return IIR.TIMEOUT;
    }
    if ((ier & IER.THRE) !== 0 && this.thrInterrupt) return IIR.THRE;
    if ((ier & IER.MS) !== 0 && this.msrDelta !== 0) return IIR.MS;
    return IIR.NO_INT;
  }

  private updateIrq(): void {
    // In loopback the OUT2 pin is forced inactive, so a PC adapter's gate closes (datasheet, MCR bit 4).
    const gateOpen = !this.out2GatesIrq || ((this.mcr & MCR.OUT2) !== 0 && (this.mcr & MCR.LOOP) === 0);
    this.irq.set(gateOpen && this.pendingInterrupt() !== IIR.NO_INT);
  }

  /** Power-on state (datasheet, Table IV "Reset" column); host input waiting stays queued. */
  reset(): void {
    this.divisor = 0;
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.lsr = LSR.THRE | LSR.TEMT;
    this.msrDelta = 0;
    this.scr = 0;
    this.fifoEnabled = false;
    this.fcrTrigger = 1;
    this.thrInterrupt = false;
    this.clearRx();
    this.timeout.cancel();
    this.pullHostInput();
    this.updateIrq();
  }
}

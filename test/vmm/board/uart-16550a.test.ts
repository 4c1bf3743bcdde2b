// The 16550A as the datasheet describes it, driven through a real port bus, ISA line and clock.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { COM1_PORT, IER, IIR, LCR, LSR, MCR, MSR, Uart16550A, UART_HOST_QUEUE_LIMIT } from '../../../src/vmm/board/uart-16550a.js';

const RBR = COM1_PORT,
  THR = COM1_PORT,
  IER_P = COM1_PORT + 1,
  IIR_P = COM1_PORT + 2,
  FCR_P = COM1_PORT + 2;
const LCR_P = COM1_PORT + 3,
  MCR_P = COM1_PORT + 4,
  LSR_P = COM1_PORT + 5,
  MSR_P = COM1_PORT + 6,
  SCR_P = COM1_PORT + 7;

function rig(opts: { out2GatesIrq?: boolean } = {}) {
  const ports = new PortBus();
  const fabric = new InterruptFabric();
  const clock = new VirtualClock();
  const out: number[] = [];
  const uart = new Uart16550A(fabric.isaLine(4), clock, { output: (b) => out.push(...b), ...opts });
  ports.register(COM1_PORT, 8, uart, { owner: uart.id, sizes: 1 });
  const rd = (p: number) => ports.read(p, 1);
  const wr = (p: number, v: number) => ports.write(p, 1, v);
  return { ports, fabric, clock, uart, out, rd, wr, irq: () => fabric.gsiLevel(4), pic: () => fabric.picInputLevel(4) };
}

describe('16550A registers', () => {
  it('powers on as the datasheet reset column says', () => {
    const { rd } = rig();
    expect([rd(IER_P), rd(IIR_P), rd(LCR_P), rd(MCR_P), rd(LSR_P), rd(MSR_P) & 0xf0]).toEqual([0, 0x01, 0, 0, 0x60, 0xb0]);
  });

  it('transmits THR bytes to the output at once, THRE and TEMT staying set', () => {
    const { wr, rd, out } = rig();
    for (const c of 'hi\n') wr(THR, c.charCodeAt(0));
    expect(out).toEqual([0x68, 0x69, 0x0a]);
    expect(rd(LSR_P)).toBe(LSR.THRE | LSR.TEMT);
  });

  it('DLAB switches offsets 0/1 to the divisor latch; THR and IER are untouched', () => {
    const { wr, rd, out } = rig();
    wr(IER_P, 0x05);
    wr(LCR_P, LCR.DLAB | 0x03);
    wr(RBR, 0x0c); // 9600 baud
    wr(IER_P, 0x00);
    expect([rd(RBR), rd(IER_P)]).toEqual([0x0c, 0x00]);
    wr(LCR_P, 0x03);
    expect(rd(IER_P)).toBe(0x05);
    expect(out).toEqual([]);
  });

  it('IER keeps only its four defined bits; SCR is a scratch byte', () => {
    const { wr, rd } = rig();
    wr(IER_P, 0xff);
    wr(SCR_P, 0xa5);
    expect([rd(IER_P), rd(SCR_P)]).toEqual([0x0f, 0xa5]);
  });

  it('FCR bit 0 turns the FIFOs on: IIR bits 7:6 read 11', () => {
    const { wr, rd } = rig();
    wr(FCR_P, 0x01);
    expect(rd(IIR_P)).toBe(0xc1);
    wr(FCR_P, 0x00);
    expect(rd(IIR_P)).toBe(0x01);
  });
});

describe('16550A receiver', () => {
  it('16450 mode holds one byte; host input waits until the guest reads', () => {
    const { uart, rd } = rig();
    uart.input(new TextEncoder().encode('abc'));
    expect(rd(LSR_P) & LSR.DR).toBe(LSR.DR);
    expect(uart.pendingInput).toBe(2);
    expect([rd(RBR), rd(RBR), rd(RBR)]).toEqual([0x61, 0x62, 0x63]);
    expect(rd(LSR_P) & LSR.DR).toBe(0);
    expect(rd(RBR)).toBe(0);
  });

  it('FIFO mode takes 16 bytes at once, the rest stays queued', () => {
    const { uart, wr, rd } = rig();
    wr(FCR_P, 0x01);
    uart.input(Uint8Array.from({ length: 20 }, (_, i) => i + 1));
    expect(uart.pendingInput).toBe(4);
    const got: number[] = [];
    while (rd(LSR_P) & LSR.DR) got.push(rd(RBR));
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('host input beyond the queue limit is dropped and counted', () => {
    const { uart } = rig();
    uart.input(new Uint8Array(UART_HOST_QUEUE_LIMIT + 10));
    expect(uart.droppedInput).toBe(10); // the queue fills to its limit before the receiver takes a byte
  });

  it('FCR bit 1 clears the receive FIFO', () => {
    const { uart, wr, rd } = rig();
    wr(FCR_P, 0x01);
    uart.input(Uint8Array.of(1, 2, 3));
    wr(FCR_P, 0x03);
    expect(rd(LSR_P) & LSR.DR).toBe(0);
  });
});

describe('16550A interrupts (IIR priority, OUT2 gate)', () => {
  it('THRE: enabling ETBEI with THR empty interrupts; reading IIR clears it', () => {
    const { wr, rd, irq } = rig();
    wr(MCR_P, MCR.OUT2);
    wr(IER_P, IER.THRE);
    expect(irq()).toBe(true);
    expect(rd(IIR_P)).toBe(IIR.THRE);
    expect(irq()).toBe(false);
    expect(rd(IIR_P)).toBe(IIR.NO_INT);
  });

  it('THRE again after each THR write', () => {
    const { wr, rd, irq } = rig();
    wr(MCR_P, MCR.OUT2);
    wr(IER_P, IER.THRE);
    rd(IIR_P);
    wr(THR, 0x41);
    expect(irq()).toBe(true);
    expect(rd(IIR_P)).toBe(IIR.THRE);
  });

  it('received data outranks THRE; reading RBR drops it back to THRE', () => {
    const { uart, wr, rd, irq } = rig();
    wr(MCR_P, MCR.OUT2);
    wr(IER_P, IER.THRE | IER.RDA);
    uart.input(Uint8Array.of(0x5a));
    expect(rd(IIR_P)).toBe(IIR.RDA);
    expect(rd(RBR)).toBe(0x5a);
    expect(rd(IIR_P)).toBe(IIR.THRE);
    expect(irq()).toBe(false);
  });

  it('the PC adapter gates IRQ 4 with OUT2; the line reaches PIC input 4 and GSI 4', () => {
    const { uart, wr, irq, pic } = rig();
    wr(IER_P, IER.RDA);
    uart.input(Uint8Array.of(1));
    expect(irq()).toBe(false);
    wr(MCR_P, MCR.OUT2);
    expect([irq(), pic()]).toEqual([true, true]);
  });

  it('without the OUT2 gate (QEMU serial.c) the INTR pin is the line', () => {
    const { uart, wr, irq } = rig({ out2GatesIrq: false });
    wr(IER_P, IER.RDA);
    uart.input(Uint8Array.of(1));
    expect(irq()).toBe(true);
  });

  it('FIFO below the trigger level: character timeout after 4 character times', () => {
    const { uart, wr, rd, clock } = rig({ out2GatesIrq: false });
    wr(LCR_P, LCR.DLAB | 0x03);
    wr(RBR, 1); // 115200 baud, 8N1: 10 bits, 86.8 µs per character
    wr(LCR_P, 0x03);
    wr(FCR_P, 0xc1); // trigger 14
    wr(IER_P, IER.RDA);
    uart.input(Uint8Array.of(1, 2, 3));
    expect(rd(IIR_P)).toBe(0xc1);
    expect(uart.characterTimeNs()).toBeCloseTo(86_805.56, 1);
    clock.advance(347_222);
    expect(rd(IIR_P)).toBe(0xc1);
    clock.advance(1);
    expect(rd(IIR_P)).toBe(0xc0 | IIR.TIMEOUT);
    rd(RBR);
    expect(rd(IIR_P)).toBe(0xc1); // a read restarts the timeout
  });

  it('FIFO at the trigger level: received data available at once', () => {
    const { uart, wr, rd } = rig();
    wr(FCR_P, 0x41); // trigger 4
    wr(IER_P, IER.RDA);
    uart.input(Uint8Array.of(1, 2, 3));
    expect(rd(IIR_P)).toBe(0xc1);
    uart.input(Uint8Array.of(4));
    expect(rd(IIR_P)).toBe(0xc0 | IIR.RDA);
  });
});

describe('16550A loopback', () => {
  it('THR loops to RBR, not to the output; the modem outputs loop to the inputs', () => {
    const { wr, rd, out } = rig();
    wr(MCR_P, MCR.LOOP | MCR.RTS | MCR.OUT2);
    expect(rd(MSR_P) & 0xf0).toBe(MSR.CTS | MSR.DCD);
    wr(THR, 0x33);
    expect(out).toEqual([]);
    expect(rd(LSR_P)).toBe(LSR.THRE | LSR.TEMT | LSR.DR);
    expect(rd(RBR)).toBe(0x33);
  });

  it('a second byte in 16450 loopback overruns: OE set, then cleared by the LSR read', () => {
    const { wr, rd } = rig();
    wr(MCR_P, MCR.LOOP);
    wr(THR, 1);
    wr(THR, 2);
    expect(rd(LSR_P)).toBe(LSR.THRE | LSR.TEMT | LSR.DR | LSR.OE);
    expect(rd(LSR_P)).toBe(LSR.THRE | LSR.TEMT | LSR.DR);
    expect(rd(RBR)).toBe(2);
  });

  it('delta bits record modem changes and clear on the MSR read; modem-status interrupt is lowest', () => {
    const { wr, rd } = rig();
    wr(MCR_P, MCR.LOOP);
    const first = rd(MSR_P); // leaving the outside inputs (CTS, DSR, DCD) for loopback lows
    expect(first).toBe(MSR.DCTS | MSR.DDSR | MSR.DDCD);
    wr(IER_P, IER.MS);
    wr(MCR_P, MCR.LOOP | MCR.DTR);
    expect(rd(IIR_P)).toBe(IIR.MS);
    expect(rd(MSR_P)).toBe(MSR.DSR | MSR.DDSR);
    expect(rd(IIR_P)).toBe(IIR.NO_INT);
  });

  it('host input waits while in loopback', () => {
    const { uart, wr, rd } = rig();
    wr(MCR_P, MCR.LOOP);
    uart.input(Uint8Array.of(9));
    expect(rd(LSR_P) & LSR.DR).toBe(0);
    wr(MCR_P, 0);
    uart.input(new Uint8Array(0));
    expect(rd(RBR)).toBe(9);
  });
});

describe('16550A robustness', () => {
  it('every offset and value on every register never throws and keeps IIR well-formed', () => {
    const { uart, rd, wr } = rig({ out2GatesIrq: false });
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const off = rnd() & 7;
      if (rnd() & 1) wr(COM1_PORT + off, rnd() & 0xff);
      else rd(COM1_PORT + off);
      if ((rnd() & 63) === 0) uart.input(Uint8Array.of(rnd() & 0xff, rnd() & 0xff));
      seen.add(rd(IIR_P) & 0x0f);
    }
    expect([...seen].filter((v) => ![0x01, 0x06, 0x04, 0x0c, 0x02, 0x00].includes(v))).toEqual([]);
  });

  it('reset returns every register to power-on values', () => {
    const { uart, wr, rd } = rig();
    wr(FCR_P, 0x01);
    wr(LCR_P, 0x9b);
    wr(MCR_P, 0x1f);
    wr(IER_P, 0x0f);
    uart.reset();
    expect([rd(IER_P), rd(IIR_P), rd(LCR_P), rd(MCR_P), rd(LSR_P)]).toEqual([0, 0x01, 0, 0, 0x60]);
  });
});

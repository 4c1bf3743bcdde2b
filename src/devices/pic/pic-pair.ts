// The PC's 8259A pair with the PIIX ELCR (Xen hvm/vpic.c; QEMU hw/intc/i8259.c for `qemu-pc`).
// Master at ports 0x20/0x21, slave at 0xA0/0xA1 cascaded on the master's IR2, ELCR at 0x4D0/0x4D1.
// The master's INT output drives the named line "pic.int" (LAPIC LINT0 / CPU INTR); the CPU side
// acknowledges through ExtIntSource. ISA IRQ n arrives on input n (0–15) from the fabric; input 2
// is the cascade and ignores the ISA line (Xen vpic_irq_positive_edge returns for IRQ 2).
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { InterruptSink, Line } from '../../irq/line.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { PIC_INT_LINE, type ExtIntSource } from '../../irq/ext-int-source.js';
import type { IsaVectorLookup } from '../../irq/periodic-timer-source.js';
import { I8259Chip } from './i8259-chip.js';
import { validatePicParams, type PicParams } from './params.js';
import { checkPicState, PIC_PAIR_STATE } from './pic-snapshot.js';

/** I/O port of the master 8259A: 0x20 is ICW1/OCW2/OCW3 and reads IRR/ISR (or the poll byte); 0x21 is ICW2–4/OCW1 (IMR). */
export const PIC_MASTER_PORT = 0x20;
/** I/O port of the slave 8259A (0xA0; 0xA1 is its data/IMR port), cascaded on the master's IR2. */
export const PIC_SLAVE_PORT = 0xa0;
/**
 * I/O port of the edge/level control registers: 0x4D0 for the master's IRQ0–7, 0x4D1 for the slave's IRQ8–15
 * (bit set = level-triggered; PIIX3/ICH ELCR1/ELCR2).
 */
export const ELCR_PORT = 0x4d0;
/** The master input the slave's INT output drives. */
export const CASCADE_IR = 2;

/** Ports of one chip: offset 0 command/status, anything else data/IMR (as QEMU decodes it). */
class ChipPorts implements IoHandler {
  constructor(
    private readonly pair: PicPair,
    private readonly chip: 0 | 1,
  ) {}
  read(offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    return this.pair.readPort(this.chip, offset);
  }
  write(offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    this.pair.writePort(this.chip, offset, value & 0xff);
  }
}

/** ELCR ports. 'pair' layout: one handler for both bytes; 'separate': one per chip. */
class ElcrPorts implements IoHandler {
  constructor(
    private readonly chips: readonly [I8259Chip, I8259Chip],
    /** -1: the pair handler (offset selects the chip); 0/1: a single chip's byte. */
    private readonly only: -1 | 0 | 1,
  ) {}
  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    if (this.only >= 0) return this.chips[this.only as 0 | 1].readElcr();
    // Xen vpic_intercept_elcr_io: a 16-bit access at 0x4D0 covers master then slave.
    let v = 0;
    for (let i = 0; i < size && offset + i < 2; i++) v |= this.chips[offset + i]!.readElcr() << (8 * i);
    return v;
  }
  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    if (this.only >= 0) {
      this.chips[this.only as 0 | 1].writeElcr(value & 0xff);
      return;
    }
    for (let i = 0; i < size && offset + i < 2; i++) this.chips[offset + i]!.writeElcr((value >>> (8 * i)) & 0xff);
  }
}

/**
 * The PC's cascaded pair of 8259A interrupt controllers with the ELCR (Intel 8259A datasheet; Xen
 * xen/arch/x86/hvm/vpic.c, QEMU 7.2 hw/intc/i8259.c), id `params.id`. Claims ports 0x20–0x21, 0xA0–0xA1 and the
 * ELCR at 0x4D0–0x4D1; takes ISA IRQs 0–15 from the interrupt fabric (IRQ 8–15 on the slave, cascaded on the
 * master's IR2) and drives the master's INT output to the CPU as the ExtINT source. Guest accesses never throw.
 * @throws {@link PicConfigError} from the constructor for bad parameters.
 */
export class PicPair implements Device, InterruptSink, ExtIntSource, IsaVectorLookup {
  readonly id: string;
  readonly kind = 'i8259-pair';
  readonly params: PicParams;
  readonly master: I8259Chip;
  readonly slave: I8259Chip;
  private readonly chips: readonly [I8259Chip, I8259Chip];
  private readonly intLine: Line;

  constructor(ports: PortBus, fabric: InterruptFabric, params: PicParams) {
    this.params = validatePicParams(params);
    this.id = params.id;
    this.intLine = fabric.namedLine(PIC_INT_LINE);
    this.master = new I8259Chip(
      true,
      params,
      (level) => this.intLine.set(level),
      () => this.intLine.glitch(),
    );
    this.slave = new I8259Chip(
      false,
      params,
      (level) => this.master.setInput(CASCADE_IR, level),
      () => this.master.retriggerInput(CASCADE_IR),
    );
    this.chips = [this.master, this.slave];
    this.reset();
    const opts = (name: string, sizes: number) => ({
      owner: this.id,
      name,
      sizes,
      ...(params.widthPolicy !== undefined ? { widthPolicy: params.widthPolicy } : {}),
    });
    // Byte-only ports (Xen: other widths read all-ones and are ignored; QEMU splits them).
    ports.register(PIC_MASTER_PORT, 2, new ChipPorts(this, 0), opts('master 8259', 1));
    ports.register(PIC_SLAVE_PORT, 2, new ChipPorts(this, 1), opts('slave 8259', 1));
    if (params.elcrLayout === 'pair') {
      ports.register(ELCR_PORT, 2, new ElcrPorts(this.chips, -1), opts('ELCR', 1 | 2));
    } else {
      ports.register(ELCR_PORT, 1, new ElcrPorts(this.chips, 0), opts('ELCR master', 1));
      ports.register(ELCR_PORT + 1, 1, new ElcrPorts(this.chips, 1), opts('ELCR slave', 1));
    }
    fabric.attachPic(this);
  }

  // ---- Guest ports --------------------------------------------------------------------------

  /** @internal Port read of chip 0 (master) or 1 (slave) at offset 0 (status) or 1 (IMR). */
  readPort(chip: 0 | 1, offset: number): number {
    const c = this.chips[chip];
    if (c.poll) {
      c.poll = false;
      return this.pollRead(c);
    }
    return offset === 0 ? c.readCommand() : c.imr;
  }

  /** @internal */
  writePort(chip: 0 | 1, offset: number, value: number): void {
    const c = this.chips[chip];
    if (offset === 0) c.writeCommand(value);
    else c.writeData(value);
  }

  /** OCW3 poll command: the next read acknowledges the highest request (datasheet "Poll Command"). */
  private pollRead(c: I8259Chip): number {
    if (this.params.pollResult === 'datasheet') {
      const irq = c.highestPendingIrq();
      if (irq < 0) return 0;
      c.acknowledge(irq);
      return 0x80 | irq;
    }
    // Xen: vpic_intack's return value, cascading into the slave on the master.
    if (!c.intOutput) return 0xff;
    const irq = c.highestPendingIrq();
    c.acknowledge(irq);
    if (c.isMaster && irq === CASCADE_IR) {
      const s = this.slave.highestPendingIrq();
      if (s < 0) return irq;
      this.slave.acknowledge(s);
      return s + 8;
    }
    return irq;
  }

  // ---- Lines --------------------------------------------------------------------------------

  /** ISA IRQ `pin` (0–15) changes level. */
  setInput(pin: number, level: boolean): void {
    if (!(pin >= 0 && pin < 16) || pin === CASCADE_IR) return;
    if (pin < 8) this.master.setInput(pin, level);
    else this.slave.setInput(pin - 8, level);
  }

  /** ISA IRQ `pin`, high, falls and rises again at once: `setInput(pin, false)` then `setInput(pin, true)`. */
  retriggerInput(pin: number): void {
    if (!(pin >= 0 && pin < 16) || pin === CASCADE_IR) return;
    if (pin < 8) this.master.retriggerInput(pin);
    else this.slave.retriggerInput(pin - 8);
  }

  /** After a reset (InterruptFabric.settle): the ISA inputs take their lines' levels as state. */
  adoptInputs(level: (pin: number) => boolean): void {
    for (let pin = 0; pin < 16; pin++) {
      if (pin === CASCADE_IR) continue; // the slave's INT, inside the pair
      if (pin < 8) this.master.adoptInput(pin, level(pin));
      else this.slave.adoptInput(pin - 8, level(pin));
    }
  }

  /** The vector ISA IRQ `irq` arrives with through ExtINT: its 8259's ICW2 base plus its pin. */
  vectorOfIsaIrq(irq: number): number {
    return ((irq < 8 ? this.master : this.slave).irqBase + (irq & 7)) & 0xff;
  }

  /** INTA cycle (see ExtIntSource). */
  acknowledgeExtInt(): number {
    const m = this.master;
    const irq = m.intOutput ? m.highestPendingIrq() : -1;
    if (irq < 0) return (m.irqBase + 7) & 0xff; // spurious IR7: ISR untouched
    if (irq === CASCADE_IR) {
      const s = this.slave;
      const sirq = s.intOutput ? s.highestPendingIrq() : -1;
      let vector: number;
      if (sirq >= 0) {
        s.acknowledge(sirq);
        vector = s.irqBase + sirq;
      } else {
        vector = s.irqBase + 7; // spurious IR15: the master still acknowledges IR2
      }
      m.acknowledge(CASCADE_IR);
      return vector & 0xff;
    }
    m.acknowledge(irq);
    return (m.irqBase + irq) & 0xff;
  }

  /** Level of the master's INT output. */
  get intOutput(): boolean {
    return this.master.intOutput;
  }

  // ---- Device contract ----------------------------------------------------------------------

  reset(): void {
    this.master.reset();
    this.slave.reset();
    this.intLine.set(false);
  }

  readonly stateDescription = PIC_PAIR_STATE;

  snapshot(): PlainData {
    return PIC_PAIR_STATE.snapshot(this);
  }

  checkState(state: unknown): void {
    this.probes ??= [new I8259Chip(true, this.params, () => undefined), new I8259Chip(false, this.params, () => undefined)];
    checkPicState(state, this.id, [this.master, this.slave], this.probes, this.params);
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted (both chips' registers, init sequence and inputs)
   * and sets the INT line to the master's restored output. Never throws.
   */
  applyState(state: unknown): void {
    PIC_PAIR_STATE.apply(this, state as typeof PIC_PAIR_STATE.json);
    this.intLine.set(this.master.intOutput);
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }

  /** Scratch chips for checkState (made at the first check). */
  private probes: [I8259Chip, I8259Chip] | null = null;
}

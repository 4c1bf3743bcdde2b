// Snapshot of the 8259A pair: per chip the fields of Xen's hvm_hw_vpic record (xen/include/public/arch-x86/hvm/save.h)
// plus the input line levels. Restore accepts only states guest port writes can reach from reset
// (docs/robustness.md entry 18): Xen's vpic_check rules and more.
import type { PlainData } from '../../device-model/device.js';
import { SnapshotError, SnapshotReader } from '../../device-model/snapshot.js';
import { CASCADE_BIT, I8259Chip, REACHABLE_INIT_STATES } from './i8259-chip.js';
import type { PicParams } from './params.js';

export function snapshotPicChip(c: I8259Chip): PlainData {
  return {
    irr: c.irr,
    imr: c.imr,
    isr: c.isr,
    irqBase: c.irqBase,
    initState: c.initState,
    priorityAdd: c.priorityAdd,
    readselIsr: c.readselIsr,
    poll: c.poll,
    autoEoi: c.autoEoi,
    rotateOnAutoEoi: c.rotateOnAutoEoi,
    specialFullyNested: c.specialFullyNested,
    specialMask: c.specialMask,
    elcr: c.elcr,
    inputs: c.inputs,
    intOutput: c.intOutput,
  };
}

interface ChipState {
  irr: number;
  imr: number;
  isr: number;
  irqBase: number;
  initState: number;
  priorityAdd: number;
  readselIsr: boolean;
  poll: boolean;
  autoEoi: boolean;
  rotateOnAutoEoi: boolean;
  specialFullyNested: boolean;
  specialMask: boolean;
  elcr: number;
  inputs: number;
  intOutput: boolean;
}

function readChip(r: SnapshotReader, chip: I8259Chip, params: PicParams): ChipState {
  const s: ChipState = {
    irr: r.uint('irr', 8),
    imr: r.uint('imr', 8),
    isr: r.uint('isr', 8),
    irqBase: r.uint('irqBase', 8),
    initState: r.int('initState', 0, 15),
    priorityAdd: r.int('priorityAdd', 0, 7),
    readselIsr: r.bool('readselIsr'),
    poll: r.bool('poll'),
    autoEoi: r.bool('autoEoi'),
    rotateOnAutoEoi: r.bool('rotateOnAutoEoi'),
    specialFullyNested: r.bool('specialFullyNested'),
    specialMask: r.bool('specialMask'),
    elcr: r.uint('elcr', 8),
    inputs: r.uint('inputs', 8),
    intOutput: r.bool('intOutput'),
  };
  const bad = (what: string): never => {
    throw new SnapshotError(`${r.path}: ${what}`);
  };
  if ((s.irqBase & 7) !== 0) bad(`irqBase 0x${s.irqBase.toString(16)}: ICW2 keeps only bits 7:3`);
  if (!REACHABLE_INIT_STATES.includes(s.initState)) bad(`initState ${s.initState} is not a reachable ICW sequence step`);
  const hidden = chip.hiddenElcrBits();
  if ((s.elcr & ~(chip.elcrMask() | hidden)) !== 0 || (s.elcr & hidden) !== hidden) {
    bad(`elcr 0x${s.elcr.toString(16)} is outside what ELCR writes can produce`);
  }
  if (params.requestFollowsLine && (s.irr & ~s.inputs) !== 0) bad('a request bit is set for an input that is low');
  if (!params.requestFollowsLine && (s.irr & s.elcr & ~s.inputs) !== 0) bad('a level-triggered request is set for an input that is low');
  return s;
}

function apply(c: I8259Chip, s: ChipState): void {
  c.irr = s.irr;
  c.imr = s.imr;
  c.isr = s.isr;
  c.irqBase = s.irqBase;
  c.initState = s.initState;
  c.priorityAdd = s.priorityAdd;
  c.readselIsr = s.readselIsr;
  c.poll = s.poll;
  c.autoEoi = s.autoEoi;
  c.rotateOnAutoEoi = s.rotateOnAutoEoi;
  c.specialFullyNested = s.specialFullyNested;
  c.specialMask = s.specialMask;
  c.elcr = s.elcr;
  c.inputs = s.inputs;
  c.intOutput = s.intOutput;
}

/** Validates both chips, then applies them; on any error neither chip changes. */
export function restorePicChips(state: unknown, id: string, master: I8259Chip, slave: I8259Chip, params: PicParams): void {
  const r = new SnapshotReader(state, id);
  const m = readChip(r.object('master'), master, params);
  const s = readChip(r.object('slave'), slave, params);
  // The cascade: the master's IR2 input is the slave's INT output.
  if (((m.inputs & CASCADE_BIT) !== 0) !== s.intOutput) {
    throw new SnapshotError(`${id}: the master's IR2 input must equal the slave's INT output`);
  }
  // INT outputs are a function of the rest: recompute them on scratch chips and compare.
  for (const [name, st, isMaster] of [
    ['slave', s, false],
    ['master', m, true],
  ] as const) {
    const probe = new I8259Chip(isMaster, params, () => undefined);
    apply(probe, st);
    probe.intOutput = !st.intOutput;
    probe.updateOutput();
    if (probe.intOutput !== st.intOutput) {
      throw new SnapshotError(`${id}.${name}.intOutput: ${st.intOutput} does not match the registers`);
    }
  }
  apply(master, m);
  apply(slave, s);
}

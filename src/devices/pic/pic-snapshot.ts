// The state of the 8259A pair, described once (src/device-model/state-description.ts): per chip the
// fields of Xen's hvm_hw_vpic record (xen/include/public/arch-x86/hvm/save.h) plus the input line
// levels. A check accepts only states guest port writes can reach from reset (docs/robustness.md):
// Xen's vpic_check rules and more.
import { SnapshotError } from '../../device-model/snapshot.js';
import { StateDescription } from '../../device-model/state-description.js';
import { bool, int, struct, u8 } from '../../device-model/state-fields.js';
import { CASCADE_BIT, type I8259Chip, REACHABLE_INIT_STATES } from './i8259-chip.js';
import type { PicParams } from './params.js';

/** One 8259A; I8259Chip has each field as a public property of the same name. */
export const PIC_CHIP_STATE = new StateDescription('i8259a', 1, {
  irr: u8(),
  imr: u8(),
  isr: u8(),
  irqBase: u8(),
  initState: int(0, 15),
  priorityAdd: int(0, 7),
  readselIsr: bool(),
  poll: bool(),
  autoEoi: bool(),
  rotateOnAutoEoi: bool(),
  specialFullyNested: bool(),
  specialMask: bool(),
  elcr: u8(),
  inputs: u8(),
  intOutput: bool(),
});

export const PIC_PAIR_STATE = new StateDescription('i8259a pair', 1, { master: struct(PIC_CHIP_STATE), slave: struct(PIC_CHIP_STATE) });

type ChipState = typeof PIC_CHIP_STATE.json;

function checkChip(s: ChipState, path: string, chip: I8259Chip, params: PicParams): void {
  const bad = (what: string): never => {
    throw new SnapshotError(`${path}: ${what}`);
  };
  if ((s.irqBase & 7) !== 0) bad(`irqBase 0x${s.irqBase.toString(16)}: ICW2 keeps only bits 7:3`);
  if (!REACHABLE_INIT_STATES.includes(s.initState)) bad(`initState ${s.initState} is not a reachable ICW sequence step`);
  const hidden = chip.hiddenElcrBits();
  if ((s.elcr & ~(chip.elcrMask() | hidden)) !== 0 || (s.elcr & hidden) !== hidden) {
    bad(`elcr 0x${s.elcr.toString(16)} is outside what ELCR writes can produce`);
  }
  if (params.requestFollowsLine && (s.irr & ~s.inputs) !== 0) bad('a request bit is set for an input that is low');
  if (!params.requestFollowsLine && (s.irr & s.elcr & ~s.inputs) !== 0) bad('a level-triggered request is set for an input that is low');
}

/**
 * Checks both chips (changing neither). `probes` are scratch chips of the same kinds (master, slave)
 * on which the INT outputs are recomputed from the other registers and compared.
 */
export function checkPicState(
  state: unknown,
  id: string,
  chips: readonly [I8259Chip, I8259Chip],
  probes: readonly [I8259Chip, I8259Chip],
  params: PicParams,
): void {
  const st = PIC_PAIR_STATE.check(state, id, undefined);
  checkChip(st.master, `${id}.master`, chips[0], params);
  checkChip(st.slave, `${id}.slave`, chips[1], params);
  // The cascade: the master's IR2 input is the slave's INT output.
  if (((st.master.inputs & CASCADE_BIT) !== 0) !== st.slave.intOutput) {
    throw new SnapshotError(`${id}: the master's IR2 input must equal the slave's INT output`);
  }
  // INT outputs are a function of the rest.
  for (const [name, s, probe] of [
    ['slave', st.slave, probes[1]],
    ['master', st.master, probes[0]],
  ] as const) {
    PIC_CHIP_STATE.apply(probe, s);
    probe.intOutput = !s.intOutput;
    probe.updateOutput();
    if (probe.intOutput !== s.intOutput) throw new SnapshotError(`${id}.${name}.intOutput: ${s.intOutput} does not match the registers`);
  }
}

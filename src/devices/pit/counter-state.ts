// The state of one 8254 counter, described once (src/device-model/state-description.ts): the
// snapshot, the check of a snapshot and its application all come from this table. The check
// refuses every state a guest cannot reach, so no restored field is later used unchecked as an index
// or divisor (docs/robustness.md). PitCounter has each field as a public property of the same name.
import { refuseField, refuseState, StateDescription } from '../../device-model/state-description.js';
import { bool, int, u8, u16 } from '../../device-model/state-fields.js';
import { PIT_RW_WORD, UNPROGRAMMED_MODE_BITS } from './control-word.js';

/** What a counter's check is relative to: the PIT's input edges so far (K). */
export interface CounterCheckContext {
  readonly K: number;
}

/** Future edges a guest can cause: K+1 loads, reloads within one period. */
const maxTick = (c: CounterCheckContext) => c.K + 0x20000;

export const PIT_COUNTER_STATE = new StateDescription(
  'i8254 counter',
  1,
  {
    programmed: bool(),
    modeBits: int(0, 7),
    rw: int(0, 3),
    bcd: bool(),
    cr: u16(),
    crValid: bool(),
    writeLsb: u8(),
    writeMsbNext: bool(),
    readMsbNext: bool(),
    latchValue: u16(),
    latchBytes: int(0, 2),
    statusLatched: bool(),
    statusValue: u8(),
    gate: bool(),
    nullCount: bool(),
    transferTick: int(-1, maxTick),
    running: bool(),
    segStart: int(0, (c: CounterCheckContext) => c.K + 1),
    segValue: int(1, 0x10000),
    segDone: bool(),
    segPhase: int(0, 0x10000),
    idleCe: int(0, 0xffff),
    idleOut: bool(),
    paused: bool(),
    pausedDone: bool(),
    reloadPending: bool(),
    reloadTick: int(0, maxTick),
    reloadLow: bool(),
  },
  (s) => {
    if (s.programmed ? s.rw < 1 : s.rw !== 0) refuseField('rw', `${s.rw} is not an access mode of a${s.programmed ? ' programmed' : 'n unprogrammed'} counter`);
    if (s.latchBytes > (s.rw === PIT_RW_WORD ? 2 : 1)) refuseField('latchBytes', `${s.latchBytes} bytes latched with access mode ${s.rw}`);
    const M = s.bcd ? 10000 : 0x10000;
    if (s.idleCe >= M) refuseField('idleCe', `${s.idleCe} is beyond the ${s.bcd ? 'BCD' : 'binary'} range`);
    const mode = counterMode(s.modeBits);
    if (!s.programmed && s.modeBits !== UNPROGRAMMED_MODE_BITS) refuseState(`an unprogrammed counter must carry mode bits ${UNPROGRAMMED_MODE_BITS}`);
    if (s.running && s.segValue > M) refuseField('segValue', 'beyond the BCD range');
    if (s.running && s.paused) refuseState('running and paused at once');
    if (s.reloadPending && (!s.running || (mode !== 2 && mode !== 3))) refuseState('a pending reload outside a running mode 2/3 count');
    if (s.segPhase >= s.segValue && s.segPhase !== 0) refuseField('segPhase', 'beyond the period');
    if (s.writeMsbNext && s.rw !== PIT_RW_WORD) refuseState('a half-written count outside word access');
  },
);

export type CounterState = typeof PIT_COUNTER_STATE.json;

/** The mode (0–5) that mode bits select (6 and 7 alias 2 and 3). */
export function counterMode(modeBits: number): number {
  return modeBits > 5 ? modeBits - 4 : modeBits;
}

// LOCK legality (SDM Vol. 2, "LOCK"): which decoded forms may carry an F0 prefix. Shared by the
// general decoder and its fast path.
import * as In from '../insn.js';
import type { Insn } from '../insn.js';

const { MAP_0F, MAP_PRIMARY } = In;

/** LOCK is legal only on these read-modify-write forms with a memory destination (SDM Vol. 2 "LOCK"). */
export function lockLegal(d: Insn, amd: boolean): boolean {
  return lockLegalForm(d.map, d.opcode, d.hasMem, d.regRaw, d.reg, amd);
}

/** {@link lockLegal} of the form given by its fields: map, opcode, memory operand, ModRM.reg without and with REX.R. */
export function lockLegalForm(map: number, op: number, hasMem: boolean, r: number, reg: number, amd: boolean): boolean {
  if (map === MAP_0F && (op === 0x20 || op === 0x22)) return amd && reg === 0; // AMD: LOCK MOV CR0 = MOV CR8 (no CR9-15)
  if (!hasMem) return false;
  if (map === MAP_PRIMARY) {
    if (op < 0x40) return (op & 7) < 2 && (op & 0x38) !== 0x38;
    if (op >= 0x80 && op <= 0x83) return r !== 7;
    if (op === 0x86 || op === 0x87) return true;
    if (op === 0xf6 || op === 0xf7) return r === 2 || r === 3;
    if (op === 0xfe || op === 0xff) return r < 2;
    return false;
  }
  if (map === MAP_0F) {
    if (op === 0xab || op === 0xb3 || op === 0xbb || op === 0xb0 || op === 0xb1 || op === 0xc0 || op === 0xc1) return true;
    if (op === 0xba) return r >= 5;
    if (op === 0xc7) return r === 1;
  }
  return false;
}

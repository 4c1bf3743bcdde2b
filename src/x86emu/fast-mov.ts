// The fast path for the instructions a VMM's MMIO exits are made of: MOV r/m ↔ reg (88-8B) and
// MOV r/m, imm (C6/C7 /0) with a memory operand, any size, prefix, segment or addressing form.
// It does what execMovEG / execMovEI do through readRm / writeRm, with the same checks in the same
// order (effective address, linearize with its segment, canonical and alignment checks), but moves
// the value through ops.scalarAccess: one call that reaches the bus without the byte buffer, the
// adapter's page split and its chunk loop. When the callbacks decline (an access crossing a page,
// an MMIO backend with its replay cache) it goes on through ops.read / ops.write exactly as the
// general path would from that point; test/x86emu/fast-mov.test.ts compares both paths.
import * as Core from './core.js';
import type { Emu } from './core.js';
import * as Tb from './decoder/tables.js';
import * as In from './insn.js';
import * as Ops from './ops.js';

// Local copies: an imported binding read in optimized code carries a TDZ check (see decoder/decode.ts).
const { ACC_READ, ACC_WRITE } = Core;
const { H_MOV_EI } = Tb;
const { X86EMUL_DECLINED, X86EMUL_OKAY } = Ops;
const { EW_SEG, MW_REG, OW_OPSIZE } = In;

/**
 * Runs the memory form of 88/89/8A/8B or C6/C7 /0 (the caller checked: d.hasMem, and /0 for C6/C7)
 * when `e.ops.scalarAccess` exists. Returns the X86EMUL_* outcome.
 */
export function execMovFast(e: Emu, handler: number): number {
  const d = e.insn;
  // the record's fields from its packed words (insn.ts), read once: accessors inlined here would use
  // up V8's inlining budget before e.reg and e.status
  const ow = d.opWord;
  const size = (ow >>> OW_OPSIZE) & 15;
  const reg = (d.modrmWord >>> MW_REG) & 31;
  const seg = (d.memWord >>> EW_SEG) & 7;
  const v = e.scalar;
  const store = handler === H_MOV_EI || (ow & 2) === 0; // (the opcode's bit 1: 8A/8B load)
  let lo = 0;
  let hi = 0;
  if (store) {
    if (handler === H_MOV_EI) {
      lo = d.immLo;
      hi = size === 8 ? d.immHi : 0;
    } else {
      lo = e.reg(reg, size);
      hi = size === 8 ? e.regHi(reg) : 0;
    }
  }
  e.computeEa();
  // 64-bit mode, a segment without a base (ES/CS/SS/DS) and no alignment check (CPL < 3): what
  // linearize does comes down to the canonical check of the first and the last byte; linearize
  // itself runs when that fails (it raises the fault) and in every other case.
  const hi0 = e.eaHi >>> 0;
  const top = hi0 >>> 15;
  const topEnd = (e.eaLo >>> 0) + size - 1 > 0xffffffff ? ((hi0 + 1) >>> 0) >>> 15 : top;
  if (e.is64 && seg < 4 && e.cpl !== 3 && (top === 0 || top === 0x1ffff) && (topEnd === 0 || topEnd === 0x1ffff)) {
    e.linLo = e.eaLo;
    e.linHi = e.eaHi;
  } else {
    const r = e.linearize(seg, e.eaLo, e.eaHi, size, store ? ACC_WRITE : ACC_READ);
    if (r !== X86EMUL_OKAY) return r;
  }
  const ops = e.ops;
  if (store) {
    v[0] = lo;
    v[1] = hi;
    const st = ops.scalarAccess!(e.linLo, e.linHi, size, true, v, e);
    if (st !== X86EMUL_DECLINED) return e.status(st);
    e.pack(size, lo, hi);
    return e.status(ops.write(e.linLo, e.linHi, size, e.buf, e));
  }
  let st = ops.scalarAccess!(e.linLo, e.linHi, size, false, v, e);
  if (st === X86EMUL_DECLINED) {
    st = e.status(ops.read(e.linLo, e.linHi, size, e.buf, e));
    if (st !== X86EMUL_OKAY) return st;
    e.unpack(size);
    e.setReg(reg, size, e.vLo, e.vHi);
    return X86EMUL_OKAY;
  }
  st = e.status(st);
  if (st !== X86EMUL_OKAY) return st;
  e.setReg(reg, size, v[0]!, v[1]!);
  return X86EMUL_OKAY;
}

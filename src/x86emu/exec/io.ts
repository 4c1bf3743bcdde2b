// IN/OUT (imm8 and DX forms, all widths) with the protected-mode I/O permission checks
// (SDM Vol. 1 §19.5: CPL ≤ IOPL, else the TSS I/O permission bitmap; always the bitmap in v8086 mode).
import { RAX, RDX, RFLAGS_IOPL_SHIFT } from '../cpu-state.js';
import type { Emu } from '../core.js';
import { entryArg } from '../decoder/tables.js';
import { MODE_REAL, MODE_V86 } from '../modes.js';
import { X86EMUL_OKAY } from '../ops.js';

/** Port access size for an operand size (REX.W does not widen I/O beyond 32 bits). */
export function ioSize(opSize: number): 1 | 2 | 4 {
  return opSize === 1 ? 1 : opSize === 2 ? 2 : 4;
}

/** X86EMUL_OKAY when the access to [port, port+size) is allowed, else #GP(0). Checked before any side effect. */
export function ioCheck(e: Emu, port: number, size: number): number {
  if (e.mode === MODE_REAL) return X86EMUL_OKAY;
  const iopl = (e.state.rflags >>> RFLAGS_IOPL_SHIFT) & 3;
  if (e.mode !== MODE_V86 && e.cpl <= iopl) return X86EMUL_OKAY;
  const ok = e.ops.ioPermitted !== undefined && e.ops.ioPermitted(port, size, e);
  return ok ? X86EMUL_OKAY : e.gp0();
}

/** E4/E5 (imm8) and EC/ED (DX): IN. */
export function execIn(e: Emu): number {
  const d = e.insn;
  const size = ioSize(d.opSize);
  const port = entryArg(d.entry) === 1 ? e.reg(RDX, 2) : d.immLo & 0xff;
  const c = ioCheck(e, port, size);
  if (c !== X86EMUL_OKAY) return c;
  const buf = e.buf;
  buf[0] = buf[1] = buf[2] = buf[3] = 0xff;
  const r = e.status(e.ops.readIo(port, size, buf, e));
  if (r !== X86EMUL_OKAY) return r;
  e.unpack(size);
  e.setReg(RAX, size, e.vLo, 0);
  return X86EMUL_OKAY;
}

/** E6/E7 (imm8) and EE/EF (DX): OUT. */
export function execOut(e: Emu): number {
  const d = e.insn;
  const size = ioSize(d.opSize);
  const port = entryArg(d.entry) === 1 ? e.reg(RDX, 2) : d.immLo & 0xff;
  const c = ioCheck(e, port, size);
  if (c !== X86EMUL_OKAY) return c;
  return e.status(e.ops.writeIo(port, size, e.reg(RAX, size), e));
}

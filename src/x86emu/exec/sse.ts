// SSE/AVX data moves used by drivers and framebuffers: MOVUPS/MOVUPD/MOVAPS/MOVAPD, MOVDQU/MOVDQA,
// MOVNTPS/MOVNTPD/MOVNTDQ/MOVNTI, MOVD/MOVQ, MOVSS/MOVSD, and the VEX forms VMOVUPS/VMOVUPD/
// VMOVAPS/VMOVAPD/VMOVDQU/VMOVDQA/VMOVNTPS/VMOVNTPD/VMOVNTDQ (128/256).
// Gating (XSA-190): legacy SSE is #UD with CR0.EM=1 or CR4.OSFXSR=0 and #NM with CR0.TS=1; VEX is
// #UD unless CR4.OSXSAVE=1 and XCR0 enables SSE and AVX state, and #NM with CR0.TS=1. All checks
// happen before any operand access. Aligned forms raise #GP(0) on a misaligned linear address.
import { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXSAVE, XCR0_AVX, XCR0_SSE } from '../cpu-state.js';
import { ACC_READ, ACC_WRITE, type Emu } from '../core.js';
import { ENC_VEX, MAP_0F, MAP_0F38, MAP_0F3A } from '../insn.js';
import { VEC_GP, VEC_NM, VEC_UD, X86EMUL_OKAY } from '../ops.js';
import { execSseInteger, sseIntegerKind } from './sse-integer.js';

function cr0(e: Emu): number {
  return e.ops.readCr !== undefined ? e.ops.readCr(0, e) : e.state.cr0;
}
function cr4(e: Emu): number {
  return e.ops.readCr !== undefined ? e.ops.readCr(4, e) : e.state.cr4;
}

/** SSE/AVX availability checks; X86EMUL_OKAY or the fault. */
export function simdCheck(e: Emu, vex: boolean): number {
  const c0 = cr0(e);
  if (vex) {
    if (!e.features.avx || (cr4(e) & CR4_OSXSAVE) === 0 || (e.state.xcr0 & (XCR0_SSE | XCR0_AVX)) !== (XCR0_SSE | XCR0_AVX)) {
      return e.fault(VEC_UD);
    }
  } else if ((c0 & CR0_EM) !== 0 || (cr4(e) & CR4_OSFXSR) === 0 || !e.features.sse2) return e.fault(VEC_UD);
  if ((c0 & CR0_TS) !== 0) return e.fault(VEC_NM);
  return X86EMUL_OKAY;
}

/** MMX forms (legacy, no mandatory prefix, 0F 60-7F / D0-FF / 0F38 SSSE3 rows): #UD with CR0.EM, #NM with CR0.TS (XSA-190). */
function isMmxForm(e: Emu): boolean {
  const d = e.insn;
  if (d.encoding === ENC_VEX || d.pp !== 0) return false;
  const op = d.opcode;
  if (d.map === MAP_0F) return (op >= 0x60 && op <= 0x7f) || op >= 0xd0 || op === 0x2a || op === 0x2c || op === 0x2d;
  return (d.map === MAP_0F38 && op <= 0x1e) || (d.map === MAP_0F3A && op === 0x0f);
}

/**
 * A SIMD instruction this executor does not perform: the architectural gating still comes first
 * (so CR0.TS gives #NM and a disabled SSE/AVX gives #UD, as on hardware), then 'unimplemented'.
 */
function gatedUnimplemented(e: Emu, what: string): number {
  const d = e.insn;
  if (d.encoding === ENC_VEX) {
    const c = simdCheck(e, true);
    if (c !== X86EMUL_OKAY) return c;
  } else if (isMmxForm(e)) {
    const c0 = cr0(e);
    if ((c0 & CR0_EM) !== 0) return e.fault(VEC_UD);
    if ((c0 & CR0_TS) !== 0) return e.fault(VEC_NM);
  } else {
    const c = simdCheck(e, false);
    if (c !== X86EMUL_OKAY) return c;
  }
  return e.unimplemented(what);
}

/** Memory operand → linear, with the alignment rule; leaves linLo/linHi set. */
function memLinear(e: Emu, size: number, aligned: boolean, access: number): number {
  const d = e.insn;
  e.computeEa();
  const r = e.linearize(d.seg, e.eaLo, e.eaHi, size, access);
  if (r !== X86EMUL_OKAY) return r;
  if (aligned && (e.linLo & (size - 1)) !== 0) return e.fault(VEC_GP, 0);
  return X86EMUL_OKAY;
}

/** Load `size` bytes of memory into vector register `x` (zeroing above `zeroTo` bytes up to `clearTo`). */
function load(e: Emu, x: number, size: number, aligned: boolean, clearTo: number): number {
  const r = memLinear(e, size, aligned, ACC_READ);
  if (r !== X86EMUL_OKAY) return r;
  const s = e.status(e.ops.read(e.linLo, e.linHi, size, e.buf, e));
  if (s !== X86EMUL_OKAY) return s;
  const v = e.state.vec;
  const base = x * 32;
  for (let i = 0; i < size; i++) v[base + i] = e.buf[i]!;
  for (let i = size; i < clearTo; i++) v[base + i] = 0;
  return X86EMUL_OKAY;
}

function store(e: Emu, x: number, size: number, aligned: boolean): number {
  const r = memLinear(e, size, aligned, ACC_WRITE);
  if (r !== X86EMUL_OKAY) return r;
  const v = e.state.vec;
  const base = x * 32;
  for (let i = 0; i < size; i++) e.buf[i] = v[base + i]!;
  return e.status(e.ops.write(e.linLo, e.linHi, size, e.buf, e));
}

/** Register-to-register copy of `size` bytes, zeroing dst bytes [size, clearTo). */
function copyReg(e: Emu, dst: number, src: number, size: number, clearTo: number): void {
  const v = e.state.vec;
  if (dst !== src) v.copyWithin(dst * 32, src * 32, src * 32 + size);
  v.fill(0, dst * 32 + size, dst * 32 + clearTo);
}

/** Legacy-SSE and VEX moves (handler H_SSE). */
export function execSse(e: Emu): number {
  const d = e.insn;
  const vex = d.encoding === ENC_VEX;
  const op = d.opcode;
  const pp = d.pp;
  const integer = vex ? 0 : sseIntegerKind(d.map, op, pp); // SSE2/SSSE3 integer arithmetic (sse-integer.ts)
  if (integer !== 0) {
    if (d.map !== MAP_0F && !e.features.ssse3) return e.fault(VEC_UD);
    const c = simdCheck(e, false);
    return c !== X86EMUL_OKAY ? c : execSseInteger(e, integer);
  }
  if (d.map !== MAP_0F) return gatedUnimplemented(e, vex ? 'VEX instruction' : 'SSE instruction');
  // Identify the form first: MMX and unlisted forms are not emulated (after their gating).
  let size = 16,
    aligned = false,
    toMem = false,
    scalar = false,
    storeOnly = false;
  switch (op) {
    case 0x10:
    case 0x11:
      toMem = op === 0x11;
      if (pp >= 2) {
        if (vex) return gatedUnimplemented(e, 'VMOVSS/VMOVSD');
        scalar = true;
        size = pp === 2 ? 4 : 8;
      }
      break;
    case 0x28:
    case 0x29:
      if (pp > 1) return gatedUnimplemented(e, 'SSE conversion');
      toMem = op === 0x29;
      aligned = true;
      break;
    case 0x2b:
      if (pp > 1) return gatedUnimplemented(e, 'SSE4a MOVNTSS/MOVNTSD');
      toMem = true;
      aligned = true;
      storeOnly = true;
      break;
    case 0x6f:
    case 0x7f:
      if (pp === 0 || pp === 3) return gatedUnimplemented(e, 'MMX MOVQ');
      toMem = op === 0x7f;
      aligned = pp === 1;
      break;
    case 0xe7:
      if (pp !== 1) return gatedUnimplemented(e, 'MMX MOVNTQ');
      toMem = true;
      aligned = true;
      storeOnly = true;
      break;
    case 0x6e:
    case 0x7e:
    case 0xd6:
      if (vex) return gatedUnimplemented(e, 'VMOVD/VMOVQ');
      return movdq(e);
    default:
      return gatedUnimplemented(e, vex ? 'VEX instruction' : 'SSE instruction');
  }
  if (vex) {
    if (d.vexV !== 0) return e.fault(VEC_UD); // VEX.vvvv must be 1111b for these moves
    size = 16 << d.vexL;
  }
  const c = simdCheck(e, vex);
  if (c !== X86EMUL_OKAY) return c;
  if (storeOnly && !d.hasMem) return e.fault(VEC_UD);
  // VEX zeroes the destination register up to bit 255; legacy SSE leaves bits 255:128 alone.
  const vlmax = vex ? 32 : 16;
  if (toMem) {
    if (!d.hasMem) {
      if (scalar) copyReg(e, d.rm, d.reg, size, size);
      else copyReg(e, d.rm, d.reg, size, vlmax);
      return X86EMUL_OKAY;
    }
    return store(e, d.reg, size, aligned);
  }
  if (!d.hasMem) {
    if (scalar)
      copyReg(e, d.reg, d.rm, size, size); // reg-reg MOVSS/MOVSD merge the low element
    else copyReg(e, d.reg, d.rm, size, vlmax);
    return X86EMUL_OKAY;
  }
  return load(e, d.reg, size, aligned, scalar ? 16 : vlmax);
}

/** 66 0F 6E / 66 0F 7E (MOVD/MOVQ with a GPR or memory), F3 0F 7E and 66 0F D6 (MOVQ). */
function movdq(e: Emu): number {
  const d = e.insn;
  const op = d.opcode;
  const pp = d.pp;
  const gprForm = (op === 0x6e || op === 0x7e) && pp === 1;
  if (!gprForm && !((op === 0x7e && pp === 2) || (op === 0xd6 && pp === 1))) return gatedUnimplemented(e, 'MMX MOVD/MOVQ');
  const c = simdCheck(e, false);
  if (c !== X86EMUL_OKAY) return c;
  const v = e.state.vec;
  if (gprForm) {
    const size = d.rexW && e.is64 ? 8 : 4;
    if (op === 0x6e) {
      const r = e.readRm(size);
      if (r !== X86EMUL_OKAY) return r;
      const base = d.reg * 32;
      writeLe(v, base, e.vLo);
      writeLe(v, base + 4, size === 8 ? e.vHi : 0);
      v.fill(0, base + 8, base + 16);
      return X86EMUL_OKAY;
    }
    const base = d.reg * 32;
    const lo = readLe(v, base),
      hi = readLe(v, base + 4);
    if (d.hasMem) e.computeEa();
    return e.writeRm(size, lo, size === 8 ? hi : 0);
  }
  if (op === 0x7e) {
    // MOVQ xmm, xmm/m64: zero-extends to 128 bits
    if (!d.hasMem) {
      copyReg(e, d.reg, d.rm, 8, 16);
      return X86EMUL_OKAY;
    }
    return load(e, d.reg, 8, false, 16);
  }
  // 66 0F D6: MOVQ xmm/m64, xmm
  if (!d.hasMem) {
    copyReg(e, d.rm, d.reg, 8, 16);
    return X86EMUL_OKAY;
  }
  return store(e, d.reg, 8, false);
}

/** 0F C3: MOVNTI m32/m64, r32/r64 (memory only). */
export function execMovnti(e: Emu): number {
  const d = e.insn;
  if (!d.hasMem || d.opSize === 2) return e.fault(VEC_UD);
  if (!e.features.sse2) return e.fault(VEC_UD);
  const size = d.opSize === 8 ? 8 : 4;
  e.computeEa();
  return e.writeScalar(d.seg, e.eaLo, e.eaHi, size, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0);
}

function readLe(v: Uint8Array, i: number): number {
  return (v[i]! | (v[i + 1]! << 8) | (v[i + 2]! << 16) | (v[i + 3]! << 24)) >>> 0;
}
function writeLe(v: Uint8Array, i: number, x: number): void {
  v[i] = x & 0xff;
  v[i + 1] = (x >>> 8) & 0xff;
  v[i + 2] = (x >>> 16) & 0xff;
  v[i + 3] = x >>> 24;
}

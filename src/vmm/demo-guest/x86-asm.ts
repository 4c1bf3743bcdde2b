// A tiny x86 assembler for 32-bit protected mode and 64-bit mode: just the instructions the demo
// guest uses, each encoded from the Intel SDM Vol. 2 opcode tables, with labels resolved in a second
// pass. It exists so `npm start` can boot a guest the project generates itself, with no toolchain
// at run time.
//
// Operands are 32-bit in both modes (no REX.W except IRETQ): in 64-bit mode a 32-bit register write
// zero-extends, so addresses below 4 GiB held in registers work unchanged. Absolute memory operands
// use the SIB "no base, no index" form, which means [disp32] in both modes (ModRM rm = 101 alone
// would be RIP-relative in 64-bit mode); 64-bit mode sign-extends that disp32, so it reaches only the
// low 2 GiB: devices above (the LAPIC at 0xFEE00000) go through a base register.
import { HvmdevError } from '../../errors/hvmdev-error.js';

export const EAX = 0,
  ECX = 1,
  EDX = 2,
  EBX = 3,
  ESP = 4,
  EBP = 5,
  ESI = 6,
  EDI = 7;
export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
/** Segment registers as the ModRM reg field of MOV Sreg (8E /r). */
export const ES = 0,
  SS = 2,
  DS = 3,
  FS = 4,
  GS = 5;
export type Sreg = 0 | 2 | 3 | 4 | 5;

/** Condition codes (the low nibble of Jcc, 0F 80+cc). */
export const CC = { O: 0, NO: 1, B: 2, AE: 3, E: 4, NE: 5, BE: 6, A: 7, S: 8, NS: 9, L: 0xc, GE: 0xd, LE: 0xe, G: 0xf } as const;
export type Cond = (typeof CC)[keyof typeof CC];

/** An immediate or address: a number, or a label resolved at link time (plus an offset). */
export type Value = number | string | { readonly label: string; readonly add: number };

/** ALU operations as the /digit of 81 /n and the opcode of the r/m32, r32 form. */
const ALU = { add: [0, 0x01], or: [1, 0x09], and: [4, 0x21], sub: [5, 0x29], xor: [6, 0x31], cmp: [7, 0x39] } as const;
export type AluOp = keyof typeof ALU;

export class AsmError extends HvmdevError {}

interface Fixup {
  readonly at: number;
  readonly value: Value;
  readonly kind: 'abs32' | 'rel32';
}

export class X86Asm {
  private readonly code: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];
  /** Offsets where an instruction starts (for checking branch targets). */
  readonly instructionStarts: number[] = [];

  /** The mode the next instructions are encoded for. */
  bits: 32 | 64 = 32;

  constructor(readonly origin: number) {}

  /** Encodes what follows for `bits`-bit code (after the far jump that switches mode). */
  mode(bits: 32 | 64): this {
    this.bits = bits;
    return this;
  }

  /** Address of the next byte. */
  get here(): number {
    return this.origin + this.code.length;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new AsmError(`label '${name}' defined twice`);
    this.labels.set(name, this.here);
    return this;
  }

  address(name: string): number {
    const a = this.labels.get(name);
    if (a === undefined) throw new AsmError(`label '${name}' is not defined`);
    return a;
  }

  hasLabel(name: string): boolean {
    return this.labels.has(name);
  }

  // --- data ----------------------------------------------------------------------------------
  db(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b & 0xff);
    return this;
  }
  dw(v: number): this {
    return this.db(v, v >>> 8);
  }
  dd(v: Value): this {
    this.imm32(v);
    return this;
  }
  asciz(s: string): this {
    for (const b of new TextEncoder().encode(s)) this.code.push(b);
    return this.db(0);
  }
  align(n: number, fill = 0): this {
    while (this.here % n !== 0) this.code.push(fill);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.code.push(0);
    return this;
  }

  // --- moves ---------------------------------------------------------------------------------
  /** MOV r32, imm32 (B8+rd id). */
  movImm(r: Reg, v: Value): this {
    return this.op(0xb8 + r)
      .imm32(v)
      .end();
  }
  /** MOV r32, r32 (89 /r). */
  mov(dst: Reg, src: Reg): this {
    return this.op(0x89, modrm(3, src, dst)).end();
  }
  /** MOV r32, [addr] (8B /r, SIB disp32). */
  load(r: Reg, addr: Value): this {
    return this.op(0x8b, modrm(0, r, 4), ABS_SIB)
      .abs(addr)
      .end();
  }
  /** MOV [addr], r32 (89 /r, SIB disp32). */
  store(addr: Value, r: Reg): this {
    return this.op(0x89, modrm(0, r, 4), ABS_SIB)
      .abs(addr)
      .end();
  }
  /** MOV r32, [base + disp32] (8B /r, mod 10); base ≠ ESP. */
  loadAt(r: Reg, base: Reg, disp: number): this {
    return this.op(0x8b, modrm(2, r, noSib(base)))
      .imm32(disp)
      .end();
  }
  /** MOV [base + disp32], r32 (89 /r, mod 10); base ≠ ESP. */
  storeAt(base: Reg, disp: number, r: Reg): this {
    return this.op(0x89, modrm(2, r, noSib(base)))
      .imm32(disp)
      .end();
  }
  /** MOV dword [addr], imm32 (C7 /0, SIB disp32). */
  storeImm(addr: Value, v: Value): this {
    return this.op(0xc7, modrm(0, 0, 4), ABS_SIB)
      .abs(addr)
      .imm32(v)
      .end();
  }
  /** MOV dword [base + disp32], imm32 (C7 /0, mod 10). */
  storeImmAt(base: Reg, disp: number, v: Value): this {
    return this.op(0xc7, modrm(2, 0, noSib(base)))
      .imm32(disp)
      .imm32(v)
      .end();
  }
  /** MOV Sreg, r16 (8E /r). */
  movSreg(s: Sreg, r: Reg): this {
    return this.op(0x8e, modrm(3, s, r)).end();
  }

  // --- arithmetic ----------------------------------------------------------------------------
  /** op r32, imm32 (81 /n id). */
  aluImm(op: AluOp, r: Reg, v: Value): this {
    return this.op(0x81, modrm(3, ALU[op][0], r))
      .imm32(v)
      .end();
  }
  /** op r32, r32 (01/09/21/29/31/39 /r: dst = r/m, src = reg). */
  alu(op: AluOp, dst: Reg, src: Reg): this {
    return this.op(ALU[op][1], modrm(3, src, dst)).end();
  }
  /** op dword [addr], imm32 (81 /n, SIB disp32). */
  aluMemImm(op: AluOp, addr: Value, v: Value): this {
    return this.op(0x81, modrm(0, ALU[op][0], 4), ABS_SIB)
      .abs(addr)
      .imm32(v)
      .end();
  }
  /** TEST r32, r32 (85 /r). */
  test(a: Reg, b: Reg): this {
    return this.op(0x85, modrm(3, b, a)).end();
  }
  /** INC dword [addr] (FF /0, SIB disp32). */
  incMem(addr: Value): this {
    return this.op(0xff, modrm(0, 0, 4), ABS_SIB)
      .abs(addr)
      .end();
  }
  /** SHR r32, imm8 (C1 /5 ib) and SHL (C1 /4 ib). */
  shr(r: Reg, n: number): this {
    return this.op(0xc1, modrm(3, 5, r), n & 31).end();
  }
  shl(r: Reg, n: number): this {
    return this.op(0xc1, modrm(3, 4, r), n & 31).end();
  }
  /** ROL r32, imm8 (C1 /0 ib). */
  rol(r: Reg, n: number): this {
    return this.op(0xc1, modrm(3, 0, r), n & 31).end();
  }
  /** MUL r32: EDX:EAX = EAX × r (F7 /4). */
  mul(r: Reg): this {
    return this.op(0xf7, modrm(3, 4, r)).end();
  }
  /** DIV r32: EAX = EDX:EAX / r, EDX = remainder (F7 /6). */
  div(r: Reg): this {
    return this.op(0xf7, modrm(3, 6, r)).end();
  }

  // --- stack and control flow ----------------------------------------------------------------
  push(r: Reg): this {
    return this.op(0x50 + r).end();
  }
  pop(r: Reg): this {
    return this.op(0x58 + r).end();
  }
  /** PUSH imm32 (68 id). */
  pushImm(v: Value): this {
    return this.op(0x68).imm32(v).end();
  }
  /** Saves EAX, ECX, EDX, EBX, EBP, ESI, EDI (RAX… in 64-bit mode; PUSHAD does not exist there). */
  pushAll(): this {
    for (const r of SAVED) this.push(r);
    return this;
  }
  popAll(): this {
    for (const r of [...SAVED].reverse()) this.pop(r);
    return this;
  }
  /** JMP rel32 (E9 cd). */
  jmp(target: string): this {
    return this.op(0xe9).rel32(target).end();
  }
  /** Jcc rel32 (0F 80+cc cd). */
  jcc(cc: Cond, target: string): this {
    return this.op(0x0f, 0x80 + cc)
      .rel32(target)
      .end();
  }
  /** CALL rel32 (E8 cd). */
  call(target: string): this {
    return this.op(0xe8).rel32(target).end();
  }
  ret(): this {
    return this.op(0xc3).end();
  }
  /** IRET; IRETQ (REX.W CF) in 64-bit mode, whose frame has 64-bit slots. */
  iret(): this {
    return (this.bits === 64 ? this.op(0x48, 0xcf) : this.op(0xcf)).end();
  }
  /** JMP ptr16:32 (EA cd cw): reloads CS. 32-bit mode only. */
  farJmp(selector: number, target: string): this {
    this.only32('JMP ptr16:32');
    return this.op(0xea)
      .imm32(target)
      .db(selector, selector >>> 8)
      .end();
  }

  // --- system --------------------------------------------------------------------------------
  cli(): this {
    return this.op(0xfa).end();
  }
  sti(): this {
    return this.op(0xfb).end();
  }
  hlt(): this {
    return this.op(0xf4).end();
  }
  cld(): this {
    return this.op(0xfc).end();
  }
  pause(): this {
    return this.op(0xf3, 0x90).end();
  }
  /** LODSB: AL = [ESI], ESI += 1 (AC). */
  lodsb(): this {
    return this.op(0xac).end();
  }
  /** LGDT (0F 01 /2) and LIDT (0F 01 /3) from an absolute address: 6-byte (32-bit) or 10-byte (64-bit) operand. */
  lgdt(addr: Value): this {
    return this.op(0x0f, 0x01, modrm(0, 2, 4), ABS_SIB)
      .abs(addr)
      .end();
  }
  lidt(addr: Value): this {
    return this.op(0x0f, 0x01, modrm(0, 3, 4), ABS_SIB)
      .abs(addr)
      .end();
  }
  /** MOV CRn, r32 (0F 22 /r) and MOV r32, CRn (0F 20 /r); 32-bit mode (in 64-bit mode they move 64 bits). */
  movToCr(cr: 0 | 3 | 4, r: Reg): this {
    return this.op(0x0f, 0x22, modrm(3, cr, r)).end();
  }
  movFromCr(r: Reg, cr: 0 | 3 | 4): this {
    return this.op(0x0f, 0x20, modrm(3, cr, r)).end();
  }
  /** RDMSR (0F 32) / WRMSR (0F 30): EDX:EAX ↔ MSR[ECX]. */
  rdmsr(): this {
    return this.op(0x0f, 0x32).end();
  }
  wrmsr(): this {
    return this.op(0x0f, 0x30).end();
  }

  // --- port I/O ------------------------------------------------------------------------------
  /** OUT DX, AL/AX/EAX (EE, 66 EF, EF). */
  outDx(size: 1 | 2 | 4): this {
    return (size === 1 ? this.op(0xee) : size === 2 ? this.op(0x66, 0xef) : this.op(0xef)).end();
  }
  /** IN AL/AX/EAX, DX (EC, 66 ED, ED). */
  inDx(size: 1 | 2 | 4): this {
    return (size === 1 ? this.op(0xec) : size === 2 ? this.op(0x66, 0xed) : this.op(0xed)).end();
  }
  /** OUT imm8, AL/EAX (E6 ib, E7 ib). */
  outImm(port: number, size: 1 | 4): this {
    if (port < 0 || port > 0xff) throw new AsmError(`OUT imm8 takes ports 0–0xFF, not 0x${port.toString(16)}`);
    return this.op(size === 1 ? 0xe6 : 0xe7, port).end();
  }
  /** IN AL/EAX, imm8 (E4 ib, E5 ib). */
  inImm(port: number, size: 1 | 4): this {
    if (port < 0 || port > 0xff) throw new AsmError(`IN imm8 takes ports 0–0xFF, not 0x${port.toString(16)}`);
    return this.op(size === 1 ? 0xe4 : 0xe5, port).end();
  }

  // --- linking -------------------------------------------------------------------------------
  /** Resolves every label reference; returns the bytes (origin at index 0). */
  link(): Uint8Array {
    const out = Uint8Array.from(this.code);
    const dv = new DataView(out.buffer);
    for (const f of this.fixups) {
      const target = this.resolve(f.value);
      const v = f.kind === 'abs32' ? target : target - (this.origin + f.at + 4);
      dv.setUint32(f.at, v >>> 0, true);
    }
    return out;
  }

  private resolve(v: Value): number {
    if (typeof v === 'number') return v;
    if (typeof v === 'string') return this.address(v);
    return this.address(v.label) + v.add;
  }

  private pending = -1;

  private op(...bytes: number[]): this {
    this.pending = this.code.length;
    return this.db(...bytes);
  }

  private end(): this {
    this.instructionStarts.push(this.origin + this.pending);
    return this;
  }

  /** An absolute disp32: in 64-bit mode it is sign-extended, so it must lie below 2 GiB. */
  private abs(v: Value): this {
    if (this.bits === 64 && typeof v === 'number' && v >= 0x80000000) {
      throw new AsmError(`absolute address 0x${v.toString(16)} is sign-extended in 64-bit mode: use a base register`);
    }
    return this.imm32(v);
  }

  private only32(what: string): void {
    if (this.bits !== 32) throw new AsmError(`${what} is not encodable in 64-bit mode`);
  }

  private imm32(v: Value): this {
    if (typeof v === 'number') {
      const u = v >>> 0;
      return this.db(u, u >>> 8, u >>> 16, u >>> 24);
    }
    this.fixups.push({ at: this.code.length, value: v, kind: 'abs32' });
    return this.db(0, 0, 0, 0);
  }

  private rel32(target: string): this {
    this.fixups.push({ at: this.code.length, value: target, kind: 'rel32' });
    return this.db(0, 0, 0, 0);
  }
}

/** SIB byte for [disp32]: scale 1, no index (100), no base (101). */
const ABS_SIB = 0x25;
const SAVED: readonly Reg[] = [EAX, ECX, EDX, EBX, EBP, ESI, EDI];

function modrm(mod: number, reg: number, rm: number): number {
  return (mod << 6) | (reg << 3) | rm;
}

function noSib(base: Reg): Reg {
  if (base === ESP) throw new AsmError('ESP as a base needs a SIB byte, which this assembler does not emit');
  return base;
}

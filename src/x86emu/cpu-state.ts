// Architectural CPU state in an exact, allocation-free representation: 64-bit registers as uint32
// (lo, hi) halves in typed arrays, vector registers as bytes. The same record serves the MMIO/PIO
// exit path today and a whole-CPU interpreter later (control registers, EFER, segment caches and
// XCR0 are already here, so paging and exception delivery can be added without reshaping it).

/** GPR numbers in encoding order (ModRM.reg / rm with REX extension). */
export const RAX = 0,
  RCX = 1,
  RDX = 2,
  RBX = 3,
  RSP = 4,
  RBP = 5,
  RSI = 6,
  RDI = 7;
/** GPR numbers of the REX-extended registers (REX.R/X/B = 1; 64-bit mode only). */
export const R8 = 8,
  R9 = 9,
  R10 = 10,
  R11 = 11,
  R12 = 12,
  R13 = 13,
  R14 = 14,
  R15 = 15;

/** Segment registers in encoding order (sreg field of 8C/8E, prefix mapping). */
export const SEG_ES = 0,
  SEG_CS = 1,
  SEG_SS = 2,
  SEG_DS = 3,
  SEG_FS = 4,
  SEG_GS = 5;
/** Number of architectural segment registers; every array indexed by a segment has exactly this length. */
export const SEG_COUNT = 6;

/** Segment attribute bits (VMX access-rights layout: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16). */
export const SA_TYPE_MASK = 0xf;
/** Descriptor type S: 1 = code or data segment, 0 = system segment (SDM Vol. 3A §3.4.5). */
export const SA_S = 1 << 4;
/** Shift of the 2-bit DPL field: `(attr >> SA_DPL_SHIFT) & 3`. For CS and SS the DPL is the CPL. */
export const SA_DPL_SHIFT = 5;
/** Segment present (SDM Vol. 3A §3.4.5); a load of a non-present segment faults with #NP or #SS. */
export const SA_P = 1 << 7;
/** CS.L: 64-bit code segment (with EFER.LMA; SDM Vol. 3A §5.2.1). */
export const SA_L = 1 << 13;
/** D/B: default operand and address size 32 (code), 32-bit stack pointer and upper bound (data). */
export const SA_DB = 1 << 14;
/** Granularity: limit in 4 KiB units. `SegmentRegister.limit` is already scaled, so this is informational. */
export const SA_G = 1 << 15;
/**
 * VMX's "segment unusable" bit (SDM Vol. 3C, VMCS guest-state area, access rights bit 16), set when
 * a null selector was loaded: outside 64-bit mode an access through the segment faults (#GP, #SS for SS).
 */
export const SA_UNUSABLE = 1 << 16;
/** System-descriptor type of an LDT (S=0; SDM Vol. 3A §3.5, "System-Segment and Gate-Descriptor Types"). */
export const SYS_TYPE_LDT = 2;
/** Type bits for data/code segments (with S=1). */
export const SEG_TYPE_ACCESSED = 1,
  SEG_TYPE_WRITABLE = 2,
  SEG_TYPE_EXPAND_DOWN = 4,
  SEG_TYPE_CODE = 8;

// Control register, EFER, XCR0 and RFLAGS bits the emulator reads (SDM Vol. 3A §2.5, §2.2.1; Vol. 1 §3.4.3).
/** CR0.PE: protected mode enabled. */
export const CR0_PE = 1 << 0;
/** CR0.MP: WAIT/FWAIT honour CR0.TS (#NM). */
export const CR0_MP = 1 << 1;
/** CR0.EM: x87 emulation; x87 instructions raise #NM, MMX and SSE instructions #UD (SDM Vol. 3A §2.5, Table 2-2). */
export const CR0_EM = 1 << 2;
/** CR0.TS: task switched; the first x87/SSE/AVX instruction raises #NM. */
export const CR0_TS = 1 << 3;
/** CR0.AM: alignment checking allowed (with RFLAGS.AC at CPL 3: #AC on misaligned data). */
export const CR0_AM = 1 << 18;
/** CR0.PG: paging enabled (the emulator's callbacks translate; the emulator only reads the bit). */
export const CR0_PG = 1 << 31;
/** CR4.OSFXSR: the OS supports FXSAVE/FXRSTOR; SSE instructions #UD without it. */
export const CR4_OSFXSR = 1 << 9;
/** CR4.OSXMMEXCPT: unmasked SIMD floating-point exceptions raise #XM (else #UD). */
export const CR4_OSXMMEXCPT = 1 << 10;
/** CR4.OSXSAVE: XGETBV/XSETBV and XCR0 enabled; VEX instructions #UD without it. */
export const CR4_OSXSAVE = 1 << 18;
/** EFER.LME: long mode enable (IA32_EFER bit 8). */
export const EFER_LME = 1 << 8;
/** EFER.LMA: long mode active (bit 10); with CS.L it selects 64-bit mode, without it compatibility mode. */
export const EFER_LMA = 1 << 10;
/** XCR0 state components (SDM Vol. 1 §13.3): x87, SSE (XMM) and AVX (upper YMM); VEX needs SSE and AVX set. */
export const XCR0_X87 = 1,
  XCR0_SSE = 2,
  XCR0_AVX = 4;
/** RFLAGS bit 1, reserved and always 1. */
export const RFLAGS_FIXED1 = 0x2;
/** RFLAGS.AC: alignment check (see CR0_AM). */
export const RFLAGS_AC = 1 << 18;
/** RFLAGS.VM: virtual-8086 mode (in protected mode). */
export const RFLAGS_VM = 1 << 17;
/** Shift of the 2-bit IOPL field: `(rflags >> RFLAGS_IOPL_SHIFT) & 3`; I/O at CPL > IOPL consults ioPermitted. */
export const RFLAGS_IOPL_SHIFT = 12;

/** One cached segment register (selector plus hidden part). */
export class SegmentRegister {
  /** The visible selector (16 bits: index, TI, RPL). */
  selector = 0;
  /** Base address, low 32 bits (uint32). */
  baseLo = 0;
  /** Base address, high 32 bits (non-zero only for FS/GS in 64-bit mode). */
  baseHi = 0;
  /** Byte-granular limit (already scaled by G), uint32. */
  limit = 0xffff;
  /** SA_* bits. */
  attr = SA_P | SA_S | 3 /* read/write data, accessed */;

  /**
   * Loads the whole register: `selector` (16 bits), `base` (a linear address up to 2^53, split into
   * baseLo/baseHi), `limit` (bytes, already scaled by G) and `attr` (SA_* bits). Returns this.
   */
  set(selector: number, base: number, limit: number, attr: number): this {
    this.selector = selector & 0xffff;
    this.baseLo = base >>> 0;
    this.baseHi = Math.floor(base / 0x1_0000_0000) >>> 0;
    this.limit = limit >>> 0;
    this.attr = attr >>> 0;
    return this;
  }
}

/** Full register state of one vCPU. Fields are public and mutable: the VMM fills them on an exit. */
export class CpuState {
  /** GPR i: lo at [2i], hi at [2i+1]. */
  readonly gpr = new Uint32Array(32);
  /** RIP, low 32 bits (uint32). */
  ripLo = 0;
  /** RIP, high 32 bits (uint32). */
  ripHi = 0;
  /** RFLAGS (the architectural upper 32 bits are reserved zero). */
  rflags = RFLAGS_FIXED1;
  /** ES, CS, SS, DS, FS, GS, indexed by SEG_*. */
  readonly seg: readonly SegmentRegister[] = [0, 1, 2, 3, 4, 5].map(() => new SegmentRegister());
  /** CR0 (CR0_* bits; the power-on value 0x60000010: CD, NW, ET). */
  cr0 = 0x60000010;
  /** CR2 (the last page-fault linear address), low half. */
  cr2Lo = 0;
  /** CR2, high half. */
  cr2Hi = 0;
  /** CR3 (page-table base), low half: for a translate callback; the emulator itself does not read it. */
  cr3Lo = 0;
  /** CR3, high half. */
  cr3Hi = 0;
  /** CR4 (CR4_* bits). */
  cr4 = 0;
  /** CR8, the task-priority register (0–15). */
  cr8 = 0;
  /** IA32_EFER (EFER_* bits). */
  efer = 0;
  /** XCR0 (XCR0_* bits): the state components XSETBV enabled. */
  xcr0 = XCR0_X87;
  /** GDTR base (linear), low half: LAR/LSL read descriptors through it. */
  gdtrBaseLo = 0;
  /** GDTR base, high half (64-bit mode). */
  gdtrBaseHi = 0;
  /** GDTR limit (16 bits; the power-on value is 0xFFFF). */
  gdtrLimit = 0xffff;
  /** LDTR: selector and cached base/limit/attributes (type 2, LDT); SA_UNUSABLE after a null selector was loaded. */
  readonly ldtr = new SegmentRegister().set(0, 0, 0xffff, SA_P | SYS_TYPE_LDT);
  /** YMM0..15, 32 bytes each (XMMn = the low 16 bytes). */
  readonly vec = new Uint8Array(16 * 32);
  /**
   * The mode inputs' generation, for X86Emulator.emulateMmioExit. -1 (the default): the exit entry
   * compares the mode inputs (CR0, EFER, RFLAGS.VM, the CS and SS attributes, CS base and limit)
   * field by field on every call. A VMM that sets it to 0 or more promises to add 1 whenever it
   * writes any of them (the set*Mode helpers below do); while it is unchanged the exit entry
   * compares this number instead of the seven fields.
   */
  modeGeneration = -1;

  // ---- convenience accessors (tests, tooling; not used on the hot path) ----------------------
  /** GPR `i` (RAX … R15) as an unsigned 64-bit bigint. */
  getReg(i: number): bigint {
    return (BigInt(this.gpr[2 * i + 1]!) << 32n) | BigInt(this.gpr[2 * i]!);
  }
  /** Sets GPR `i` (RAX … R15) to `v` modulo 2^64 (a negative value is taken in two's complement). Returns this. */
  setReg(i: number, v: bigint | number): this {
    const b = BigInt.asUintN(64, BigInt(v));
    this.gpr[2 * i] = Number(b & 0xffffffffn);
    this.gpr[2 * i + 1] = Number(b >> 32n);
    return this;
  }
  /** RIP as an unsigned 64-bit bigint. */
  getRip(): bigint {
    return (BigInt(this.ripHi) << 32n) | BigInt(this.ripLo);
  }
  /** Sets RIP to `v` modulo 2^64. Returns this. */
  setRip(v: bigint | number): this {
    const b = BigInt.asUintN(64, BigInt(v));
    this.ripLo = Number(b & 0xffffffffn);
    this.ripHi = Number(b >> 32n);
    return this;
  }
  /** Bytes of XMM/YMM register n (a view, 16 or 32 bytes). */
  vecView(n: number, bytes: 16 | 32 = 16): Uint8Array {
    return this.vec.subarray(n * 32, n * 32 + bytes);
  }

  /** Put the state in a flat 64-bit long mode, CPL 0, SSE/AVX enabled (test and exit-handler convenience). */
  setLongMode(cpl = 0): this {
    if (this.modeGeneration >= 0) this.modeGeneration++;
    this.cr0 = (CR0_PE | CR0_PG | CR0_MP | 0x10) >>> 0;
    this.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE | (1 << 5);
    this.efer = EFER_LME | EFER_LMA;
    this.xcr0 = XCR0_X87 | XCR0_SSE | XCR0_AVX;
    const dpl = cpl << SA_DPL_SHIFT;
    for (let i = 0; i < SEG_COUNT; i++) this.seg[i]!.set(0x10 | cpl, 0, 0xffffffff, SA_P | SA_S | 3 | SA_G | SA_DB | dpl);
    this.seg[SEG_CS]!.set(0x08 | cpl, 0, 0xffffffff, SA_P | SA_S | SEG_TYPE_CODE | 3 | SA_G | SA_L | dpl);
    this.rflags = RFLAGS_FIXED1;
    return this;
  }

  /** Flat 32-bit (or 16-bit when `bits` is 16) protected mode, paging off. */
  setProtectedMode(bits: 16 | 32 = 32, cpl = 0): this {
    if (this.modeGeneration >= 0) this.modeGeneration++;
    this.cr0 = (CR0_PE | CR0_MP | 0x10) >>> 0;
    this.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    this.efer = 0;
    this.xcr0 = XCR0_X87 | XCR0_SSE | XCR0_AVX;
    const db = bits === 32 ? SA_DB | SA_G : 0;
    const limit = bits === 32 ? 0xffffffff : 0xffff;
    const dpl = cpl << SA_DPL_SHIFT;
    for (let i = 0; i < SEG_COUNT; i++) this.seg[i]!.set(0x10 | cpl, 0, limit, SA_P | SA_S | 3 | db | dpl);
    this.seg[SEG_CS]!.set(0x08 | cpl, 0, limit, SA_P | SA_S | SEG_TYPE_CODE | 3 | db | dpl);
    this.rflags = RFLAGS_FIXED1;
    return this;
  }

  /** Real mode with all segments at selector 0 (base 0, limit 0xFFFF). */
  setRealMode(): this {
    if (this.modeGeneration >= 0) this.modeGeneration++;
    this.cr0 = 0x60000010;
    this.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
    this.efer = 0;
    this.xcr0 = XCR0_X87 | XCR0_SSE;
    for (let i = 0; i < SEG_COUNT; i++) this.seg[i]!.set(0, 0, 0xffff, SA_P | SA_S | 3);
    this.seg[SEG_CS]!.set(0, 0, 0xffff, SA_P | SA_S | SEG_TYPE_CODE | 3);
    this.rflags = RFLAGS_FIXED1;
    return this;
  }

  /** Virtual-8086 mode (protected mode with RFLAGS.VM; segments real-mode style, CPL 3). */
  setV86Mode(iopl = 0): this {
    this.setProtectedMode(32, 0);
    for (let i = 0; i < SEG_COUNT; i++) this.seg[i]!.set(0, 0, 0xffff, SA_P | SA_S | 3 | (3 << SA_DPL_SHIFT));
    this.rflags = RFLAGS_FIXED1 | RFLAGS_VM | ((iopl & 3) << RFLAGS_IOPL_SHIFT);
    return this;
  }
}

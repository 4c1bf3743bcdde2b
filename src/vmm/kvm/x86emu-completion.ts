// Completes one guest instruction the host's KVM failed to emulate (KVM_INTERNAL_ERROR_EMULATION on
// PVM, pvm-host.ts) with hvmdev's own emulator, src/x86emu: the vCPU's registers go into a CpuState,
// x86emu decodes and executes the instruction against guest memory reached through the guest's page
// tables (guest-page-walk.ts: rights checked, #PF with its error code and CR2 when a page is not
// mapped or not allowed) and against the platform's MMIO and port buses, and the result goes back:
// GPRs, RIP and RFLAGS (KVM_SET_REGS), XMM registers when an SSE move wrote one (KVM_SET_FPU), or
// the fault it raised (KVM_SET_VCPU_EVENTS). What x86emu cannot do either comes back as a reason
// naming the instruction, its bytes and RIP, and the VM stops with it.
// CMPXCHG / CMPXCHG8B on RAM are atomic against the other vCPUs (Atomics on the shared guest RAM);
// other LOCK read-modify-write forms are a read then a write, as x86emu does them.
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { PortBus } from '../../bus/port-bus.js';
import { BusEmulateOps } from '../../x86emu/bus-adapter.js';
import { CpuState, SEG_COUNT, type SegmentRegister, XCR0_AVX, XCR0_SSE, XCR0_X87 } from '../../x86emu/cpu-state.js';
import { X86Emulator } from '../../x86emu/emulator.js';
import { REFERENCE_CPU, withFeatures } from '../../x86emu/features.js';
import { currentCpl, currentMode } from '../../x86emu/modes.js';
import { type EmulateContext, VEC_PF, X86EMUL_CMPXCHG_FAILED, X86EMUL_EXCEPTION, X86EMUL_OKAY } from '../../x86emu/ops.js';
import type { Vcpu } from '../vcpu.js';
import { SEGMENT, SREGS } from './abi.js';
import { ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE, GuestPageWalker, WALK_FAULT, WALK_UNSUPPORTED } from './guest-page-walk.js';

/** kvm_regs offset / 8 of each GPR in x86 encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8…). */
const GPR_TO_KVM = [0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];
const KVM_RIP = 16 * 8,
  KVM_RFLAGS = 17 * 8;
/** struct kvm_sregs segment offsets in x86emu's order (ES, CS, SS, DS, FS, GS). */
const SEG_OFFSETS = [SREGS.es, SREGS.cs, SREGS.ss, SREGS.ds, SREGS.fs, SREGS.gs];
/** struct kvm_fpu: XMM0–15 at 152, 16 bytes each (<linux/kvm.h>, x86). */
const FPU_XMM = 152;
const FPU_BYTES = 416;
/** struct kvm_dtable: u64 base, then u16 limit. */
const DTABLE_LIMIT = 8;
const CR4_OSXSAVE = 1 << 18;
const TWO32 = 0x1_0000_0000;

/** What x86emu may execute here: the reference CPU without what the guest is not offered on this host. */
const COMPLETION_CPU = withFeatures(REFERENCE_CPU, { cx16: false });

export class X86emuCompletion {
  private readonly emu = new X86Emulator(COMPLETION_CPU);
  private readonly state = new CpuState();
  private readonly walker: GuestPageWalker;
  private readonly ops: CompletionOps;
  private readonly fpu = new Uint8Array(FPU_BYTES);
  private readonly fpuBefore = new Uint8Array(FPU_BYTES);
  private readonly bytes = new Uint8Array(16);

  constructor(ram: Uint8Array, mmio: MmioBus, ports: PortBus) {
    this.walker = new GuestPageWalker(ram);
    this.ops = new CompletionOps(mmio, ports, this.walker, ram);
  }

  /**
   * Completes the instruction at the vCPU's RIP (registers freshly read with getRegs/getSregs):
   * null when it executed or raised a fault now queued for the guest, else why not.
   */
  complete(v: Vcpu): string | null {
    const k = v.kvm;
    const st = this.state;
    this.load(k.regs, k.sregs);
    this.ops.kvmTranslate = (linear) => k.translate(linear);
    k.getFpu(this.fpu);
    this.fpuBefore.set(this.fpu);
    for (let i = 0; i < 16; i++) st.vec.set(this.fpu.subarray(FPU_XMM + 16 * i, FPU_XMM + 16 * i + 16), 32 * i);
    const mode = currentMode(st);
    const cpl = currentCpl(st, mode);
    this.walker.load(st.cr0, Number(k.sregs.getBigUint64(SREGS.cr3, true) & 0x000f_ffff_ffff_f000n), st.cr4, st.efer, cpl, st.rflags);
    const r = this.emu.emulate(st, this.ops, { vcpu: v.index });
    if (r.kind === 'executed' || r.kind === 'fault') {
      this.storeRegs(k.regs);
      k.setRegs();
      for (let i = 0; i < 16; i++) this.fpu.set(st.vec.subarray(32 * i, 32 * i + 16), FPU_XMM + 16 * i);
      if (!sameBytes(this.fpu, this.fpuBefore)) k.setFpu(this.fpu);
      if (r.kind === 'fault') {
        if (r.vector === VEC_PF) {
          k.sregs.setBigUint64(SREGS.cr2, r.cr2 ?? 0n, true);
          k.setSregs();
        }
        k.injectException(r.vector, r.errorCode);
        v.eventQueued = true;
      }
      return null;
    }
    const why = r.kind === 'unimplemented' ? `x86emu does not execute ${r.what}` : r.kind === 'unhandleable' ? r.reason : 'a device asked to retry';
    return `${why}; instruction bytes ${this.describeBytes(v)} at RIP 0x${st.getRip().toString(16)}`;
  }

  /** kvm_regs + kvm_sregs → CpuState. */
  private load(regs: DataView, sregs: DataView): void {
    const st = this.state;
    for (let i = 0; i < 16; i++) {
      const off = GPR_TO_KVM[i]! * 8;
      st.gpr[2 * i] = regs.getUint32(off, true);
      st.gpr[2 * i + 1] = regs.getUint32(off + 4, true);
    }
    st.ripLo = regs.getUint32(KVM_RIP, true);
    st.ripHi = regs.getUint32(KVM_RIP + 4, true);
    st.rflags = regs.getUint32(KVM_RFLAGS, true);
    for (let i = 0; i < SEG_COUNT; i++) loadSegment(st.seg[i]!, sregs, SEG_OFFSETS[i]!);
    // The descriptor tables, for LAR/LSL.
    loadSegment(st.ldtr, sregs, SREGS.ldt);
    st.gdtrBaseLo = sregs.getUint32(SREGS.gdt, true);
    st.gdtrBaseHi = sregs.getUint32(SREGS.gdt + 4, true);
    st.gdtrLimit = sregs.getUint16(SREGS.gdt + DTABLE_LIMIT, true);
    st.cr0 = sregs.getUint32(SREGS.cr0, true);
    st.cr2Lo = sregs.getUint32(SREGS.cr2, true);
    st.cr2Hi = sregs.getUint32(SREGS.cr2 + 4, true);
    st.cr3Lo = sregs.getUint32(SREGS.cr3, true);
    st.cr3Hi = sregs.getUint32(SREGS.cr3 + 4, true);
    st.cr4 = sregs.getUint32(SREGS.cr4, true);
    st.cr8 = sregs.getUint32(SREGS.cr8, true);
    st.efer = sregs.getUint32(SREGS.efer, true);
    // XCR0 is not in kvm_sregs; AVX state is there only when the OS turned XSAVE on.
    st.xcr0 = XCR0_X87 | XCR0_SSE | ((st.cr4 & CR4_OSXSAVE) !== 0 ? XCR0_AVX : 0);
  }

  /** CpuState's GPRs, RIP, RFLAGS → kvm_regs. */
  private storeRegs(regs: DataView): void {
    const st = this.state;
    for (let i = 0; i < 16; i++) {
      const off = GPR_TO_KVM[i]! * 8;
      regs.setUint32(off, st.gpr[2 * i]!, true);
      regs.setUint32(off + 4, st.gpr[2 * i + 1]!, true);
    }
    regs.setUint32(KVM_RIP, st.ripLo, true);
    regs.setUint32(KVM_RIP + 4, st.ripHi, true);
    regs.setUint32(KVM_RFLAGS, st.rflags, true);
    regs.setUint32(KVM_RFLAGS + 4, 0, true);
  }

  /** Up to 15 bytes at CS:RIP as hex (for the stop reason), read through the same walk. */
  private describeBytes(v: Vcpu): string {
    const st = this.state;
    const cs = st.seg[1]!;
    const is64 = currentMode(st) === 6;
    const base = is64 ? 0 : cs.baseLo + cs.baseHi * TWO32;
    const out: string[] = [];
    for (let i = 0; i < 15; i++) {
      const lin = BigInt.asUintN(64, BigInt(base) + st.getRip() + BigInt(i));
      const lo = Number(lin & 0xffff_ffffn);
      const hi = Number(lin >> 32n);
      let phys = this.walker.translate(lo, hi, ACCESS_FETCH);
      if (phys === WALK_UNSUPPORTED) phys = v.kvm.translate(lin);
      if (phys < 0 || phys >= this.ops.ram.length) break;
      this.bytes[0] = this.ops.ram[phys]!;
      out.push(this.bytes[0]!.toString(16).padStart(2, '0'));
    }
    return out.length === 0 ? '(unreadable)' : out.join(' ');
  }
}

/** x86emu's bus adapter with the guest's paging as its translation and atomic RAM compare-exchange. */
class CompletionOps extends BusEmulateOps {
  /** KVM_TRANSLATE of the vCPU being completed, for paging modes the walker does not model. */
  kvmTranslate: (linear: bigint) => number = () => -1;
  private fetching = false;
  private readonly i32: Int32Array;
  private readonly i16: Int16Array;
  private readonly i8: Int8Array;
  private readonly i64: BigInt64Array;

  constructor(
    mmio: MmioBus,
    ports: PortBus,
    private readonly walker: GuestPageWalker,
    readonly ram: Uint8Array,
  ) {
    super(mmio, ports, { translate: (lo, hi, write, ctxt) => this.translateLinear(lo, hi, write, ctxt) });
    const whole = (n: number) => Math.floor(ram.byteLength / n);
    this.i8 = new Int8Array(ram.buffer, ram.byteOffset, ram.byteLength);
    this.i16 = new Int16Array(ram.buffer, ram.byteOffset, whole(2));
    this.i32 = new Int32Array(ram.buffer, ram.byteOffset, whole(4));
    this.i64 = new BigInt64Array(ram.buffer, ram.byteOffset, whole(8));
  }

  override insnFetch(linLo: number, linHi: number, dst: Uint8Array, max: number, ctxt: EmulateContext): number {
    this.fetching = true;
    try {
      return super.insnFetch(linLo, linHi, dst, max, ctxt);
    } finally {
      this.fetching = false;
    }
  }

  /**
   * CMPXCHG / CMPXCHG8B: an aligned 1/2/4/8-byte location in RAM is compared and exchanged with one
   * atomic operation, so another vCPU's store between x86emu's read and this write is not lost (the
   * instruction then completes as a failed compare with the value found). Anything else is a write.
   */
  override cmpxchg(linLo: number, linHi: number, size: number, old: Uint8Array, neu: Uint8Array, lock: boolean, ctxt: EmulateContext): number {
    const aligned = size <= 8 && (linLo & (size - 1)) === 0;
    if (!aligned) return super.cmpxchg(linLo, linHi, size, old, neu, lock, ctxt);
    const phys = this.translateLinear(linLo, linHi, true, ctxt);
    if (phys < 0) return X86EMUL_EXCEPTION; // the #PF is recorded
    if (phys + size > this.ram.length || this.mmio.regionAt(phys)?.ram == null) return super.cmpxchg(linLo, linHi, size, old, neu, lock, ctxt);
    const o = new DataView(old.buffer, old.byteOffset, 8);
    const n = new DataView(neu.buffer, neu.byteOffset, 8);
    let found: number | bigint;
    let expected: number | bigint;
    switch (size) {
      case 1:
        expected = o.getInt8(0);
        found = Atomics.compareExchange(this.i8, phys, expected, n.getInt8(0));
        if (found !== expected) o.setInt8(0, found);
        break;
      case 2:
        expected = o.getInt16(0, true);
        found = Atomics.compareExchange(this.i16, phys / 2, expected, n.getInt16(0, true));
        if (found !== expected) o.setInt16(0, found, true);
        break;
      case 4:
        expected = o.getInt32(0, true);
        found = Atomics.compareExchange(this.i32, phys / 4, expected, n.getInt32(0, true));
        if (found !== expected) o.setInt32(0, found, true);
        break;
      default:
        expected = o.getBigInt64(0, true);
        found = Atomics.compareExchange(this.i64, phys / 8, expected, n.getBigInt64(0, true));
        if (found !== expected) o.setBigInt64(0, found, true);
    }
    return found === expected ? X86EMUL_OKAY : X86EMUL_CMPXCHG_FAILED;
  }

  /**
   * A descriptor-table read (LAR/LSL) is an implicit supervisor-mode access (SDM Vol. 3A §4.6):
   * walked as CPL 0, and at CPL 3 RFLAGS.AC does not open user pages to it under SMAP.
   */
  private translateSupervisor(linLo: number, linHi: number, access: number): number {
    const w = this.walker;
    const user = w.user;
    const ac = w.ac;
    if (user) w.ac = false;
    w.user = false;
    const phys = w.translate(linLo, linHi, access);
    w.user = user;
    w.ac = ac;
    return phys;
  }

  /** Linear → physical through the guest's page tables; −1 after recording #PF in the context. */
  private translateLinear(linLo: number, linHi: number, write: boolean, ctxt: EmulateContext): number {
    const access = this.fetching ? ACCESS_FETCH : write ? ACCESS_WRITE : ACCESS_READ;
    const phys = ctxt.systemAccess ? this.translateSupervisor(linLo, linHi, access) : this.walker.translate(linLo, linHi, access);
    if (phys >= 0) return phys;
    if (phys === WALK_FAULT) {
      ctxt.event.pageFault(this.walker.errorCode, linLo, linHi);
      return -1;
    }
    // A paging mode the walker does not model: KVM_TRANSLATE (no rights; not present is #PF).
    const p = this.kvmTranslate((BigInt(linHi >>> 0) << 32n) | BigInt(linLo >>> 0));
    if (p >= 0) return p;
    ctxt.event.pageFault((write ? 2 : 0) | (this.walker.user && !ctxt.systemAccess ? 4 : 0), linLo, linHi);
    return -1;
  }
}

/** A struct kvm_segment at `o` in kvm_sregs → a SegmentRegister. */
function loadSegment(s: SegmentRegister, sregs: DataView, o: number): void {
  s.selector = sregs.getUint16(o + SEGMENT.selector, true);
  s.baseLo = sregs.getUint32(o + SEGMENT.base, true);
  s.baseHi = sregs.getUint32(o + SEGMENT.base + 4, true);
  s.limit = sregs.getUint32(o + SEGMENT.limit, true);
  const u = (f: number) => sregs.getUint8(o + f);
  // VMX access-rights layout: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16.
  s.attr =
    ((u(SEGMENT.type) & 0xf) |
      ((u(SEGMENT.s) & 1) << 4) |
      ((u(SEGMENT.dpl) & 3) << 5) |
      ((u(SEGMENT.present) & 1) << 7) |
      ((u(SEGMENT.avl) & 1) << 12) |
      ((u(SEGMENT.l) & 1) << 13) |
      ((u(SEGMENT.db) & 1) << 14) |
      ((u(SEGMENT.g) & 1) << 15) |
      ((u(SEGMENT.unusable) & 1) << 16)) >>>
    0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

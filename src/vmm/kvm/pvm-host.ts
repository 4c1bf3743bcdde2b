// Everything this VMM does only because of the host's kind of KVM, in one place.
//
// PVM (/sys/module/kvm_pvm; a software KVM, not VMX/SVM): guest ring-0 code runs through the host
// KVM's instruction emulator, which
//  - fails on a few instructions with KVM_INTERNAL_ERROR_EMULATION (INT3, INT n, FWAIT,
//    CLAC/STAC and LDMXCSR/STMXCSR were seen): hvmdev decodes them with its own decoder (src/x86emu) and
//    completes them as the SDM says;
//  - never completes VMCALL/VMMCALL (the vCPU stays on the instruction, kick after kick, with no
//    exit of its own; so a vCPU worker that posts nothing for a slice is kicked): hvmdev
//    completes it as KVM does on VMX/SVM for a hypercall it does not offer here (RAX =
//    −KVM_ENOSYS; KVM_HC_SEND_IPI needs an in-kernel LAPIC, arch/x86/kvm/x86.c
//    kvm_emulate_hypercall);
//  - cannot emulate CMPXCHG16B (arch/x86/kvm/emulate.c em_cmpxchg8b refuses a 16-byte operand),
//    and no user-space completion could make it atomic against other running vCPUs: the guest's
//    CPUID does not offer CX16 here, so a kernel takes its non-CX16 paths (Linux's SLUB did fail
//    with KVM_INTERNAL_ERROR_EMULATION on `lock cmpxchg16b` in a boot).
//  - fails on other instructions too (POPCNT, patched in by Linux's alternatives, stopped a boot):
//    every instruction the cases above do not name is completed by hvmdev's emulator, src/x86emu,
//    against the vCPU's registers and guest memory through the guest's page tables
//    (x86emu-completion.ts, guest-page-walk.ts); only what x86emu cannot do either stops the VM,
//    with the instruction's bytes and RIP in the reason.
// On VMX/SVM none of this runs: those hosts execute or handle these instructions themselves.
import { decode } from '../../x86emu/decoder/decode.js';
import { REFERENCE_CPU } from '../../x86emu/features.js';
import { BASE_RIP, DEC_OK, Insn, MAP_0F, MAP_PRIMARY, NO_REG } from '../../x86emu/insn.js';
import { MODE_LONG64, MODE_PROT16, MODE_PROT32, MODE_REAL, MODE_V86, MODE_COMPAT16, MODE_COMPAT32, type CpuMode } from '../../x86emu/modes.js';
import { SREGS } from './abi.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { Vcpu } from '../vcpu.js';
import { detectHostKind, type HostKind } from './host-kind.js';
import { X86emuCompletion } from './x86emu-completion.js';

/** The platform's buses, for the instructions completed with x86emu (MMIO and port operands). */
export interface GuestBuses {
  readonly mmio: MmioBus;
  readonly ports: PortBus;
}

export interface HostQuirks {
  readonly kind: HostKind;
  /**
   * Completes an instruction the host's KVM emulator failed on: true when done (or a fault it
   * raised is queued for the guest), else false or why hvmdev cannot either.
   */
  completeFailedEmulation(vcpu: Vcpu, ram: Uint8Array, buses?: GuestBuses): boolean | string;
  /** After a kick (EINTR): notices a vCPU the host leaves stuck, and completes its instruction. */
  afterKick(vcpu: Vcpu, ram: Uint8Array): void;
  /**
   * The host can leave a vCPU inside KVM_RUN without an exit (PVM and VMCALL): a vCPU worker that
   * posted no exit for a whole slice is kicked, so afterKick() sees it. Nothing needs this on VMX/SVM.
   */
  readonly kickSilentWorkers: boolean;
  /** CPUID.1:ECX bits the guest must not be offered on this host. */
  readonly hiddenCpuid1Ecx: number;
}

const NONE: HostQuirks = Object.freeze({
  kind: 'unknown' as HostKind,
  completeFailedEmulation: () => false,
  afterKick: () => undefined,
  kickSilentWorkers: false,
  hiddenCpuid1Ecx: 0,
});

export function hostQuirks(kind: HostKind = detectHostKind()): HostQuirks {
  if (kind !== 'pvm') return { ...NONE, kind };
  return new PvmQuirks();
}

const VEC_UD = 6,
  VEC_NM = 7,
  VEC_NP = 11,
  VEC_GP = 13,
  VEC_PF = 14,
  VEC_BP = 3;
/** #PF error code bits (SDM Vol. 3A §4.7): the page is present, the access a write. */
const PF_PRESENT = 1,
  PF_WRITE = 2;
const CR0_PE = 1n,
  CR0_MP = 2n,
  CR0_TS = 8n,
  CR0_WP = 1n << 16n;
/** Bits 51:12 of a paging-structure entry: the next table's or the page's frame. */
const PAGE_FRAME = 0x000f_ffff_ffff_f000n;
const CR4_SMAP = 1n << 21n;
const EFER_LMA = 1n << 10n;
const RFLAGS_AC = 1n << 18n;
const RFLAGS_VM = 1n << 17n;
const KVM_ENOSYS = 1000n;
const FPU_MXCSR = 408;
/** kvm_regs index of each GPR in x86 encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8…). */
const GPR_TO_KVM = [0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];
const SEG_OFFSETS = [SREGS.es, SREGS.cs, SREGS.ss, SREGS.ds, SREGS.fs, SREGS.gs];

/** CPUID.1:ECX.CX16 (CMPXCHG16B). */
export const CPUID1_ECX_CX16 = 1 << 13;

class PvmQuirks implements HostQuirks {
  readonly kind: HostKind = 'pvm';
  readonly kickSilentWorkers = true;
  readonly hiddenCpuid1Ecx = CPUID1_ECX_CX16;
  private readonly insn = new Insn();
  private readonly bytes = new Uint8Array(16);
  private readonly fpu = new Uint8Array(416);
  private readonly scratch = new Uint8Array(16);
  /** RIP at the previous kick, per vCPU (cleared once the instruction there was looked at). */
  private readonly kickRip = new Map<number, bigint>();
  /** x86emu with this VM's RAM and buses (made at the first instruction it completes). */
  private completion: X86emuCompletion | null = null;

  completeFailedEmulation(v: Vcpu, ram: Uint8Array, buses?: GuestBuses): boolean | string {
    const k = v.kvm;
    k.getRegs();
    const s = k.getSregs();
    const mode = cpuMode(s, k.reg('rflags'));
    const rip = k.reg('rip');
    const d = this.insn;
    const n = this.fetch(v, ram, segBase(s, SREGS.cs, mode) + rip);
    if (n === 0 || decode(d, this.bytes, n, mode, REFERENCE_CPU) !== DEC_OK) return this.completeWithX86emu(v, ram, buses);
    const next = rip + BigInt(d.length);
    const cpl = mode === MODE_REAL ? 0 : mode === MODE_V86 ? 3 : s.getUint16(SREGS.cs + 12, true) & 3;
    if (d.map === MAP_PRIMARY && (d.opcode === 0xcc || d.opcode === 0xcd)) {
      // The host delivers the event without the checks of SDM Vol. 2A "INT n" (gate present and
      // reachable, code segment present): a fault there is raised here, on the INT instruction.
      const vector = d.opcode === 0xcc ? VEC_BP : d.immLo & 0xff;
      const f = this.softwareInterruptFault(v, ram, s, mode, cpl, vector);
      if (f >= 0) {
        // Delivering that fault pushes its frame; if the stack page is read-only the CPU raises
        // #PF first (the host would end in a shutdown instead).
        const at = this.unwritableFrame(v, ram, s, mode, f >>> 16);
        if (at !== null) {
          s.setBigUint64(SREGS.cr2, at, true);
          k.setSregs();
          return this.fault(v, VEC_PF, PF_PRESENT | PF_WRITE);
        }
        return this.fault(v, f >>> 16, f & 0xffff);
      }
    }
    if (d.map === MAP_PRIMARY && d.opcode === 0xcc) {
      // INT3: a trap, the handler returns to the next instruction (SDM Vol. 2A "INT n").
      k.setReg('rip', next);
      k.setRegs();
      k.injectException(VEC_BP, null);
      v.eventQueued = true;
      return true;
    }
    if (d.map === MAP_PRIMARY && d.opcode === 0xcd) {
      // INT n: a software interrupt through IDT entry n, returning to the next instruction.
      k.setReg('rip', next);
      k.setRegs();
      k.injectSoftwareInterrupt(d.immLo & 0xff);
      v.eventQueued = true;
      return true;
    }
    if (d.map === MAP_PRIMARY && d.opcode === 0x9b) {
      // FWAIT: #NM if CR0.MP and CR0.TS, else nothing to wait for (no x87 exception pending).
      const cr0 = s.getBigUint64(SREGS.cr0, true);
      if ((cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) return this.fault(v, VEC_NM, null);
      return this.advance(v, next);
    }
    if (d.map === MAP_0F && d.opcode === 0x01 && d.mod === 3 && d.reg === 1 && (d.rm === 2 || d.rm === 3)) {
      // CLAC / STAC: #UD at CPL > 0 or without CR4.SMAP, else clear / set RFLAGS.AC.
      if (cpl !== 0 || (s.getBigUint64(SREGS.cr4, true) & CR4_SMAP) === 0n) return this.fault(v, VEC_UD, null);
      const fl = k.reg('rflags');
      k.setReg('rflags', d.rm === 2 ? fl & ~RFLAGS_AC : fl | RFLAGS_AC);
      return this.advance(v, next);
    }
    if (d.map === MAP_0F && d.opcode === 0xae && d.mod !== 3 && (d.reg === 2 || d.reg === 3) && d.pp === 0) {
      return this.mxcsr(v, ram, s, mode, next, d.reg === 2);
    }
    return this.completeWithX86emu(v, ram, buses);
  }

  /** Any other instruction: x86emu executes it against the vCPU (registers already read). */
  private completeWithX86emu(v: Vcpu, ram: Uint8Array, buses: GuestBuses | undefined): boolean | string {
    if (buses === undefined) return false;
    this.completion ??= new X86emuCompletion(ram, buses.mmio, buses.ports);
    return this.completion.complete(v) ?? true;
  }

  afterKick(v: Vcpu, ram: Uint8Array): void {
    const k = v.kvm;
    // A vCPU stuck on VMCALL is kicked again and again with no exit between: from the first kick of
    // such a run on, KVM leaves the registers in kvm_run at each return (KVM_SYNC_X86_REGS, until an
    // exit is served), so RIP costs no KVM_GET_REGS (~7 µs here, as much as an exit, and most kicks
    // are timer deadlines). The first kick after an exit has no RIP: detection takes one kick more.
    const synced = k.syncedRip;
    let rip: bigint;
    if (k.regsAtNextReturn()) {
      if (synced === null) {
        this.kickRip.delete(v.index);
        return;
      }
      rip = synced;
    } else {
      k.getRegs(); // a KVM without KVM_SYNC_X86_REGS
      rip = k.reg('rip');
    }
    // Only a vCPU found at the same RIP as at its previous kick can be stuck: the instruction is
    // looked at then.
    if (this.kickRip.get(v.index) !== rip) {
      this.kickRip.set(v.index, rip); // first sighting: give the host one more slice
      return;
    }
    this.kickRip.delete(v.index);
    if (synced !== null) k.getRegs(); // the whole register file, for the completion
    const s = k.getSregs();
    const mode = cpuMode(s, k.reg('rflags'));
    const n = this.fetch(v, ram, segBase(s, SREGS.cs, mode) + rip);
    const b = this.bytes;
    const hypercall = n >= 3 && b[0] === 0x0f && b[1] === 0x01 && (b[2] === 0xc1 || b[2] === 0xd9);
    if (!hypercall) return;
    k.setReg('rax', -KVM_ENOSYS);
    k.setReg('rip', rip + 3n);
    k.setRegs();
    v.stats.completed++;
  }

  /**
   * The fault INT n / INT3 raises before reaching its handler in protected or long mode (SDM Vol. 2A
   * "INT n" and Vol. 3A §6.12.1), as (vector << 16) | error code, or −1 if delivery may go ahead:
   * a gate outside the IDT or of a wrong type, or a DPL below CPL → #GP(n × 8 + 2); a gate not
   * present → #NP(n × 8 + 2); a null handler selector → #GP(0); one outside its table or not a code
   * segment or more privileged than allowed → #GP(selector); a code segment not present →
   * #NP(selector). EXT is 0: a software interrupt. Task gates are left to the host.
   */
  private softwareInterruptFault(v: Vcpu, ram: Uint8Array, s: DataView, mode: CpuMode, cpl: number, vector: number): number {
    if (mode === MODE_REAL || mode === MODE_V86) return -1;
    const long = mode === MODE_LONG64 || mode === MODE_COMPAT32 || mode === MODE_COMPAT16;
    const gateSize = long ? 16 : 8;
    const idtErr = (vector << 3) | 2;
    if (vector * gateSize + gateSize - 1 > s.getUint16(SREGS.idt + 8, true)) return (VEC_GP << 16) | idtErr;
    const gate = this.readLinear(v, ram, s.getBigUint64(SREGS.idt, true) + BigInt(vector * gateSize), 8);
    if (gate === null) return -1; // unreadable: let the host decide
    const access = gate[5]!;
    const type = access & 0x1f;
    if (type === 0x05 && !long) return -1; // task gate
    const ok = long ? type === 0x0e || type === 0x0f : type === 0x06 || type === 0x07 || type === 0x0e || type === 0x0f;
    if (!ok || ((access >>> 5) & 3) < cpl) return (VEC_GP << 16) | idtErr;
    if ((access & 0x80) === 0) return (VEC_NP << 16) | idtErr;
    const selector = gate[2]! | (gate[3]! << 8);
    if ((selector & 0xfffc) === 0) return VEC_GP << 16;
    const table = (selector & 4) !== 0 ? SREGS.ldt : SREGS.gdt;
    const tableBase = table === SREGS.ldt ? s.getBigUint64(SREGS.ldt, true) : s.getBigUint64(SREGS.gdt, true);
    const tableLimit = table === SREGS.ldt ? s.getUint32(SREGS.ldt + 8, true) : s.getUint16(SREGS.gdt + 8, true);
    const selErr = selector & 0xfffc;
    if ((selector & 0xfff8) + 7 > tableLimit) return (VEC_GP << 16) | selErr;
    const desc = this.readLinear(v, ram, tableBase + BigInt(selector & 0xfff8), 8);
    if (desc === null) return -1;
    const dAccess = desc[5]!;
    if ((dAccess & 0x18) !== 0x18 || ((dAccess >>> 5) & 3) > cpl) return (VEC_GP << 16) | selErr;
    if ((dAccess & 0x80) === 0) return (VEC_NP << 16) | selErr;
    return -1;
  }

  /**
   * Long mode, a fault taken at CPL 0: the linear address of the first frame slot (SS, RSP, RFLAGS,
   * CS, RIP, error code; SDM Vol. 3A §6.14.2) that lies on a present read-only page, or null.
   * The frame goes to the gate's IST stack if it names one, else below RSP aligned to 16.
   */
  private unwritableFrame(v: Vcpu, ram: Uint8Array, s: DataView, mode: CpuMode, vector: number): bigint | null {
    if (mode !== MODE_LONG64 || (s.getUint16(SREGS.cs + 12, true) & 3) !== 0) return null;
    const gate = this.readLinear(v, ram, s.getBigUint64(SREGS.idt, true) + BigInt(vector * 16), 8);
    if (gate === null) return null;
    const ist = gate[4]! & 7;
    let top: bigint;
    if (ist !== 0) {
      const slot = this.readLinear(v, ram, s.getBigUint64(SREGS.tr, true) + BigInt(0x24 + (ist - 1) * 8), 8);
      if (slot === null) return null;
      top = new DataView(slot.buffer).getBigUint64(0, true);
    } else {
      top = v.kvm.reg('rsp');
    }
    top &= ~15n;
    if ((s.getBigUint64(SREGS.cr0, true) & CR0_WP) === 0n) return null; // CPL 0 writes ignore R/W
    for (let i = 1n; i <= 6n; i++) {
      const at = BigInt.asUintN(64, top - i * 8n);
      if (pageWritable(ram, s.getBigUint64(SREGS.cr3, true), at) === false) return at;
    }
    return null;
  }

  /** `n` bytes (≤ 16) of guest-linear memory through the guest's paging, or null. */
  private readLinear(v: Vcpu, ram: Uint8Array, linear: bigint, n: number): Uint8Array | null {
    const out = this.scratch;
    for (let i = 0; i < n; ) {
      const at = BigInt.asUintN(64, linear + BigInt(i));
      const phys = v.kvm.translate(at);
      if (phys < 0 || phys >= ram.length) return null;
      const inPage = Math.min(n - i, 4096 - Number(at & 0xfffn), ram.length - phys);
      out.set(ram.subarray(phys, phys + inPage), i);
      i += inPage;
    }
    return out;
  }

  /** LDMXCSR / STMXCSR m32 (SDM Vol. 2A): MXCSR through KVM_GET/SET_FPU. */
  private mxcsr(v: Vcpu, ram: Uint8Array, s: DataView, mode: CpuMode, next: bigint, load: boolean): boolean {
    const k = v.kvm;
    const d = this.insn;
    let ea = BigInt(d.dispLo >>> 0) | (BigInt(d.dispHi >>> 0) << 32n);
    if (d.base === BASE_RIP) ea += next;
    else if (d.base !== NO_REG) ea += k.regs.getBigUint64(GPR_TO_KVM[d.base]! * 8, true);
    if (d.index !== NO_REG) ea += k.regs.getBigUint64(GPR_TO_KVM[d.index]! * 8, true) * BigInt(d.scale);
    ea = BigInt.asUintN(d.addrSize * 8, ea);
    const linear = BigInt.asUintN(64, segBase(s, SEG_OFFSETS[d.seg]!, mode) + ea);
    const phys = k.translate(linear);
    if (phys < 0 || Number(linear & 0xfffn) > 0xffc || phys + 4 > ram.length) return false;
    const mem = new DataView(ram.buffer, ram.byteOffset + phys, 4);
    k.getFpu(this.fpu);
    const fpu = new DataView(this.fpu.buffer);
    if (load) {
      const value = mem.getUint32(0, true);
      if ((value & 0xffff0000) !== 0) return this.fault(v, VEC_GP, 0); // reserved MXCSR bits
      fpu.setUint32(FPU_MXCSR, value, true);
      k.setFpu(this.fpu);
    } else {
      mem.setUint32(0, fpu.getUint32(FPU_MXCSR, true), true);
    }
    return this.advance(v, next);
  }

  private advance(v: Vcpu, next: bigint): boolean {
    v.kvm.setReg('rip', next);
    v.kvm.setRegs();
    return true;
  }

  private fault(v: Vcpu, vector: number, errorCode: number | null): boolean {
    v.kvm.injectException(vector, errorCode);
    v.eventQueued = true;
    return true;
  }

  /** Up to 15 instruction bytes at `linear` (through the guest's paging), or 0. */
  private fetch(v: Vcpu, ram: Uint8Array, linear: bigint): number {
    let n = 0;
    // A long-mode kernel's addresses (0xffffffff8…) are above 2^53: they stay bigints to KVM_TRANSLATE.
    const lin = BigInt.asUintN(64, linear);
    const pageOffset = Number(lin & 0xfffn);
    while (n < 15) {
      const phys = v.kvm.translate(lin + BigInt(n));
      if (phys < 0 || phys >= ram.length) break;
      const inPage = Math.min(15 - n, 4096 - ((pageOffset + n) & 0xfff), ram.length - phys);
      this.bytes.set(ram.subarray(phys, phys + inPage), n);
      n += inPage;
    }
    return n;
  }
}

/**
 * 4-level paging (SDM Vol. 3A §4.5): whether `linear` is on a present page writable at every
 * level, or null if it is not present (KVM_TRANSLATE does not report R/W on x86).
 */
function pageWritable(ram: Uint8Array, cr3: bigint, linear: bigint): boolean | null {
  const mem = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  let table = Number(cr3 & PAGE_FRAME);
  let writable = true;
  for (const shift of [39n, 30n, 21n, 12n]) {
    const at = table + Number((linear >> shift) & 0x1ffn) * 8;
    if (at + 8 > ram.length) return null;
    const e = mem.getBigUint64(at, true);
    if ((e & 1n) === 0n) return null;
    writable &&= (e & 2n) !== 0n;
    if (shift !== 12n && shift !== 39n && (e & 0x80n) !== 0n) break; // 1 GiB or 2 MiB page
    table = Number(e & PAGE_FRAME);
  }
  return writable;
}

function segBase(s: DataView, off: number, mode: CpuMode): bigint {
  // In 64-bit mode only FS and GS have a base.
  if (mode === MODE_LONG64 && off !== SREGS.fs && off !== SREGS.gs) return 0n;
  return s.getBigUint64(off, true);
}

/** The CPU mode from struct kvm_sregs (SDM Vol. 3A §2.2; x86emu's modes). */
function cpuMode(s: DataView, rflags: bigint): CpuMode {
  const cr0 = s.getBigUint64(SREGS.cr0, true);
  if ((cr0 & CR0_PE) === 0n) return MODE_REAL;
  if ((rflags & RFLAGS_VM) !== 0n) return MODE_V86;
  const db = s.getUint8(SREGS.cs + 17) !== 0;
  if ((s.getBigUint64(SREGS.efer, true) & EFER_LMA) !== 0n) {
    if (s.getUint8(SREGS.cs + 19) !== 0) return MODE_LONG64;
    return db ? MODE_COMPAT32 : MODE_COMPAT16;
  }
  return db ? MODE_PROT32 : MODE_PROT16;
}

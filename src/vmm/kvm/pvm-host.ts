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
//    kvm_emulate_hypercall).
// On VMX/SVM none of this runs: those hosts execute or handle these instructions themselves.
import { decode } from '../../x86emu/decoder/decode.js';
import { REFERENCE_CPU } from '../../x86emu/features.js';
import { BASE_RIP, DEC_OK, Insn, MAP_0F, MAP_PRIMARY, NO_REG } from '../../x86emu/insn.js';
import { MODE_LONG64, MODE_PROT16, MODE_PROT32, MODE_REAL, MODE_V86, MODE_COMPAT16, MODE_COMPAT32, type CpuMode } from '../../x86emu/modes.js';
import { SREGS } from './abi.js';
import type { Vcpu } from '../vcpu.js';
import { detectHostKind, type HostKind } from './host-kind.js';

export interface HostQuirks {
  readonly kind: HostKind;
  /** Completes an instruction the host's KVM emulator failed on; false if hvmdev cannot either. */
  completeFailedEmulation(vcpu: Vcpu, ram: Uint8Array): boolean;
  /** After a kick (EINTR): notices a vCPU the host leaves stuck, and completes its instruction. */
  afterKick(vcpu: Vcpu, ram: Uint8Array): void;
  /**
   * The host can leave a vCPU inside KVM_RUN without an exit (PVM and VMCALL): a vCPU worker that
   * posted no exit for a whole slice is kicked, so afterKick() sees it. Nothing needs this on VMX/SVM.
   */
  readonly kickSilentWorkers: boolean;
}

const NONE: HostQuirks = Object.freeze({
  kind: 'unknown' as HostKind,
  completeFailedEmulation: () => false,
  afterKick: () => undefined,
  kickSilentWorkers: false,
});

export function hostQuirks(kind: HostKind = detectHostKind()): HostQuirks {
  if (kind !== 'pvm') return { ...NONE, kind };
  return new PvmQuirks();
}

const VEC_UD = 6, VEC_NM = 7, VEC_GP = 13, VEC_BP = 3;
const CR0_PE = 1n, CR0_MP = 2n, CR0_TS = 8n;
const CR4_SMAP = 1n << 21n;
const EFER_LMA = 1n << 10n;
const RFLAGS_AC = 1n << 18n;
const RFLAGS_VM = 1n << 17n;
const KVM_ENOSYS = 1000n;
const FPU_MXCSR = 408;
/** kvm_regs index of each GPR in x86 encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8…). */
const GPR_TO_KVM = [0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15];
const SEG_OFFSETS = [SREGS.es, SREGS.cs, SREGS.ss, SREGS.ds, SREGS.fs, SREGS.gs];

class PvmQuirks implements HostQuirks {
  readonly kind: HostKind = 'pvm';
  readonly kickSilentWorkers = true;
  private readonly insn = new Insn();
  private readonly bytes = new Uint8Array(16);
  private readonly fpu = new Uint8Array(416);
  /** RIP of a VMCALL seen at the previous kick, per vCPU. */
  private readonly hypercallRip = new Map<number, bigint>();

  completeFailedEmulation(v: Vcpu, ram: Uint8Array): boolean {
    const k = v.kvm;
    k.getRegs();
    const s = k.getSregs();
    const mode = cpuMode(s, k.reg('rflags'));
    const rip = k.reg('rip');
    const d = this.insn;
    const n = this.fetch(v, ram, segBase(s, SREGS.cs, mode) + rip);
    if (n === 0 || decode(d, this.bytes, n, mode, REFERENCE_CPU) !== DEC_OK) return false;
    const next = rip + BigInt(d.length);
    const cpl = mode === MODE_REAL ? 0 : mode === MODE_V86 ? 3 : s.getUint16(SREGS.cs + 12, true) & 3;
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
    return false;
  }

  afterKick(v: Vcpu, ram: Uint8Array): void {
    const k = v.kvm;
    k.getRegs();
    const rip = k.reg('rip');
    const s = k.getSregs();
    const mode = cpuMode(s, k.reg('rflags'));
    const n = this.fetch(v, ram, segBase(s, SREGS.cs, mode) + rip);
    const b = this.bytes;
    const hypercall = n >= 3 && b[0] === 0x0f && b[1] === 0x01 && (b[2] === 0xc1 || b[2] === 0xd9);
    if (!hypercall) {
      this.hypercallRip.delete(v.index);
      return;
    }
    if (this.hypercallRip.get(v.index) !== rip) {
      this.hypercallRip.set(v.index, rip); // first sighting: give the host one more slice
      return;
    }
    this.hypercallRip.delete(v.index);
    k.setReg('rax', -KVM_ENOSYS);
    k.setReg('rip', rip + 3n);
    k.setRegs();
    v.stats.completed++;
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
    const phys = k.translate(Number(linear));
    if (phys < 0 || (Number(linear) & 0xfff) > 0xffc || phys + 4 > ram.length) return false;
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
    const lin = Number(BigInt.asUintN(64, linear));
    while (n < 15) {
      const phys = v.kvm.translate(lin + n);
      if (phys < 0 || phys >= ram.length) break;
      const inPage = Math.min(15 - n, 4096 - ((lin + n) & 0xfff), ram.length - phys);
      this.bytes.set(ram.subarray(phys, phys + inPage), n);
      n += inPage;
    }
    return n;
  }
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

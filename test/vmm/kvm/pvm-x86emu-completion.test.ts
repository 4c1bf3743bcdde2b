// A 64-bit ring-0 guest whose instructions the PVM host's KVM emulator cannot complete (POPCNT, which
// Linux's alternatives patch in and which stopped a boot): hvmdev completes them with src/x86emu
// (pvm-host.ts → x86emu-completion.ts) through the guest's own page tables, high-half mappings and
// page faults included. On a VMX/SVM host the CPU runs them and the same results must come out.
import { afterEach, describe, expect, it } from 'vitest';
import { createPlatform } from '../../../src/platform/create-platform.js';
import { REGS_ORDER, SIZEOF, SREGS } from '../../../src/vmm/kvm/abi.js';
import { hostQuirks } from '../../../src/vmm/kvm/pvm-host.js';
import type { Vcpu } from '../../../src/vmm/vcpu.js';
import type { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { abs32, createLongModeGuest, LONG_TABLES, loadAndStart } from './long-mode-guest.js';

announceKvmSkip('PVM x86emu completion');

const PF_HANDLER = 0x11000;
const IDT = 0x4000;
const IDTR = 0x5000;
const TABLES = LONG_TABLES;
const HIGH_PDPT = 0x26000;
const DATA = 0x3000;
const OUT = 0x2000;
/** Not mapped: PML4 entry 1 is not present. */
const UNMAPPED = 0x80_0000_0000n;

const imm64 = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

const GUEST = [
  ...[0x48, 0xbc, ...imm64(0x8000n)], //                    mov rsp, 0x8000
  ...[0x0f, 0x01, 0x1c, 0x25, ...abs32(IDTR)], //           lidt [IDTR]
  ...[0x48, 0xbb, ...imm64(0xf0f0f0f0f0f0f0f1n)], //        mov rbx, 0xf0f0f0f0f0f0f0f1
  ...[0xf3, 0x48, 0x0f, 0xb8, 0xc3], //                     popcnt rax, rbx
  ...[0x48, 0x89, 0x04, 0x25, ...abs32(OUT)], //            mov [OUT], rax
  ...[0xf3, 0x0f, 0xb8, 0x0c, 0x25, ...abs32(DATA)], //     popcnt ecx, dword [DATA]
  ...[0x48, 0x89, 0x0c, 0x25, ...abs32(OUT + 8)], //        mov [OUT + 8], rcx
  ...[0x31, 0xd2], //                                       xor edx, edx (ZF and PF set)
  ...[0xf3, 0x48, 0x0f, 0xb8, 0xd2], //                     popcnt rdx, rdx (ZF set, the others clear)
  0x9c, //                                                  pushfq
  0x58, //                                                  pop rax
  ...[0x48, 0x89, 0x04, 0x25, ...abs32(OUT + 0x10)], //     mov [OUT + 0x10], rax
  ...[0x48, 0xbe, ...imm64(0xffff_ffff_8000_0000n + BigInt(DATA))], // mov rsi, high-half alias of DATA
  ...[0xf3, 0x4c, 0x0f, 0xb8, 0x06], //                     popcnt r8, qword [rsi]
  ...[0x4c, 0x89, 0x04, 0x25, ...abs32(OUT + 0x18)], //     mov [OUT + 0x18], r8
  ...[0x48, 0xbf, ...imm64(UNMAPPED)], //                   mov rdi, UNMAPPED
  ...[0xf3, 0x4c, 0x0f, 0xb8, 0x0f], //                     popcnt r9, qword [rdi]   → #PF
  ...[0xb8, ...abs32(0xdead)], //                           mov eax, 0xdead (not reached)
  ...[0xe7, 0xf4], //                                       out 0xf4, eax
  0xf4,
];

/** #PF handler: error code and CR2 to OUT + 0x20/0x28, then exit 42. */
const HANDLER = [
  0x58, //                                                  pop rax (the error code)
  ...[0x48, 0x89, 0x04, 0x25, ...abs32(OUT + 0x20)], //     mov [OUT + 0x20], rax
  ...[0x0f, 0x20, 0xd0], //                                 mov rax, cr2
  ...[0x48, 0x89, 0x04, 0x25, ...abs32(OUT + 0x28)], //     mov [OUT + 0x28], rax
  ...[0xb8, ...abs32(42)], //                               mov eax, 42
  ...[0xe7, 0xf4], //                                       out 0xf4, eax
  0xf4,
];

describe.skipIf(KVM_SKIP_REASON !== null)('instructions the host KVM cannot emulate, completed by x86emu', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it('POPCNT in 64-bit ring 0: register, memory, high-half and unmapped (#PF with CR2) operands', async () => {
    const g = createLongModeGuest();
    vm = g.vm;
    const { vm: v, ram, dv } = g;
    // The kernel's high half: PML4[511] → a PDPT whose entry 510 is the first GiB's directory.
    dv.setBigUint64(TABLES + 511 * 8, BigInt(HIGH_PDPT) | 3n, true);
    dv.setBigUint64(HIGH_PDPT + 510 * 8, BigInt(TABLES + 2 * 4096) | 3n, true);
    // IDT entry 14: a 64-bit interrupt gate to the handler through __BOOT_CS.
    dv.setUint16(IDT + 14 * 16, PF_HANDLER & 0xffff, true);
    dv.setUint16(IDT + 14 * 16 + 2, 0x10, true);
    dv.setUint8(IDT + 14 * 16 + 5, 0x8e);
    dv.setUint16(IDT + 14 * 16 + 6, PF_HANDLER >>> 16, true);
    dv.setUint16(IDTR, 16 * 32 - 1, true);
    dv.setBigUint64(IDTR + 2, BigInt(IDT), true);
    dv.setUint32(DATA, 0x8000_0001, true);
    dv.setUint32(DATA + 4, 0x0000_ffff, true);
    ram.set(HANDLER, PF_HANDLER);
    loadAndStart(g, GUEST);
    const r = await v.run();
    expect(r).toEqual({ kind: 'debug-exit', code: 42 });
    expect(dv.getBigUint64(OUT, true)).toBe(33n);
    expect(dv.getBigUint64(OUT + 8, true)).toBe(2n);
    expect(dv.getBigUint64(OUT + 0x10, true)).toBe(0x42n); // ZF | bit 1: POPCNT clears OF SF AF CF PF
    expect(dv.getBigUint64(OUT + 0x18, true)).toBe(18n);
    expect(dv.getBigUint64(OUT + 0x20, true)).toBe(0n); // not present, read, supervisor
    expect(dv.getBigUint64(OUT + 0x28, true)).toBe(UNMAPPED);
    if (v.quirks.kind === 'pvm') expect(v.stats().completed).toBeGreaterThanOrEqual(5);
  });
});

describe('an instruction neither the host nor x86emu executes', () => {
  it('stops with the instruction, its bytes and RIP in the reason', () => {
    // 32-bit flat protected mode, paging off; CPUID (0F A2) at 0x1000, which x86emu leaves to a CPU.
    const platform = createPlatform({ profile: 'qemu-pc' });
    const ram = platform.mmio.regionAt(0)!.ram!; // the platform's low RAM, as the VM's guest RAM is
    ram.set([0x0f, 0xa2, 0x90], 0x1000);
    const regs = new DataView(new ArrayBuffer(SIZEOF.regs));
    const sregs = new DataView(new ArrayBuffer(SIZEOF.sregs));
    regs.setBigUint64(REGS_ORDER.indexOf('rip') * 8, 0x1000n, true);
    regs.setBigUint64(REGS_ORDER.indexOf('rflags') * 8, 2n, true);
    for (const off of [SREGS.cs, SREGS.ds, SREGS.es, SREGS.fs, SREGS.gs, SREGS.ss]) {
      sregs.setUint32(off + 8, 0xffffffff, true);
      new Uint8Array(sregs.buffer, off + 14, 7).set([off === SREGS.cs ? 0xb : 0x3, 1, 0, 1, 1, 0, 1]);
    }
    sregs.setBigUint64(SREGS.cr0, 0x11n, true);
    const kvm = {
      regs,
      sregs,
      getRegs: () => regs,
      setRegs: () => undefined,
      reg: (name: (typeof REGS_ORDER)[number]) => regs.getBigUint64(REGS_ORDER.indexOf(name) * 8, true),
      getSregs: () => sregs,
      translate: (linear: number | bigint) => Number(linear),
      getFpu: () => undefined,
      setFpu: () => undefined,
    };
    const why = hostQuirks('pvm').completeFailedEmulation({ kvm, index: 0 } as unknown as Vcpu, ram, platform);
    expect(why).toBe('x86emu does not execute 0F A2; instruction bytes 0f a2 90 00 00 00 00 00 00 00 00 00 00 00 00 at RIP 0x1000');
  });
});

// A 64-bit ring-0 guest that loads its own GDT and runs LSL and LAR on it: Linux's NMI entry reads
// the CPU number with `lsl rax, rax` of its per-CPU segment, which the PVM host's KVM emulator
// refuses in ring 0 (a 2-vCPU boot stopped on it); hvmdev completes them with src/x86emu
// (exec/lar-lsl.ts), reading the descriptors through the GDTR that KVM_GET_SREGS gives. On a
// VMX/SVM host the CPU runs them, and the same values must come out. Expected values are the SDM's:
// LSL the byte-granular limit (G: limit << 12 | 0xFFF), LAR the high dword & 0x00FFFF00 (0xFF00 at
// 16 bits), ZF = 1; ZF = 0 and the destination untouched for a null selector, a selector beyond the
// GDT limit, a descriptor not visible at the RPL, or a type the instruction does not accept.
import { afterEach, describe, expect, it } from 'vitest';
import type { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { abs32, createLongModeGuest, loadAndStart } from './long-mode-guest.js';

announceKvmSkip('PVM LAR/LSL completion');

const GDT = 0x7000;
const GDTR = 0x7800; // the LGDT operand: limit (2 bytes), base (8 bytes)
const OUT = 0x2000; // per probe: the destination (8 bytes), then ZF (setz, 1 byte) at +8
const SEL_MEM = 0x3000; // a selector in memory for the m16 form
const JUNK = 0xdeadbeefcafef00dn;

/** An 8-byte descriptor: access byte and flags nibble in `flags` (bits 7:0 and 15:12), base, 20-bit limit. */
function desc(flags: number, base: number, limit: number): bigint {
  const lo = (limit & 0xffff) | ((base & 0xffff) << 16);
  const hi = ((base >>> 16) & 0xff) | ((flags & 0xf0ff) << 8) | (limit & 0xf0000) | (base & 0xff000000);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The guest's GDT by selector; 0x10/0x18 are the boot code and data segments it is running on. */
const ENTRIES: [number, bigint][] = [
  [0x10, desc(0xa09b, 0, 0xfffff)],
  [0x18, desc(0xc093, 0, 0xfffff)],
  [0x20, desc(0x40f5, 0, 0x1001)], // Linux's per-CPU segment layout: DPL 3, limit = node << 12 | cpu
  [0x28, desc(0xc093, 0, 0x12)], // page-granular data
  [0x30, desc(0x0089, 0x5000, 0x67)], // available 64-bit TSS (16 bytes: 0x30 and 0x38)
  [0x38, 0n],
  [0x40, desc(0x4093, 0, 0xabcd)], // data, DPL 0
  [0x48, desc(0x008e, 0, 0)], // interrupt gate
  [0x50, desc(0x00ec, 0, 0)], // call gate, DPL 3
];
const GDT_LIMIT = 0x57;

/** One probe: the instruction (given RCX = selector, RAX = JUNK), what it must leave in RAX, and ZF. */
interface Probe {
  readonly what: string;
  readonly sel: number;
  readonly insn: readonly number[];
  readonly rax: bigint;
  readonly zf: 0 | 1;
}
const LSL64 = [0x48, 0x0f, 0x03, 0xc1]; // lsl rax, rcx
const LSL32 = [0x0f, 0x03, 0xc1]; // lsl eax, ecx
const LSL16 = [0x66, 0x0f, 0x03, 0xc1]; // lsl ax, cx
const LAR64 = [0x48, 0x0f, 0x02, 0xc1]; // lar rax, rcx
const LAR16 = [0x66, 0x0f, 0x02, 0xc1]; // lar ax, cx
const LSL_RAX_RAX = [0x48, 0x0f, 0x03, 0xc0]; // lsl rax, rax (Linux's form; RAX = selector)
const LSL_MEM = [0x0f, 0x03, 0x04, 0x25, ...abs32(SEL_MEM)]; // lsl eax, word [SEL_MEM]

const PROBES: Probe[] = [
  { what: 'lsl rax, rax: the per-CPU segment', sel: 0x23, insn: LSL_RAX_RAX, rax: 0x1001n, zf: 1 },
  { what: 'lsl rax, rcx', sel: 0x23, insn: LSL64, rax: 0x1001n, zf: 1 },
  { what: 'lsl ax, cx (bits 63:16 kept)', sel: 0x23, insn: LSL16, rax: 0xdeadbeefcafe1001n, zf: 1 },
  { what: 'lsl eax, ecx, G = 1', sel: 0x28, insn: LSL32, rax: 0x12fffn, zf: 1 },
  { what: 'lsl rax, rcx, the 64-bit TSS', sel: 0x30, insn: LSL64, rax: 0x67n, zf: 1 },
  { what: 'lsl eax, [m16]', sel: 0, insn: LSL_MEM, rax: 0xffffffffn, zf: 1 }, // [SEL_MEM] = 0x10, the code segment
  { what: 'lar rax, rcx, the code segment', sel: 0x10, insn: LAR64, rax: 0x00af9b00n, zf: 1 },
  { what: 'lar rax, rcx, the per-CPU segment', sel: 0x23, insn: LAR64, rax: 0x0040f500n, zf: 1 },
  { what: 'lar ax, cx, the TSS', sel: 0x30, insn: LAR16, rax: 0xdeadbeefcafe8900n, zf: 1 },
  { what: 'lar rax, rcx, the call gate', sel: 0x50, insn: LAR64, rax: 0x0000ec00n, zf: 1 },
  { what: 'lsl rax, rcx, a null selector', sel: 0x3, insn: LSL64, rax: JUNK, zf: 0 },
  { what: 'lsl eax, ecx, beyond the GDT limit', sel: 0x58, insn: LSL32, rax: JUNK, zf: 0 },
  { what: 'lsl eax, ecx, RPL 3 > DPL 0', sel: 0x43, insn: LSL32, rax: JUNK, zf: 0 },
  { what: 'lsl rax, rcx, the call gate (not for LSL)', sel: 0x50, insn: LSL64, rax: JUNK, zf: 0 },
  { what: 'lar rax, rcx, an interrupt gate', sel: 0x48, insn: LAR64, rax: JUNK, zf: 0 },
];

const movabsRax = (v: bigint): number[] => [0x48, 0xb8, ...Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))];

function guest(): number[] {
  const code: number[] = [0x0f, 0x01, 0x14, 0x25, ...abs32(GDTR)]; // lgdt [GDTR]
  PROBES.forEach((p, i) => {
    const out = OUT + 16 * i;
    code.push(0xb9, ...abs32(p.sel)); // mov ecx, sel
    code.push(...(p.insn === LSL_RAX_RAX ? [0x48, 0xc7, 0xc0, ...abs32(p.sel)] : movabsRax(JUNK))); // rax = sel or JUNK
    code.push(...p.insn);
    code.push(0x0f, 0x94, 0xc2); // setz dl
    code.push(0x48, 0x89, 0x04, 0x25, ...abs32(out)); // mov [out], rax
    code.push(0x88, 0x14, 0x25, ...abs32(out + 8)); // mov [out + 8], dl
  });
  code.push(0xb8, ...abs32(42), 0xe7, 0xf4, 0xf4); // mov eax, 42; out 0xf4, eax; hlt
  return code;
}

describe.skipIf(KVM_SKIP_REASON !== null)('LSL and LAR in 64-bit ring 0, completed by x86emu on a PVM host', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it('every probe leaves the SDM value and ZF', async () => {
    const g = createLongModeGuest();
    vm = g.vm;
    const { ram, dv } = g;
    for (const [sel, d] of ENTRIES) dv.setBigUint64(GDT + sel, d, true);
    dv.setUint16(GDTR, GDT_LIMIT, true);
    dv.setBigUint64(GDTR + 2, BigInt(GDT), true);
    dv.setUint16(SEL_MEM, 0x10, true);
    ram.fill(0xff, OUT, OUT + 16 * PROBES.length);
    loadAndStart(g, guest());
    const r = await g.vm.run();
    expect(r).toEqual({ kind: 'debug-exit', code: 42 });
    const got = PROBES.map((p, i) => ({ what: p.what, rax: dv.getBigUint64(OUT + 16 * i, true), zf: ram[OUT + 16 * i + 8] }));
    expect(got).toEqual(PROBES.map((p) => ({ what: p.what, rax: p.rax, zf: p.zf })));
    if (g.vm.quirks.kind === 'pvm') expect(g.vm.stats().completed).toBeGreaterThanOrEqual(PROBES.length);
  });
});

// A 64-bit ring-0 guest running the SSE2/SSSE3 integer forms Linux's BLAKE2s uses (PADDQ on
// xmm14/xmm15 stopped a boot): the PVM host's KVM emulator refuses them, hvmdev completes them with
// src/x86emu (exec/sse-integer.ts) on the XMM registers read and written through KVM_GET/SET_FPU.
// On a VMX/SVM host the CPU runs them, and the same results must come out.
import { afterEach, describe, expect, it } from 'vitest';
import type { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { abs32, createLongModeGuest, loadAndStart } from './long-mode-guest.js';

announceKvmSkip('PVM SSE integer completion');

const DATA = 0x3000;
const OUT = 0x2000;

const GUEST = [
  ...[0x0f, 0x20, 0xe0], //                                 mov rax, cr4
  ...[0x0d, 0x00, 0x06, 0x00, 0x00], //                     or eax, 0x600 (OSFXSR | OSXMMEXCPT)
  ...[0x0f, 0x22, 0xe0], //                                 mov cr4, rax
  ...[0x66, 0x44, 0x0f, 0x6f, 0x34, 0x25, ...abs32(DATA)], // movdqa xmm14, [DATA]
  ...[0x66, 0x44, 0x0f, 0x6f, 0x3c, 0x25, ...abs32(DATA + 16)], // movdqa xmm15, [DATA + 16]
  ...[0x66, 0x45, 0x0f, 0xd4, 0xf7], //                     paddq xmm14, xmm15
  ...[0x66, 0x41, 0x0f, 0x70, 0xc6, 0x1b], //               pshufd xmm0, xmm14, 0x1b
  ...[0x66, 0x0f, 0xef, 0x04, 0x25, ...abs32(DATA + 32)], // pxor xmm0, [DATA + 32]
  ...[0x66, 0x0f, 0x38, 0x00, 0x04, 0x25, ...abs32(DATA + 48)], // pshufb xmm0, [DATA + 48]
  ...[0x66, 0x41, 0x0f, 0x73, 0xd6, 0x04], //               psrlq xmm14, 4
  ...[0x66, 0x0f, 0xd7, 0xc0], //                           pmovmskb eax, xmm0
  ...[0x66, 0x44, 0x0f, 0x7f, 0x34, 0x25, ...abs32(OUT)], // movdqa [OUT], xmm14
  ...[0x66, 0x0f, 0x7f, 0x04, 0x25, ...abs32(OUT + 16)], // movdqa [OUT + 16], xmm0
  ...[0x89, 0x04, 0x25, ...abs32(OUT + 32)], //             mov [OUT + 32], eax
  ...[0xb8, ...abs32(42)], //                               mov eax, 42
  ...[0xe7, 0xf4], //                                       out 0xf4, eax
  0xf4,
];

/** Little-endian bytes of 64-bit lanes. */
function lanes64(...q: bigint[]): Uint8Array {
  const out = new Uint8Array(8 * q.length);
  const dv = new DataView(out.buffer);
  q.forEach((v, i) => dv.setBigUint64(8 * i, BigInt.asUintN(64, v), true));
  return out;
}

describe.skipIf(KVM_SKIP_REASON !== null)('SSE integer instructions the host KVM cannot emulate, completed by x86emu', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it('paddq, pshufd, pxor m128, pshufb m128, psrlq imm, pmovmskb in 64-bit ring 0', async () => {
    const g = createLongModeGuest();
    vm = g.vm;
    const { vm: v, ram, dv } = g;
    const a = lanes64(0x1_ffff_ffffn, 0x8000_0000_0000_0000n);
    const b = lanes64(1n, 0x8000_0000_0000_0001n);
    const mask = lanes64(0x0000_0000_8080_8080n, 0x1234_5678_ffff_ffffn);
    const order = Uint8Array.from([15, 14, 13, 0x80, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    ram.set(a, DATA);
    ram.set(b, DATA + 16);
    ram.set(mask, DATA + 32);
    ram.set(order, DATA + 48);
    loadAndStart(g, GUEST);
    const r = await v.run();
    expect(r).toEqual({ kind: 'debug-exit', code: 42 });
    // paddq: 0x1_ffff_ffff + 1 carries into the high dword; 2^63 + 2^63 + 1 wraps to 1.
    const sum = lanes64(0x2_0000_0000n, 1n);
    expect(Array.from(ram.subarray(OUT, OUT + 16))).toEqual(Array.from(lanes64(0x2000_0000n, 0n))); // psrlq 4
    // pshufd 0x1b reverses the dwords of the sum; then the xor and the byte shuffle.
    const d = new DataView(sum.buffer);
    const shuffled = new Uint8Array(16);
    const sdv = new DataView(shuffled.buffer);
    for (let i = 0; i < 4; i++) sdv.setUint32(4 * i, d.getUint32(4 * (3 - i), true) ^ new DataView(mask.buffer).getUint32(4 * i, true), true);
    const want = Uint8Array.from(order, (o) => ((o & 0x80) !== 0 ? 0 : shuffled[o & 15]!));
    expect(Array.from(ram.subarray(OUT + 16, OUT + 32))).toEqual(Array.from(want));
    let msk = 0;
    want.forEach((x, i) => {
      msk |= (x >>> 7) << i;
    });
    expect(dv.getUint32(OUT + 32, true)).toBe(msk);
    expect(msk).toBe(0xf0f0); // the 0x80 and 0xFF/0xFD bytes of the xor, moved by the shuffle to 12-15 and 4-7
    if (v.quirks.kind === 'pvm') expect(v.stats().completed).toBeGreaterThanOrEqual(6);
  });
});

/*
 * hvmdev x86emu SSE2/SSSE3 integer vectors: executes each instruction natively on this machine's CPU
 * (xmm1 = A, xmm2 = B; result xmm1) for random and edge-value inputs and prints one line per case:
 *   <name> <instruction bytes, hex, no spaces> <A 32 hex digits> <B 32 hex digits> <result 32 hex digits>
 * (vectors as little-endian byte strings, byte 0 first). PMOVMSKB's result is EAX in bytes 0-3.
 * Usage: gcc -O1 -o /tmp/sse sse-integer.c && /tmp/sse > test/fixtures/sse-integer-vectors.txt
 * Written from the SDM; no third-party code. Needs SSSE3.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t g_a[16] __attribute__((aligned(16))), g_b[16] __attribute__((aligned(16))), g_r[16] __attribute__((aligned(16)));

static void f0(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpcklbw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f1(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpcklwd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f2(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpckldq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f3(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n packsswb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f4(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pcmpgtb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f5(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pcmpgtw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f6(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pcmpgtd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f7(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n packuswb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f8(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpckhbw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f9(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpckhwd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f10(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpckhdq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f11(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n packssdw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f12(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpcklqdq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f13(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n punpckhqdq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f14(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pcmpeqb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f15(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pcmpeqw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f16(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pcmpeqd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f17(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f18(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrld %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f19(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f20(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f21(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pmullw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f22(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubusb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f23(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubusw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f24(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pminub %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f25(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pand %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f26(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddusb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f27(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddusw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f28(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pmaxub %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f29(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pandn %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f30(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pavgb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f31(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psraw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f32(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrad %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f33(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pavgw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f34(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pmulhuw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f35(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pmulhw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f36(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubsb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f37(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubsw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f38(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pminsw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f39(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n por %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f40(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddsb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f41(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddsw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f42(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pmaxsw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f43(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pxor %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f44(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f45(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslld %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f46(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f47(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pmuludq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f48(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pmaddwd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f49(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psadbw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f50(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f51(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f52(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f53(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psubq %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f54(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f55(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f56(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n paddd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f57(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n andpd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f58(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n andnpd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f59(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n orpd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f60(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n xorpd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f61(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n andps %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f62(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n andnps %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f63(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n orps %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f64(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n xorps %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f65(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f66(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pabsb %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f67(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pabsw %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f68(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pabsd %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f69(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufd $0x0, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f70(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufhw $0x0, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f71(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshuflw $0x0, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f72(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufd $0x1b, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f73(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufhw $0x1b, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f74(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshuflw $0x1b, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f75(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufd $0x4e, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f76(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufhw $0x4e, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f77(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshuflw $0x4e, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f78(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufd $0x93, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f79(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufhw $0x93, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f80(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshuflw $0x93, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f81(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufd $0x39, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f82(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufhw $0x39, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f83(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshuflw $0x39, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f84(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufd $0xe4, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f85(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshufhw $0xe4, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f86(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pshuflw $0xe4, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f87(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $0, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f88(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $1, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f89(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $4, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f90(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $8, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f91(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $15, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f92(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $16, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f93(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $17, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f94(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $31, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f95(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $32, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f96(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n palignr $255, %%xmm2, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f97(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlw $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f98(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlw $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f99(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlw $7, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f100(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlw $15, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f101(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlw $16, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f102(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlw $200, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f103(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psraw $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f104(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psraw $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f105(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psraw $7, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f106(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psraw $15, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f107(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psraw $16, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f108(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psraw $200, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f109(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllw $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f110(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllw $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f111(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllw $7, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f112(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllw $15, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f113(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllw $16, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f114(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllw $200, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f115(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrld $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f116(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrld $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f117(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrld $12, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f118(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrld $31, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f119(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrld $32, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f120(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrld $255, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f121(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrad $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f122(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrad $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f123(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrad $12, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f124(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrad $31, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f125(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrad $32, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f126(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrad $255, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f127(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslld $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f128(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslld $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f129(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslld $20, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f130(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslld $31, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f131(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslld $32, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f132(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslld $255, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f133(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f134(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f135(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $31, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f136(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $32, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f137(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $33, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f138(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $63, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f139(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $64, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f140(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrlq $255, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f141(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f142(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f143(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $31, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f144(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $32, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f145(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $33, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f146(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $63, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f147(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $64, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f148(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psllq $255, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f149(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrldq $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f150(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrldq $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f151(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrldq $7, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f152(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrldq $15, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f153(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrldq $16, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f154(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n psrldq $255, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f155(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslldq $0, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f156(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslldq $1, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f157(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslldq $7, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f158(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslldq $15, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f159(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslldq $16, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void f160(void) { __asm__ volatile("movdqa g_a(%%rip), %%xmm1\n movdqa g_b(%%rip), %%xmm2\n pslldq $255, %%xmm1\n movdqa %%xmm1, g_r(%%rip)" ::: "xmm1", "xmm2", "memory"); }
static void fmovmsk(void) { uint32_t m; __asm__ volatile("movdqa g_b(%%rip), %%xmm2\n pmovmskb %%xmm2, %0" : "=r"(m) :: "xmm2", "memory"); memset(g_r, 0, 16); memcpy(g_r, &m, 4); }
static const struct { const char *name, *bytes; void (*f)(void); } OPS[] = {
  {"punpcklbw", "660f60ca", f0},
  {"punpcklwd", "660f61ca", f1},
  {"punpckldq", "660f62ca", f2},
  {"packsswb", "660f63ca", f3},
  {"pcmpgtb", "660f64ca", f4},
  {"pcmpgtw", "660f65ca", f5},
  {"pcmpgtd", "660f66ca", f6},
  {"packuswb", "660f67ca", f7},
  {"punpckhbw", "660f68ca", f8},
  {"punpckhwd", "660f69ca", f9},
  {"punpckhdq", "660f6aca", f10},
  {"packssdw", "660f6bca", f11},
  {"punpcklqdq", "660f6cca", f12},
  {"punpckhqdq", "660f6dca", f13},
  {"pcmpeqb", "660f74ca", f14},
  {"pcmpeqw", "660f75ca", f15},
  {"pcmpeqd", "660f76ca", f16},
  {"psrlw", "660fd1ca", f17},
  {"psrld", "660fd2ca", f18},
  {"psrlq", "660fd3ca", f19},
  {"paddq", "660fd4ca", f20},
  {"pmullw", "660fd5ca", f21},
  {"psubusb", "660fd8ca", f22},
  {"psubusw", "660fd9ca", f23},
  {"pminub", "660fdaca", f24},
  {"pand", "660fdbca", f25},
  {"paddusb", "660fdcca", f26},
  {"paddusw", "660fddca", f27},
  {"pmaxub", "660fdeca", f28},
  {"pandn", "660fdfca", f29},
  {"pavgb", "660fe0ca", f30},
  {"psraw", "660fe1ca", f31},
  {"psrad", "660fe2ca", f32},
  {"pavgw", "660fe3ca", f33},
  {"pmulhuw", "660fe4ca", f34},
  {"pmulhw", "660fe5ca", f35},
  {"psubsb", "660fe8ca", f36},
  {"psubsw", "660fe9ca", f37},
  {"pminsw", "660feaca", f38},
  {"por", "660febca", f39},
  {"paddsb", "660fecca", f40},
  {"paddsw", "660fedca", f41},
  {"pmaxsw", "660feeca", f42},
  {"pxor", "660fefca", f43},
  {"psllw", "660ff1ca", f44},
  {"pslld", "660ff2ca", f45},
  {"psllq", "660ff3ca", f46},
  {"pmuludq", "660ff4ca", f47},
  {"pmaddwd", "660ff5ca", f48},
  {"psadbw", "660ff6ca", f49},
  {"psubb", "660ff8ca", f50},
  {"psubw", "660ff9ca", f51},
  {"psubd", "660ffaca", f52},
  {"psubq", "660ffbca", f53},
  {"paddb", "660ffcca", f54},
  {"paddw", "660ffdca", f55},
  {"paddd", "660ffeca", f56},
  {"andpd", "660f54ca", f57},
  {"andnpd", "660f55ca", f58},
  {"orpd", "660f56ca", f59},
  {"xorpd", "660f57ca", f60},
  {"andps", "0f54ca", f61},
  {"andnps", "0f55ca", f62},
  {"orps", "0f56ca", f63},
  {"xorps", "0f57ca", f64},
  {"pshufb", "660f3800ca", f65},
  {"pabsb", "660f381cca", f66},
  {"pabsw", "660f381dca", f67},
  {"pabsd", "660f381eca", f68},
  {"pshufd_00", "660f70ca00", f69},
  {"pshufhw_00", "f30f70ca00", f70},
  {"pshuflw_00", "f20f70ca00", f71},
  {"pshufd_1b", "660f70ca1b", f72},
  {"pshufhw_1b", "f30f70ca1b", f73},
  {"pshuflw_1b", "f20f70ca1b", f74},
  {"pshufd_4e", "660f70ca4e", f75},
  {"pshufhw_4e", "f30f70ca4e", f76},
  {"pshuflw_4e", "f20f70ca4e", f77},
  {"pshufd_93", "660f70ca93", f78},
  {"pshufhw_93", "f30f70ca93", f79},
  {"pshuflw_93", "f20f70ca93", f80},
  {"pshufd_39", "660f70ca39", f81},
  {"pshufhw_39", "f30f70ca39", f82},
  {"pshuflw_39", "f20f70ca39", f83},
  {"pshufd_e4", "660f70cae4", f84},
  {"pshufhw_e4", "f30f70cae4", f85},
  {"pshuflw_e4", "f20f70cae4", f86},
  {"palignr_0", "660f3a0fca00", f87},
  {"palignr_1", "660f3a0fca01", f88},
  {"palignr_4", "660f3a0fca04", f89},
  {"palignr_8", "660f3a0fca08", f90},
  {"palignr_15", "660f3a0fca0f", f91},
  {"palignr_16", "660f3a0fca10", f92},
  {"palignr_17", "660f3a0fca11", f93},
  {"palignr_31", "660f3a0fca1f", f94},
  {"palignr_32", "660f3a0fca20", f95},
  {"palignr_255", "660f3a0fcaff", f96},
  {"psrlw_i0", "660f71d100", f97},
  {"psrlw_i1", "660f71d101", f98},
  {"psrlw_i7", "660f71d107", f99},
  {"psrlw_i15", "660f71d10f", f100},
  {"psrlw_i16", "660f71d110", f101},
  {"psrlw_i200", "660f71d1c8", f102},
  {"psraw_i0", "660f71e100", f103},
  {"psraw_i1", "660f71e101", f104},
  {"psraw_i7", "660f71e107", f105},
  {"psraw_i15", "660f71e10f", f106},
  {"psraw_i16", "660f71e110", f107},
  {"psraw_i200", "660f71e1c8", f108},
  {"psllw_i0", "660f71f100", f109},
  {"psllw_i1", "660f71f101", f110},
  {"psllw_i7", "660f71f107", f111},
  {"psllw_i15", "660f71f10f", f112},
  {"psllw_i16", "660f71f110", f113},
  {"psllw_i200", "660f71f1c8", f114},
  {"psrld_i0", "660f72d100", f115},
  {"psrld_i1", "660f72d101", f116},
  {"psrld_i12", "660f72d10c", f117},
  {"psrld_i31", "660f72d11f", f118},
  {"psrld_i32", "660f72d120", f119},
  {"psrld_i255", "660f72d1ff", f120},
  {"psrad_i0", "660f72e100", f121},
  {"psrad_i1", "660f72e101", f122},
  {"psrad_i12", "660f72e10c", f123},
  {"psrad_i31", "660f72e11f", f124},
  {"psrad_i32", "660f72e120", f125},
  {"psrad_i255", "660f72e1ff", f126},
  {"pslld_i0", "660f72f100", f127},
  {"pslld_i1", "660f72f101", f128},
  {"pslld_i20", "660f72f114", f129},
  {"pslld_i31", "660f72f11f", f130},
  {"pslld_i32", "660f72f120", f131},
  {"pslld_i255", "660f72f1ff", f132},
  {"psrlq_i0", "660f73d100", f133},
  {"psrlq_i1", "660f73d101", f134},
  {"psrlq_i31", "660f73d11f", f135},
  {"psrlq_i32", "660f73d120", f136},
  {"psrlq_i33", "660f73d121", f137},
  {"psrlq_i63", "660f73d13f", f138},
  {"psrlq_i64", "660f73d140", f139},
  {"psrlq_i255", "660f73d1ff", f140},
  {"psllq_i0", "660f73f100", f141},
  {"psllq_i1", "660f73f101", f142},
  {"psllq_i31", "660f73f11f", f143},
  {"psllq_i32", "660f73f120", f144},
  {"psllq_i33", "660f73f121", f145},
  {"psllq_i63", "660f73f13f", f146},
  {"psllq_i64", "660f73f140", f147},
  {"psllq_i255", "660f73f1ff", f148},
  {"psrldq_i0", "660f73d900", f149},
  {"psrldq_i1", "660f73d901", f150},
  {"psrldq_i7", "660f73d907", f151},
  {"psrldq_i15", "660f73d90f", f152},
  {"psrldq_i16", "660f73d910", f153},
  {"psrldq_i255", "660f73d9ff", f154},
  {"pslldq_i0", "660f73f900", f155},
  {"pslldq_i1", "660f73f901", f156},
  {"pslldq_i7", "660f73f907", f157},
  {"pslldq_i15", "660f73f90f", f158},
  {"pslldq_i16", "660f73f910", f159},
  {"pslldq_i255", "660f73f9ff", f160},
  {"pmovmskb", "660fd7c2", fmovmsk},
};

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; }
/* Random bytes, with some lanes forced to edge values (0, all ones, sign bits, 0x7f.., 0x80..). */
static void fill(uint8_t *v, int kase) {
  static const uint8_t edge[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe};
  for (int i = 0; i < 16; i += 8) { uint64_t x = next(); memcpy(v + i, &x, 8); }
  if (kase % 3 == 1) for (int i = 0; i < 16; i++) if (next() & 1) v[i] = edge[next() % 6];
  if (kase % 3 == 2) for (int i = 0; i < 16; i++) v[i] = edge[next() % 6];
}
static void hex(const uint8_t *v) { for (int i = 0; i < 16; i++) printf("%02x", v[i]); }
int main(void) {
  for (unsigned k = 0; k < sizeof OPS / sizeof OPS[0]; k++) {
    for (int c = 0; c < 8; c++) {
      fill(g_a, c);
      fill(g_b, c + 1);
      /* shift-count forms: small counts too */
      if (c >= 5) { memset(g_b + 1, 0, 15); g_b[0] = (uint8_t)(next() % 70); }
      if (c == 7) { memset(g_b, 0, 16); g_b[4] = 1; }
      OPS[k].f();
      printf("%s %s ", OPS[k].name, OPS[k].bytes); hex(g_a); putchar(' '); hex(g_b); putchar(' '); hex(g_r); putchar('\n');
    }
  }
  return 0;
}

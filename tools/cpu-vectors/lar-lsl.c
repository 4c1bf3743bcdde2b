/*
 * hvmdev: LAR and LSL of the selectors a user process can name, run natively at CPL 3 on this host
 * (x86-64 Linux: its GDT's __USER32_CS 0x23, __USER_DS 0x2b, __USER_CS 0x33, the per-CPU segment
 * 0x7b, and __KERNEL_DS 0x13 / the null selector, which must fail). Prints, per selector, the 64-bit
 * results with ZF, and the 16-bit LAR over a preset register (bits 63:16 kept), so
 * test/x86emu/lar-lsl.test.ts can compare x86emu with a real CPU. Written from the SDM; no
 * third-party code. Build and run: gcc -O1 -Wall -Wextra -o /tmp/lar-lsl tools/cpu-vectors/lar-lsl.c && /tmp/lar-lsl
 */
#include <stdint.h>
#include <stdio.h>

#define JUNK 0xdeadbeefcafef00dULL

int main(void) {
  static const uint16_t sels[] = {0x23, 0x2b, 0x33, 0x7b, 0x13, 0x00};
  for (unsigned i = 0; i < sizeof sels / sizeof sels[0]; i++) {
    uint64_t s = sels[i], lar = JUNK, lsl = JUNK, lar16 = JUNK, lar32 = JUNK;
    uint8_t zf_lar, zf_lsl;
    __asm__ volatile("lar %2, %0\n\tsetz %1" : "+r"(lar), "=q"(zf_lar) : "r"(s) : "cc");
    __asm__ volatile("lsl %2, %0\n\tsetz %1" : "+r"(lsl), "=q"(zf_lsl) : "r"(s) : "cc");
    __asm__ volatile("larw %w1, %w0" : "+r"(lar16) : "r"(s) : "cc");
    __asm__ volatile("larl %k1, %k0" : "+r"(lar32) : "r"(s) : "cc");
    printf("sel %#06x  lar64 %#018llx zf=%u  lsl64 %#018llx zf=%u  lar16 %#018llx  lar32 %#018llx\n", sels[i], (unsigned long long)lar,
           zf_lar, (unsigned long long)lsl, zf_lsl, (unsigned long long)lar16, (unsigned long long)lar32);
  }
  return 0;
}

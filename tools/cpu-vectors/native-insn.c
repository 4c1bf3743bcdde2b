/*
 * hvmdev x86emu native differential: runs single x86-64 instructions natively (user mode) on the
 * host CPU with a given register file and flags, and reports the registers and flags afterwards, or
 * the signal the instruction raised. bench/x86emu-native.ts feeds it register-only instructions the
 * emulator executed and compares. Written from the SDM and the System V ABI; no third-party code.
 *
 * stdin, one case per line (hex, no prefix):  <insn bytes, no spaces> <r0> ... <r15> <rflags>
 *   (r4 = RSP is ignored: the instruction sees the harness's own RSP, reported back as rsp_in)
 * stdout, one line per case:                  <rsp_in> <r0> ... <r15> <rflags>   or   <rsp_in> SIG<n>
 *
 * Safety: after setup the process enters seccomp strict mode (read, write, exit, sigreturn only),
 * so an instruction that reaches the kernel ends the harness instead of doing anything; the
 * instruction runs from its own page and returns through an absolute jump (no stack needed).
 */
#define _GNU_SOURCE
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef uint64_t u64;

/* regs[0..15] GPRs, [16] rflags, [17] rsp_in */
static u64 regs[18];
u64 g_regs_ptr, g_code_ptr, g_host_rsp, g_tmp;

void native_run(void);
void native_back(void);
__asm__(
  ".intel_syntax noprefix\n"
  ".text\n"
  ".globl native_run\n"
  "native_run:\n"
  "  push rbx\n  push rbp\n  push r12\n  push r13\n  push r14\n  push r15\n"
  "  mov rdi, [rip+g_regs_ptr]\n"
  "  mov [rip+g_host_rsp], rsp\n"
  "  mov [rdi+136], rsp\n"
  "  push qword ptr [rdi+128]\n"
  "  popfq\n"
  "  mov rax, [rdi+0]\n  mov rcx, [rdi+8]\n  mov rdx, [rdi+16]\n  mov rbx, [rdi+24]\n"
  "  mov rbp, [rdi+40]\n  mov rsi, [rdi+48]\n"
  "  mov r8, [rdi+64]\n  mov r9, [rdi+72]\n  mov r10, [rdi+80]\n  mov r11, [rdi+88]\n"
  "  mov r12, [rdi+96]\n  mov r13, [rdi+104]\n  mov r14, [rdi+112]\n  mov r15, [rdi+120]\n"
  "  mov rdi, [rdi+56]\n"
  "  jmp qword ptr [rip+g_code_ptr]\n"
  ".globl native_back\n"
  "native_back:\n"
  "  mov [rip+g_tmp], rdi\n"
  "  mov rdi, [rip+g_regs_ptr]\n"
  "  mov [rdi+0], rax\n  mov [rdi+8], rcx\n  mov [rdi+16], rdx\n  mov [rdi+24], rbx\n"
  "  mov [rdi+32], rsp\n  mov [rdi+40], rbp\n  mov [rdi+48], rsi\n"
  "  mov [rdi+64], r8\n  mov [rdi+72], r9\n  mov [rdi+80], r10\n  mov [rdi+88], r11\n"
  "  mov [rdi+96], r12\n  mov [rdi+104], r13\n  mov [rdi+112], r14\n  mov [rdi+120], r15\n"
  "  mov rsp, [rip+g_host_rsp]\n"
  "  pushfq\n"
  "  pop qword ptr [rdi+128]\n"
  "  mov rax, [rip+g_tmp]\n"
  "  mov [rdi+56], rax\n"
  "  cld\n"
  "  pop r15\n  pop r14\n  pop r13\n  pop r12\n  pop rbp\n  pop rbx\n"
  "  ret\n"
  ".att_syntax prefix\n");

static sigjmp_buf env;
static void on_signal(int sig) { siglongjmp(env, sig); }

static char inbuf[1 << 16];
static size_t inlen, inpos;
static char outbuf[1 << 16];
static size_t outlen;

static int next_char(void) {
  if (inpos == inlen) {
    ssize_t n = read(0, inbuf, sizeof inbuf);
    if (n <= 0) return -1;
    inlen = (size_t)n;
    inpos = 0;
  }
  return (unsigned char)inbuf[inpos++];
}
static void flush_out(void) {
  size_t off = 0;
  while (off < outlen) {
    ssize_t n = write(1, outbuf + off, outlen - off);
    if (n <= 0) break;
    off += (size_t)n;
  }
  outlen = 0;
}
static void put_char(char c) {
  if (outlen == sizeof outbuf) flush_out();
  outbuf[outlen++] = c;
}
static void put_hex(u64 v) {
  char tmp[16];
  int n = 0;
  do { tmp[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v != 0);
  while (n > 0) put_char(tmp[--n]);
}
static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
/* Read one hex token; returns its digit count (0 at end of line), -1 at end of input. */
static int token(u64 *v, unsigned char *bytes, int *nbytes, int *eol) {
  int c, digits = 0;
  u64 x = 0;
  do { c = next_char(); } while (c == ' ');
  if (c < 0) return -1;
  if (c == '\n') { *eol = 1; return 0; }
  while (c >= 0 && c != ' ' && c != '\n') {
    int h = hexval(c);
    if (h < 0) h = 0;
    if (bytes != NULL && digits / 2 < 15) {
      if ((digits & 1) == 0) bytes[digits / 2] = (unsigned char)(h << 4);
      else bytes[digits / 2] |= (unsigned char)h;
    }
    x = (x << 4) | (u64)h;
    digits++;
    c = next_char();
  }
  if (c == '\n') *eol = 1;
  if (bytes != NULL) *nbytes = digits / 2 > 15 ? 15 : digits / 2;
  *v = x;
  return digits;
}

int main(void) {
  unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  /* not blocked in the handler (siglongjmp(…, 0) then needs no sigprocmask), and on its own stack:
   * an instruction may have left RSP anywhere before a later one faults */
  sa.sa_flags = SA_NODEFER | SA_ONSTACK;
  static char altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL) != 0) return 2;
  int sigs[] = { SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  g_regs_ptr = (u64)(uintptr_t)regs;
  g_code_ptr = (u64)(uintptr_t)page;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0) return 3;
  for (;;) {
    unsigned char bytes[15];
    int nbytes = 0, eol = 0;
    u64 v;
    int t = token(&v, bytes, &nbytes, &eol);
    if (t < 0) break;
    if (t == 0) continue;
    for (int i = 0; i < 17 && !eol; i++) {
      if (token(&v, NULL, NULL, &eol) < 0) break;
      regs[i] = v;
    }
    while (!eol) { int c = next_char(); if (c < 0 || c == '\n') break; }
    /* the instruction, then jmp [rip+0] → native_back */
    memcpy(page, bytes, (size_t)nbytes);
    unsigned char *p = page + nbytes;
    p[0] = 0xff; p[1] = 0x25; p[2] = p[3] = p[4] = p[5] = 0;
    u64 back = (u64)(uintptr_t)native_back;
    memcpy(p + 6, &back, 8);
    regs[16] = (regs[16] & 0xcd5) | 0x202; /* status flags, DF, OF; IF and the fixed bit */
    int sig = sigsetjmp(env, 0);
    if (sig == 0) {
      native_run();
      put_hex(regs[17]);
      for (int i = 0; i < 17; i++) { put_char(' '); put_hex(regs[i]); }
    } else {
      __asm__ volatile("cld");
      put_hex(regs[17]);
      put_char(' '); put_char('S'); put_char('I'); put_char('G'); put_hex((u64)sig);
    }
    put_char('\n');
  }
  flush_out();
  syscall(SYS_exit, 0); /* exit_group is not allowed in strict mode; exit is */
  return 0;
}

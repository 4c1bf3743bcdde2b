/*
 * hvmdev x86emu/alu golden-vector generator.
 *
 * Executes x86 integer instructions natively on the host CPU (the reference CPU) over edge values and a
 * fixed-seed pseudo-random set, and prints one vector per line:
 *
 *     <op> <size> <flagsIn> <in...> = <out...> <flagsOut>
 *
 * All numbers are lowercase hex without prefix. flagsIn/flagsOut hold only the six status flags
 * (CF PF AF ZF SF OF, mask 0x8d5). A DIV/IDIV that would raise #DE is detected in C before executing
 * and recorded as "= DE". Build with -mno-red-zone (pushf/popf inside inline asm).
 *
 * Written from the Intel SDM / AMD APM instruction descriptions; no third-party emulator code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef __int128 i128;
typedef unsigned __int128 u128;

#define ST 0x8d5ULL

static u64 rng_state = 0x9e3779b97f4a7c15ULL;
static u64 rnd(void) {
  /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dULL;
}
/* Random value with varied bit density and magnitude. */
static u64 rval(void) {
  u64 r = rnd();
  switch (rnd() & 7) {
  case 0: return r & rnd();
  case 1: return r | rnd();
  case 2: return r & 0xff;
  case 3: return (u64)0 - (r & 0xff);
  case 4: return r >> (rnd() & 63);
  default: return r;
  }
}
static u64 rflags(void) { return rnd() & ST; }

static u64 maskof(int size) { return size == 8 ? ~0ULL : ((1ULL << (size * 8)) - 1); }

/* ---- instruction wrappers --------------------------------------------------------------------- */
typedef void (*fn2)(u64 a, u64 b, u64 fin, u64 *r, u64 *fo);
typedef void (*fn3)(u64 a, u64 b, u64 c, u64 fin, u64 *r, u64 *r2, u64 *fo);

#define PRE "pushq %[fi]\n\tpopfq\n\t"
#define POST "\n\tpushfq\n\tpopq %[f]"

/* binary: x = x op y */
#define BIN(NAME, MN, T, SUF)                                                                      \
  static void NAME(u64 a, u64 b, u64 fin, u64 *r, u64 *fo) {                                       \
    T x = (T)a, y = (T)b;                                                                          \
    u64 f;                                                                                         \
    __asm__ volatile(PRE MN SUF " %[y], %[x]" POST                                               \
                     : [x] "+r"(x), [f] "=&r"(f)                                                   \
                     : [y] "r"(y), [fi] "r"(fin)                                                   \
                     : "cc");                                                                      \
    *r = x;                                                                                        \
    *fo = f;                                                                                       \
  }
/* unary: x = op x (b ignored) */
#define UN(NAME, MN, T, SUF)                                                                       \
  static void NAME(u64 a, u64 b, u64 fin, u64 *r, u64 *fo) {                                       \
    T x = (T)a;                                                                                    \
    u64 f;                                                                                         \
    (void)b;                                                                                       \
    __asm__ volatile(PRE MN SUF " %[x]" POST : [x] "+r"(x), [f] "=&r"(f) : [fi] "r"(fin) : "cc"); \
    *r = x;                                                                                        \
    *fo = f;                                                                                       \
  }
/* shift/rotate by CL: x = x op cl */
#define SH(NAME, MN, T, SUF)                                                                       \
  static void NAME(u64 a, u64 b, u64 fin, u64 *r, u64 *fo) {                                       \
    T x = (T)a;                                                                                    \
    u8 c = (u8)b;                                                                                  \
    u64 f;                                                                                         \
    __asm__ volatile(PRE MN SUF " %%cl, %[x]" POST                                               \
                     : [x] "+r"(x), [f] "=&r"(f)                                                   \
                     : "c"(c), [fi] "r"(fin)                                                       \
                     : "cc");                                                                      \
    *r = x;                                                                                        \
    *fo = f;                                                                                       \
  }
/* double shift: x = shXd(x, y, cl); r2 unused */
#define DSH(NAME, MN, T, SUF)                                                                      \
  static void NAME(u64 a, u64 b, u64 cnt, u64 fin, u64 *r, u64 *r2, u64 *fo) {                     \
    T x = (T)a, y = (T)b;                                                                          \
    u8 c = (u8)cnt;                                                                                \
    u64 f;                                                                                         \
    __asm__ volatile(PRE MN SUF " %%cl, %[y], %[x]" POST                                         \
                     : [x] "+r"(x), [f] "=&r"(f)                                                   \
                     : [y] "r"(y), "c"(c), [fi] "r"(fin)                                           \
                     : "cc");                                                                      \
    *r = x;                                                                                        \
    *r2 = 0;                                                                                       \
    *fo = f;                                                                                       \
  }
/* x preset to b (destination), then x = op(a): BSF/BSR/TZCNT/LZCNT/POPCNT */
#define SCAN(NAME, MN, T, SUF)                                                                     \
  static void NAME(u64 a, u64 b, u64 fin, u64 *r, u64 *fo) {                                       \
    T x = (T)b, y = (T)a;                                                                          \
    u64 f;                                                                                         \
    __asm__ volatile(PRE MN SUF " %[y], %[x]" POST                                               \
                     : [x] "+r"(x), [f] "=&r"(f)                                                   \
                     : [y] "r"(y), [fi] "r"(fin)                                                   \
                     : "cc");                                                                      \
    *r = x;                                                                                        \
    *fo = f;                                                                                       \
  }
/* one-operand MUL/IMUL: ext:acc = acc * src (size 1: AH:AL = AL * src) */
#define MUL1(NAME, MN, T, SUF)                                                                     \
  static void NAME(u64 a, u64 b, u64 unused, u64 fin, u64 *r, u64 *r2, u64 *fo) {                  \
    u64 rax = a, rdx = 0x5a5a5a5a5a5a5a5aULL, f;                                                  \
    T y = (T)b;                                                                                    \
    (void)unused;                                                                                  \
    __asm__ volatile(PRE MN SUF " %[y]" POST                                                     \
                     : "+a"(rax), "+d"(rdx), [f] "=&r"(f)                                          \
                     : [y] "r"(y), [fi] "r"(fin)                                                   \
                     : "cc");                                                                      \
    if (sizeof(T) == 1) {                                                                          \
      *r = rax & 0xff;                                                                             \
      *r2 = (rax >> 8) & 0xff;                                                                     \
    } else {                                                                                       \
      *r = rax & (T)~(T)0;                                                                         \
      *r2 = rdx & (T)~(T)0;                                                                        \
    }                                                                                              \
    *fo = f;                                                                                       \
  }
/* DIV/IDIV (caller guarantees no #DE): acc, ext, src -> quotient, remainder */
#define DIV1(NAME, MN, T, SUF)                                                                     \
  static void NAME(u64 acc, u64 ext, u64 src, u64 fin, u64 *r, u64 *r2, u64 *fo) {                 \
    u64 rax, rdx = ext, f;                                                                         \
    T y = (T)src;                                                                                  \
    if (sizeof(T) == 1)                                                                            \
      rax = ((ext & 0xff) << 8) | (acc & 0xff);                                                    \
    else                                                                                           \
      rax = acc;                                                                                   \
    __asm__ volatile(PRE MN SUF " %[y]" POST                                                     \
                     : "+a"(rax), "+d"(rdx), [f] "=&r"(f)                                          \
                     : [y] "r"(y), [fi] "r"(fin)                                                   \
                     : "cc");                                                                      \
    if (sizeof(T) == 1) {                                                                          \
      *r = rax & 0xff;                                                                             \
      *r2 = (rax >> 8) & 0xff;                                                                     \
    } else {                                                                                       \
      *r = rax & (T)~(T)0;                                                                         \
      *r2 = rdx & (T)~(T)0;                                                                        \
    }                                                                                              \
    *fo = f;                                                                                       \
  }
/* CMPXCHG: acc, dest, src -> acc', dest' */
#define CX(NAME, MN, T, SUF)                                                                       \
  static void NAME(u64 acc, u64 dest, u64 src, u64 fin, u64 *r, u64 *r2, u64 *fo) {                \
    T a = (T)acc, x = (T)dest, y = (T)src;                                                         \
    u64 f;                                                                                         \
    __asm__ volatile(PRE MN SUF " %[y], %[x]" POST                                               \
                     : "+a"(a), [x] "+r"(x), [f] "=&r"(f)                                          \
                     : [y] "r"(y), [fi] "r"(fin)                                                   \
                     : "cc");                                                                      \
    *r = a;                                                                                        \
    *r2 = x;                                                                                       \
    *fo = f;                                                                                       \
  }
/* XADD: dest, src -> dest', src' */
#define XA(NAME, MN, T, SUF)                                                                       \
  static void NAME(u64 dest, u64 src, u64 unused, u64 fin, u64 *r, u64 *r2, u64 *fo) {             \
    T x = (T)dest, y = (T)src;                                                                     \
    u64 f;                                                                                         \
    (void)unused;                                                                                  \
    __asm__ volatile(PRE MN SUF " %[y], %[x]" POST                                               \
                     : [x] "+r"(x), [y] "+r"(y), [f] "=&r"(f)                                      \
                     : [fi] "r"(fin)                                                               \
                     : "cc");                                                                      \
    *r = x;                                                                                        \
    *r2 = y;                                                                                       \
    *fo = f;                                                                                       \
  }

#define ALL4(M, name, mn)                                                                          \
  M(name##_1, mn, u8, "b") M(name##_2, mn, u16, "w") M(name##_4, mn, u32, "l") M(name##_8, mn, u64, "q")
#define ALL3(M, name, mn) M(name##_2, mn, u16, "w") M(name##_4, mn, u32, "l") M(name##_8, mn, u64, "q")
#define TAB4(name) {name##_1, name##_2, 0, name##_4, 0, 0, 0, name##_8}
#define TAB3(name) {0, name##_2, 0, name##_4, 0, 0, 0, name##_8}

ALL4(BIN, add, "add") ALL4(BIN, or, "or") ALL4(BIN, adc, "adc") ALL4(BIN, sbb, "sbb")
ALL4(BIN, and, "and") ALL4(BIN, sub, "sub") ALL4(BIN, xor, "xor") ALL4(BIN, cmp, "cmp")
ALL4(BIN, test, "test")
ALL4(UN, inc, "inc") ALL4(UN, dec, "dec") ALL4(UN, not, "not") ALL4(UN, neg, "neg")
ALL4(SH, rol, "rol") ALL4(SH, ror, "ror") ALL4(SH, rcl, "rcl") ALL4(SH, rcr, "rcr")
ALL4(SH, shl, "shl") ALL4(SH, shr, "shr") ALL4(SH, sar, "sar")
ALL3(DSH, shld, "shld") ALL3(DSH, shrd, "shrd")
ALL3(BIN, bt, "bt") ALL3(BIN, bts, "bts") ALL3(BIN, btr, "btr") ALL3(BIN, btc, "btc")
ALL3(SCAN, bsf, "bsf") ALL3(SCAN, bsr, "bsr") ALL3(SCAN, tzcnt, "tzcnt") ALL3(SCAN, lzcnt, "lzcnt")
ALL3(SCAN, popcnt, "popcnt")
ALL4(MUL1, mul, "mul") ALL4(MUL1, imul1, "imul")
ALL3(BIN, imul2, "imul")
ALL4(DIV1, div, "div") ALL4(DIV1, idiv, "idiv")
ALL4(CX, cmpxchg, "cmpxchg") ALL4(XA, xadd, "xadd")

/* SETcc */
#define SETCC(N, MN)                                                                               \
  static u64 set_##N(u64 fin) {                                                                    \
    u8 v;                                                                                          \
    __asm__ volatile("pushq %[fi]\n\tpopfq\n\t" MN " %[v]" : [v] "=r"(v) : [fi] "r"(fin) : "cc"); \
    return v;                                                                                      \
  }
SETCC(0, "seto") SETCC(1, "setno") SETCC(2, "setb") SETCC(3, "setae") SETCC(4, "sete")
SETCC(5, "setne") SETCC(6, "setbe") SETCC(7, "seta") SETCC(8, "sets") SETCC(9, "setns")
SETCC(10, "setp") SETCC(11, "setnp") SETCC(12, "setl") SETCC(13, "setge") SETCC(14, "setle")
SETCC(15, "setg")
static u64 (*const setcc[16])(u64) = {set_0, set_1, set_2,  set_3,  set_4,  set_5,  set_6,  set_7,
                                      set_8, set_9, set_10, set_11, set_12, set_13, set_14, set_15};

/* ---- value sets ------------------------------------------------------------------------------- */
static int edges(int size, u64 *out) {
  u64 m = maskof(size), s = 1ULL << (size * 8 - 1);
  u64 cand[] = {0,      1,          2,          3,          s - 1,      s,          s + 1,
                m,      m - 1,      0x5555555555555555ULL & m,         0xaaaaaaaaaaaaaaaaULL & m,
                0x0f,   0x10,       0x7f,       0x80,       0xff,       0x100,      0x7fff,
                0x8000, 0xffff,     0x10000,    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
                0xffffffff80000000ULL,          0x80000000ffffffffULL};
  int n = 0;
  for (unsigned i = 0; i < sizeof cand / sizeof cand[0]; i++) {
    u64 v = cand[i] & m;
    int dup = 0;
    for (int j = 0; j < n; j++)
      if (out[j] == v) dup = 1;
    if (!dup) out[n++] = v;
  }
  return n;
}

static FILE *fo_;
static void emit2(const char *op, int size, u64 fin, u64 a, u64 b, int nb, u64 r, u64 f) {
  if (nb)
    fprintf(fo_, "%s %d %llx %llx %llx = %llx %llx\n", op, size, (unsigned long long)(fin & ST),
            (unsigned long long)a, (unsigned long long)b, (unsigned long long)r,
            (unsigned long long)(f & ST));
  else
    fprintf(fo_, "%s %d %llx %llx = %llx %llx\n", op, size, (unsigned long long)(fin & ST),
            (unsigned long long)a, (unsigned long long)r, (unsigned long long)(f & ST));
}
static void emit3(const char *op, int size, u64 fin, u64 a, u64 b, u64 c, int nc, u64 r, u64 r2,
                  int nr2, u64 f) {
  fprintf(fo_, "%s %d %llx %llx %llx", op, size, (unsigned long long)(fin & ST),
          (unsigned long long)a, (unsigned long long)b);
  if (nc) fprintf(fo_, " %llx", (unsigned long long)c);
  fprintf(fo_, " = %llx", (unsigned long long)r);
  if (nr2) fprintf(fo_, " %llx", (unsigned long long)r2);
  fprintf(fo_, " %llx\n", (unsigned long long)(f & ST));
}

static const u64 FLAGSETS[] = {0, ST, 1, 0x8d4};

static FILE *open_out(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  return f;
}

/* ---- generators ------------------------------------------------------------------------------- */
static void gen_binary(void) {
  struct { const char *n; fn2 t[8]; int cf; } ops[] = {
      {"add", TAB4(add), 0}, {"or", TAB4(or), 0},   {"adc", TAB4(adc), 1}, {"sbb", TAB4(sbb), 1},
      {"and", TAB4(and), 0}, {"sub", TAB4(sub), 0}, {"xor", TAB4(xor), 0}, {"cmp", TAB4(cmp), 0},
      {"test", TAB4(test), 0}};
  for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (int size = 1; size <= 8; size *= 2) {
      u64 e[32], m = maskof(size), r, f;
      int n = edges(size, e);
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
          /* edge pairs: flags-in cycles through clear / all status / CF / all but CF */
          u64 fin = FLAGSETS[(i + j + (i >> 1)) & 3];
          ops[o].t[size - 1](e[i], e[j], fin, &r, &f);
          emit2(ops[o].n, size, fin, e[i], e[j], 1, r & m, f);
        }
      for (int k = 0; k < 200; k++) {
        u64 a = rval() & m, b = rval() & m, fin = rflags();
        ops[o].t[size - 1](a, b, fin, &r, &f);
        emit2(ops[o].n, size, fin, a, b, 1, r & m, f);
      }
    }
}

static void gen_unary(void) {
  struct { const char *n; fn2 t[8]; } ops[] = {
      {"inc", TAB4(inc)}, {"dec", TAB4(dec)}, {"not", TAB4(not)}, {"neg", TAB4(neg)}};
  for (unsigned o = 0; o < 4; o++)
    for (int size = 1; size <= 8; size *= 2) {
      u64 e[32], m = maskof(size), r, f;
      int n = edges(size, e);
      for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++) {
          ops[o].t[size - 1](e[i], 0, FLAGSETS[k], &r, &f);
          emit2(ops[o].n, size, FLAGSETS[k], e[i], 0, 0, r & m, f);
        }
      for (int k = 0; k < 200; k++) {
        u64 a = rval() & m, fin = rflags();
        ops[o].t[size - 1](a, 0, fin, &r, &f);
        emit2(ops[o].n, size, fin, a, 0, 0, r & m, f);
      }
    }
}

static void gen_shift(void) {
  struct { const char *n; fn2 t[8]; } ops[] = {{"rol", TAB4(rol)}, {"ror", TAB4(ror)},
                                               {"rcl", TAB4(rcl)}, {"rcr", TAB4(rcr)},
                                               {"shl", TAB4(shl)}, {"shr", TAB4(shr)},
                                               {"sar", TAB4(sar)}};
  static const int extra[] = {0x7f, 0x80, 0x81, 0x9f, 0xa0, 0xc1, 0xe0, 0xff};
  for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (int size = 1; size <= 8; size *= 2) {
      u64 m = maskof(size), s = 1ULL << (size * 8 - 1), r, f;
      u64 vals[6] = {1, s, m, 0xaaaaaaaaaaaaaaaaULL & m, s | 1, (0x0123456789abcdefULL & m)};
      int nc = 66 + (int)(sizeof extra / sizeof extra[0]);
      for (int v = 0; v < 6; v++)
        for (int ci = 0; ci < nc; ci++) {
          int c = ci < 66 ? ci : extra[ci - 66];
          u64 fin = FLAGSETS[(v + ci) & 3];
          ops[o].t[size - 1](vals[v], c, fin, &r, &f);
          emit2(ops[o].n, size, fin, vals[v], c, 1, r & m, f);
          if (c == 0 || c == 1) { /* count 0 / 1: every flag-in pattern */
            for (int k = 0; k < 4; k++) {
              if (k == ((v + ci) & 3)) continue;
              ops[o].t[size - 1](vals[v], c, FLAGSETS[k], &r, &f);
              emit2(ops[o].n, size, FLAGSETS[k], vals[v], c, 1, r & m, f);
            }
          }
        }
      for (int k = 0; k < 160; k++) {
        u64 a = rval() & m, c = (k & 1) ? (rnd() & 0xff) : (rnd() % (size * 8 + 2)), fin = rflags();
        ops[o].t[size - 1](a, c, fin, &r, &f);
        emit2(ops[o].n, size, fin, a, c, 1, r & m, f);
      }
    }
}

static void gen_dshift(void) {
  struct { const char *n; fn3 t[8]; } ops[] = {{"shld", TAB3(shld)}, {"shrd", TAB3(shrd)}};
  for (unsigned o = 0; o < 2; o++)
    for (int size = 2; size <= 8; size *= 2) {
      u64 m = maskof(size), s = 1ULL << (size * 8 - 1), r, r2, f;
      u64 da[4] = {0x0123456789abcdefULL & m, s, m, 1};
      u64 db[3] = {0xfedcba9876543210ULL & m, 0, s | 1};
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
          for (int c = 0; c < 66; c++) {
            u64 fin = FLAGSETS[(i + j + c) & 3];
            ops[o].t[size - 1](da[i], db[j], c, fin, &r, &r2, &f);
            emit3(ops[o].n, size, fin, da[i], db[j], c, 1, r & m, 0, 0, f);
          }
      for (int k = 0; k < 300; k++) {
        u64 a = rval() & m, b = rval() & m, fin = rflags();
        u64 c = (k & 1) ? (rnd() & 0xff) : (rnd() % (size * 8 + 2));
        ops[o].t[size - 1](a, b, c, fin, &r, &r2, &f);
        emit3(ops[o].n, size, fin, a, b, c, 1, r & m, 0, 0, f);
      }
    }
}

static void gen_bt(void) {
  struct { const char *n; fn2 t[8]; } ops[] = {
      {"bt", TAB3(bt)}, {"bts", TAB3(bts)}, {"btr", TAB3(btr)}, {"btc", TAB3(btc)}};
  for (unsigned o = 0; o < 4; o++)
    for (int size = 2; size <= 8; size *= 2) {
      u64 m = maskof(size), r, f;
      u64 vals[3] = {0x0123456789abcdefULL & m, 0, m};
      for (int v = 0; v < 3; v++)
        for (int b = 0; b < size * 8 + 4; b++) {
          u64 fin = FLAGSETS[(v + b) & 3];
          ops[o].t[size - 1](vals[v], b, fin, &r, &f);
          emit2(ops[o].n, size, fin, vals[v], b, 1, r & m, f);
        }
      for (int k = 0; k < 150; k++) {
        u64 a = rval() & m, b = rval() & m, fin = rflags();
        ops[o].t[size - 1](a, b, fin, &r, &f);
        emit2(ops[o].n, size, fin, a, b, 1, r & m, f);
      }
    }
}

static void gen_scan(void) {
  struct { const char *n; fn2 t[8]; } ops[] = {{"bsf", TAB3(bsf)},
                                               {"bsr", TAB3(bsr)},
                                               {"tzcnt", TAB3(tzcnt)},
                                               {"lzcnt", TAB3(lzcnt)},
                                               {"popcnt", TAB3(popcnt)}};
  for (unsigned o = 0; o < 5; o++)
    for (int size = 2; size <= 8; size *= 2) {
      u64 m = maskof(size), r, f;
      /* zero source with several destinations and every flag pattern */
      u64 dests[3] = {0, 0x0123456789abcdefULL & m, m};
      for (int d = 0; d < 3; d++)
        for (int k = 0; k < 4; k++) {
          ops[o].t[size - 1](0, dests[d], FLAGSETS[k], &r, &f);
          emit2(ops[o].n, size, FLAGSETS[k], 0, dests[d], 1, r & m, f);
        }
      for (int b = 0; b < size * 8; b++) {
        u64 fin = FLAGSETS[b & 3];
        u64 v = 1ULL << b;
        ops[o].t[size - 1](v, 0x1234 & m, fin, &r, &f);
        emit2(ops[o].n, size, fin, v, 0x1234 & m, 1, r & m, f);
        v = (m << b) & m;
        ops[o].t[size - 1](v, 0x1234 & m, fin ^ ST, &r, &f);
        emit2(ops[o].n, size, fin ^ ST, v, 0x1234 & m, 1, r & m, f);
        v = m >> b;
        ops[o].t[size - 1](v, 0x1234 & m, fin ^ 1, &r, &f);
        emit2(ops[o].n, size, fin ^ 1, v, 0x1234 & m, 1, r & m, f);
      }
      for (int k = 0; k < 150; k++) {
        u64 a = rval() & m, d = rval() & m, fin = rflags();
        ops[o].t[size - 1](a, d, fin, &r, &f);
        emit2(ops[o].n, size, fin, a, d, 1, r & m, f);
      }
    }
}

static void gen_mul(void) {
  struct { const char *n; fn3 t[8]; } ops[] = {{"mul", TAB4(mul)}, {"imul1", TAB4(imul1)}};
  for (unsigned o = 0; o < 2; o++)
    for (int size = 1; size <= 8; size *= 2) {
      u64 e[32], m = maskof(size), r, r2, f;
      int n = edges(size, e);
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
          u64 fin = FLAGSETS[(i + j) & 3];
          ops[o].t[size - 1](e[i], e[j], 0, fin, &r, &r2, &f);
          emit3(ops[o].n, size, fin, e[i], e[j], 0, 0, r, r2, 1, f);
        }
      for (int k = 0; k < 300; k++) {
        u64 a = rval() & m, b = rval() & m, fin = rflags();
        ops[o].t[size - 1](a, b, 0, fin, &r, &r2, &f);
        emit3(ops[o].n, size, fin, a, b, 0, 0, r, r2, 1, f);
      }
    }
  /* two-operand IMUL (the three-operand immediate forms compute the same) */
  fn2 t2[8] = TAB3(imul2);
  for (int size = 2; size <= 8; size *= 2) {
    u64 e[32], m = maskof(size), r, f;
    int n = edges(size, e);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        u64 fin = FLAGSETS[(i + j) & 3];
        t2[size - 1](e[i], e[j], fin, &r, &f);
        emit2("imul2", size, fin, e[i], e[j], 1, r & m, f);
      }
    for (int k = 0; k < 300; k++) {
      u64 a = rval() & m, b = rval() & m, fin = rflags();
      t2[size - 1](a, b, fin, &r, &f);
      emit2("imul2", size, fin, a, b, 1, r & m, f);
    }
  }
}

static i128 sext(u64 v, int bits) {
  if (bits == 64) return (i128)(int64_t)v;
  u64 s = 1ULL << (bits - 1);
  return (i128)(int64_t)((v ^ s) - s);
}

/* returns 1 if the division faults (#DE) */
static int div_faults(int sign, int size, u64 acc, u64 ext, u64 src) {
  int w = size * 8;
  u64 m = maskof(size);
  acc &= m;
  ext &= m;
  src &= m;
  if (src == 0) return 1;
  if (!sign) {
    u128 d = ((u128)ext << w) | acc;
    u128 q = d / src;
    return q > m;
  }
  /* signed dividend of 2w bits */
  i128 d;
  if (w == 64)
    d = (i128)(((u128)ext << 64) | acc);
  else {
    u64 raw = (ext << w) | acc;
    d = sext(raw, 2 * w);
  }
  i128 s = sext(src, w);
  i128 q;
  if (s == -1) {
    if (w == 64 && d == (i128)((u128)1 << 127)) return 1;
    q = -d;
  } else
    q = d / s;
  i128 lo = -((i128)1 << (w - 1)), hi = ((i128)1 << (w - 1)) - 1;
  return q < lo || q > hi;
}

static void gen_div(void) {
  struct { const char *n; fn3 t[8]; int sign; } ops[] = {{"div", TAB4(div), 0},
                                                        {"idiv", TAB4(idiv), 1}};
  for (unsigned o = 0; o < 2; o++)
    for (int size = 1; size <= 8; size *= 2) {
      u64 e[32], m = maskof(size), s = 1ULL << (size * 8 - 1), r, r2, f;
      int n = edges(size, e);
      u64 exts[6] = {0, 1, s - 1, s, m, m - 1};
      u64 accs[8] = {0, 1, s - 1, s, m, 0x5555555555555555ULL & m, 0x0123456789abcdefULL & m, 7};
      int cnt = 0;
      for (int x = 0; x < 6; x++)
        for (int a = 0; a < 8; a++)
          for (int j = 0; j < n; j++) {
            u64 fin = FLAGSETS[cnt++ & 3];
            if (div_faults(ops[o].sign, size, accs[a], exts[x], e[j])) {
              fprintf(fo_, "%s %d %llx %llx %llx %llx = DE\n", ops[o].n, size,
                      (unsigned long long)fin, (unsigned long long)accs[a],
                      (unsigned long long)exts[x], (unsigned long long)e[j]);
              continue;
            }
            ops[o].t[size - 1](accs[a], exts[x], e[j], fin, &r, &r2, &f);
            emit3(ops[o].n, size, fin, accs[a], exts[x], e[j], 1, r, r2, 1, f);
          }
      for (int k = 0; k < 400; k++) {
        u64 a = rval() & m, x = rval() & m, d = rval() & m, fin = rflags();
        if (k & 1) { /* mostly non-faulting: small |ext| */
          if (ops[o].sign)
            x = (a & s) ? m : 0;
          else
            x = d ? (x % d) : x;
        }
        if (div_faults(ops[o].sign, size, a, x, d)) {
          fprintf(fo_, "%s %d %llx %llx %llx %llx = DE\n", ops[o].n, size, (unsigned long long)fin,
                  (unsigned long long)a, (unsigned long long)x, (unsigned long long)d);
          continue;
        }
        ops[o].t[size - 1](a, x, d, fin, &r, &r2, &f);
        emit3(ops[o].n, size, fin, a, x, d, 1, r, r2, 1, f);
      }
    }
}

static void gen_cmpxchg_xadd(void) {
  fn3 cx[8] = TAB4(cmpxchg), xa[8] = TAB4(xadd);
  for (int size = 1; size <= 8; size *= 2) {
    u64 e[32], m = maskof(size), r, r2, f;
    int n = edges(size, e);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        u64 fin = FLAGSETS[(i + j) & 3], src = 0x0123456789abcdefULL & m;
        cx[size - 1](e[i], e[j], src, fin, &r, &r2, &f);
        emit3("cmpxchg", size, fin, e[i], e[j], src, 1, r, r2, 1, f);
        xa[size - 1](e[i], e[j], 0, fin, &r, &r2, &f);
        emit3("xadd", size, fin, e[i], e[j], 0, 0, r, r2, 1, f);
      }
    for (int k = 0; k < 100; k++) {
      u64 a = rval() & m, d = (k & 1) ? a : (rval() & m), s = rval() & m, fin = rflags();
      cx[size - 1](a, d, s, fin, &r, &r2, &f);
      emit3("cmpxchg", size, fin, a, d, s, 1, r, r2, 1, f);
    }
  }
}

static void gen_setcc(void) {
  for (int cc = 0; cc < 16; cc++)
    for (u64 k = 0; k < 64; k++) {
      /* spread 6 bits over CF PF AF ZF SF OF */
      u64 fin = (k & 1) | ((k >> 1 & 1) << 2) | ((k >> 2 & 1) << 4) | ((k >> 3 & 1) << 6) |
                ((k >> 4 & 1) << 7) | ((k >> 5 & 1) << 11);
      fprintf(fo_, "setcc 1 %llx %x = %llx\n", (unsigned long long)fin, cc,
              (unsigned long long)setcc[cc](fin));
    }
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  {
    /* LZCNT/TZCNT decode as BSR/BSF (REP ignored) on CPUs without ABM/BMI1: refuse to record those */
    u64 r, f;
    lzcnt_4(0, 0x1234, 0, &r, &f);
    u64 r2;
    tzcnt_4(0, 0x1234, 0, &r2, &f);
    if (r != 32 || r2 != 32) {
      fprintf(stderr, "vectors: CPU lacks LZCNT/TZCNT (got %llu/%llu)\n", (unsigned long long)r,
              (unsigned long long)r2);
      return 1;
    }
  }
  fo_ = open_out(dir, "binary.txt"); gen_binary(); fclose(fo_);
  fo_ = open_out(dir, "unary.txt"); gen_unary(); fclose(fo_);
  fo_ = open_out(dir, "shift.txt"); gen_shift(); gen_dshift(); fclose(fo_);
  fo_ = open_out(dir, "bits.txt"); gen_bt(); gen_scan(); fclose(fo_);
  fo_ = open_out(dir, "muldiv.txt"); gen_mul(); gen_div(); fclose(fo_);
  fo_ = open_out(dir, "misc.txt"); gen_cmpxchg_xadd(); gen_setcc(); fclose(fo_);
  return 0;
}

// CPU feature set (a CPUID-like switch board) deciding feature-dependent decodes and executions.

/**
 * The CPUID features the emulator honours (a switch board, not a CPUID leaf): an instruction whose
 * feature is off decodes as #UD, as on a CPU without it. Start from {@link REFERENCE_CPU} and change
 * fields with {@link withFeatures}. Fields are CPUID flags by name (SDM Vol. 2A, CPUID), except
 * `amdDecoding`, which picks AMD's decoding where Intel's and AMD's differ.
 */
export interface CpuFeatures {
  readonly sse: boolean;
  readonly sse2: boolean;
  readonly sse3: boolean;
  readonly ssse3: boolean;
  readonly sse41: boolean;
  readonly sse42: boolean;
  readonly sse4a: boolean;
  readonly avx: boolean;
  readonly avx2: boolean;
  readonly avx512: boolean;
  readonly bmi1: boolean;
  readonly bmi2: boolean;
  /** ABM/LZCNT: F3 0F BD is LZCNT (else BSR with an ignored REP prefix). */
  readonly lzcnt: boolean;
  /** F3 0F BC is TZCNT when BMI1 is present (else BSF). */
  readonly popcnt: boolean;
  readonly movbe: boolean;
  readonly adx: boolean;
  readonly cx8: boolean;
  readonly cx16: boolean;
  readonly xop: boolean;
  readonly threeDNow: boolean;
  /** AMD decoding: 66 honoured on near branches in 64-bit mode, UD0 without ModRM. */
  readonly amdDecoding: boolean;
}

/**
 * The reference CPU: the AMD EPYC this project validates against, restricted to the feature set
 * the project documents (avx, avx2, bmi1, bmi2, lzcnt, popcnt, movbe, adx, cx16, sse4.2).
 * AVX-512, XOP, SSE4a and 3DNow! are off: those encodings raise #UD.
 */
export const REFERENCE_CPU: CpuFeatures = Object.freeze({
  sse: true,
  sse2: true,
  sse3: true,
  ssse3: true,
  sse41: true,
  sse42: true,
  sse4a: false,
  avx: true,
  avx2: true,
  avx512: false,
  bmi1: true,
  bmi2: true,
  lzcnt: true,
  popcnt: true,
  movbe: true,
  adx: true,
  cx8: true,
  cx16: true,
  xop: false,
  threeDNow: false,
  amdDecoding: true,
});

/** A copy of `base` with some features changed. */
export function withFeatures(base: CpuFeatures, changes: Partial<CpuFeatures>): CpuFeatures {
  return Object.freeze({ ...base, ...changes });
}

// CPU feature set (a CPUID-like switch board) deciding feature-dependent decodes and executions.

/**
 * The CPUID features the emulator honours (a switch board, not a CPUID leaf): an instruction whose
 * feature is off decodes as #UD, as on a CPU without it. Start from {@link REFERENCE_CPU} and change
 * fields with {@link withFeatures}. Fields are CPUID flags by name (SDM Vol. 2A, CPUID), except
 * `amdDecoding`, which picks AMD's decoding where Intel's and AMD's differ.
 */
export interface CpuFeatures {
  /** SSE: CPUID.01H:EDX[25]. */
  readonly sse: boolean;
  /** SSE2: CPUID.01H:EDX[26]. */
  readonly sse2: boolean;
  /** SSE3: CPUID.01H:ECX[0]. */
  readonly sse3: boolean;
  /** SSSE3: CPUID.01H:ECX[9]. */
  readonly ssse3: boolean;
  /** SSE4.1: CPUID.01H:ECX[19]. */
  readonly sse41: boolean;
  /** SSE4.2 (CRC32, PCMPxSTRx): CPUID.01H:ECX[20]. */
  readonly sse42: boolean;
  /** AMD SSE4a (EXTRQ, INSERTQ, MOVNTSx): CPUID.80000001H:ECX[6]. */
  readonly sse4a: boolean;
  /** AVX (VEX-encoded 128/256-bit forms): CPUID.01H:ECX[28]. */
  readonly avx: boolean;
  /** AVX2: CPUID.(EAX=07H,ECX=0):EBX[5]. */
  readonly avx2: boolean;
  /** AVX-512 (EVEX encodings), AVX512F: CPUID.(EAX=07H,ECX=0):EBX[16]. */
  readonly avx512: boolean;
  /** BMI1 (ANDN, BEXTR, BLSx; F3 0F BC is TZCNT, else BSF): CPUID.(EAX=07H,ECX=0):EBX[3]. */
  readonly bmi1: boolean;
  /** BMI2 (BZHI, PDEP, PEXT, MULX, RORX, SARX/SHLX/SHRX): CPUID.(EAX=07H,ECX=0):EBX[8]. */
  readonly bmi2: boolean;
  /** ABM/LZCNT: F3 0F BD is LZCNT (else BSR with an ignored REP prefix); CPUID.80000001H:ECX[5]. */
  readonly lzcnt: boolean;
  /** POPCNT (F3 0F B8): CPUID.01H:ECX[23]. */
  readonly popcnt: boolean;
  /** MOVBE (0F 38 F0/F1): CPUID.01H:ECX[22]. */
  readonly movbe: boolean;
  /** ADX (ADCX, ADOX): CPUID.(EAX=07H,ECX=0):EBX[19]. */
  readonly adx: boolean;
  /** CMPXCHG8B: CPUID.01H:EDX[8]. */
  readonly cx8: boolean;
  /** CMPXCHG16B: CPUID.01H:ECX[13]. */
  readonly cx16: boolean;
  /** AMD XOP encodings: CPUID.80000001H:ECX[11]. */
  readonly xop: boolean;
  /** AMD 3DNow! (0F 0F): CPUID.80000001H:EDX[31]. */
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

// Long x86emu campaign for `npm run fuzz`: decoder vs iced-x86 on random and structured byte strings
// in 16/32/64-bit modes (zero mismatches expected), plus execution totality on random instructions
// in every mode (never a throw).
import { CpuState, MODE_COMPAT32, MODE_LONG64, MODE_PROT16, MODE_PROT32, MODE_REAL, MODE_V86, X86Emulator, X86EMUL_OKAY, X86EMUL_EXCEPTION, type EmulateContext, type X86EmulateOps } from '../src/x86emu/index.js';
import { DecoderOracle, newStats, Rng, structuredBytes, type Bitness } from './x86emu-oracle.js';

class SmallMemory implements X86EmulateOps {
  readonly mem = new Uint8Array(0x10000);
  read(lo: number, hi: number, size: number, dst: Uint8Array, c: EmulateContext): number {
    if (hi !== 0 || lo + size > this.mem.length) { c.event.pageFault(0, lo, hi); return X86EMUL_EXCEPTION; }
    dst.set(this.mem.subarray(lo, lo + size));
    return X86EMUL_OKAY;
  }
  write(lo: number, hi: number, size: number, src: Uint8Array, c: EmulateContext): number {
    if (hi !== 0 || lo + size > this.mem.length) { c.event.pageFault(2, lo, hi); return X86EMUL_EXCEPTION; }
    this.mem.set(src.subarray(0, size), lo);
    return X86EMUL_OKAY;
  }
  cmpxchg(lo: number, hi: number, size: number, _o: Uint8Array, n: Uint8Array, _l: boolean, c: EmulateContext): number {
    return this.write(lo, hi, size, n, c);
  }
  insnFetch(): number { return 0; }
  readIo(_p: number, size: number, dst: Uint8Array): number { dst.fill(0xff, 0, size); return X86EMUL_OKAY; }
  writeIo(): number { return X86EMUL_OKAY; }
}

export async function runX86Fuzz(budgetMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + budgetMs;
  const oracle = new DecoderOracle();
  const stats = newStats();
  const rng = new Rng((Date.now() & 0x7fffffff) | 1);
  const seed = rng.next();
  const buf = new Uint8Array(16);
  const bits: Bitness[] = [16, 32, 64];
  let n = 0;
  const decodeUntil = Date.now() + budgetMs * 0.8;
  while (Date.now() < decodeUntil) {
    for (let k = 0; k < 2000; k++, n++) {
      const b = bits[n % 3]!;
      if (n & 1) structuredBytes(rng, b, buf);
      else for (let i = 0; i < 16; i++) buf[i] = rng.next() & 0xff;
      oracle.check(buf, b, stats);
    }
  }
  // execution totality
  const emu = new X86Emulator();
  const mem = new SmallMemory();
  const modes = [MODE_REAL, MODE_V86, MODE_PROT16, MODE_PROT32, MODE_COMPAT32, MODE_LONG64];
  let executed = 0, throws = 0;
  const kinds: Record<string, number> = {};
  const s = new CpuState();
  while (Date.now() < deadline) {
    for (let k = 0; k < 1000; k++) {
      const mode = modes[rng.below(6)]!;
      const cpl = rng.below(4);
      if (mode === MODE_REAL) s.setRealMode();
      else if (mode === MODE_V86) s.setV86Mode();
      else if (mode === MODE_LONG64) s.setLongMode(cpl);
      else if (mode === MODE_COMPAT32) { s.setLongMode(cpl); s.seg[1]!.attr &= ~(1 << 13); }
      else s.setProtectedMode(mode === MODE_PROT16 ? 16 : 32, cpl);
      for (let r = 0; r < 32; r++) s.gpr[r] = rng.below(4) === 0 ? rng.next() : rng.below(0x10000);
      s.gpr[2] = rng.below(8); s.gpr[3] = 0; // small RCX for REP
      structuredBytes(rng, mode === MODE_LONG64 ? 64 : mode === MODE_PROT32 || mode === MODE_COMPAT32 ? 32 : 16, buf);
      try {
        const r = emu.emulate(s, mem, { insnBytes: buf });
        kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
      } catch {
        throws++;
      }
      executed++;
    }
  }
  return {
    seed,
    decodeCases: stats.cases,
    bothValid: stats.bothValid,
    oursOnlyValid: stats.oursOnly,
    icedOnlyValid: stats.icedOnly,
    mismatches: stats.mismatches,
    firstMismatches: stats.firstMismatches,
    executed,
    throws,
    outcomes: kinds,
    ok: stats.mismatches === 0 && throws === 0,
  };
}

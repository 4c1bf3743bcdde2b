// Allocation check of the emulator's hot path (issue 14): an emulated instruction allocates nothing.
// Each case runs in a child `node --trace-gc --expose-gc` so the count of scavenges (young-generation
// collections, the cost of per-instruction garbage) over millions of instructions is exact, and the
// heap growth over a short run before any collection gives the bytes allocated per instruction.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { AccessContext } from '../src/bus/access.js';
import { MmioBus } from '../src/bus/mmio-bus.js';
import { PortBus } from '../src/bus/port-bus.js';
import { BusEmulateOps } from '../src/x86emu/bus-adapter.js';
import { CpuState, RAX, RCX, RDX } from '../src/x86emu/cpu-state.js';
import { X86Emulator, type EmulateOptions } from '../src/x86emu/emulator.js';
import type { BenchRecord } from './harness.js';

const CHILD_FLAG = '--x86emu-alloc-child';

/** A device register file answering 1/2/4-byte accesses and 8-byte ones in two halves (no bigint). */
class HalvesDevice {
  lo = 0x11223344;
  hi = 0x55667788;
  read(_o: number, _s: number, _c: AccessContext): number {
    return this.lo;
  }
  write(_o: number, _s: number, v: number, _c: AccessContext): void {
    this.lo = v;
  }
  read64(_o: number, _c: AccessContext): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }
  write64(_o: number, v: bigint, _c: AccessContext): void {
    this.lo = Number(v & 0xffffffffn);
    this.hi = Number(v >> 32n);
  }
  read64Halves(_o: number, out: Uint32Array, _c: AccessContext): void {
    out[0] = this.lo;
    out[1] = this.hi;
  }
  write64Halves(_o: number, lo: number, hi: number, _c: AccessContext): void {
    this.lo = lo;
    this.hi = hi;
  }
}

const hex = (h: string): Uint8Array => Uint8Array.from(h.split(' ').map((x) => parseInt(x, 16)));

/** The three cases of the table; each alternates a load and a store. */
export const ALLOC_CASES = {
  /** Instructions fetched from guest RAM at RIP; 4-byte MMIO operand at 0xFED00030 (above 2^31). */
  fetch: { code: ['8b 02', '89 0a'], fetched: true, addr: 0xfed00030 },
  /** Bytes supplied by the exit; the operand is in guest RAM. */
  'ram-operand': { code: ['8b 02', '89 0a'], fetched: false, addr: 0x8000 },
  /** Bytes supplied; 8-byte MMIO operand (`mov rax, [rdx]` / `mov [rdx], rcx`). */
  'mmio-8-byte': { code: ['48 8b 02', '48 89 0a'], fetched: false, addr: 0xfed00038 },
  /** X86Emulator.emulateMmioExit (the exit entry's remembered sites), bytes fetched, 4-byte MMIO. */
  'exit-entry-fetch': { code: ['8b 02', '89 0a'], fetched: true, addr: 0xfed00030, exit: true },
  /** The exit entry, bytes supplied, 8-byte MMIO. */
  'exit-entry-mmio-8-byte': { code: ['48 8b 02', '48 89 0a'], fetched: false, addr: 0xfed00038, exit: true },
} as const;
export type AllocCase = keyof typeof ALLOC_CASES;

/** Builds the case's machine and returns a loop that emulates `n` instructions. */
export function allocLoop(name: AllocCase): (n: number) => number {
  const c = ALLOC_CASES[name];
  const mmio = new MmioBus();
  const ram = new Uint8Array(0x100000);
  mmio.addRam(0, ram);
  mmio.register(0xfed00000, 0x1000, new HalvesDevice(), { owner: 'bench' });
  const ops = new BusEmulateOps(mmio, new PortBus());
  const emu = new X86Emulator();
  const s = new CpuState().setLongMode();
  s.setReg(RDX, c.addr).setReg(RCX, 0x1234).setReg(RAX, 0);
  const load = hex(c.code[0]);
  const store = hex(c.code[1]);
  ram.set(load, 0x1000);
  ram.set(store, 0x2000);
  const optsLoad: EmulateOptions = c.fetched ? {} : { insnBytes: load };
  const optsStore: EmulateOptions = c.fetched ? {} : { insnBytes: store };
  if ('exit' in c) {
    const bLoad = c.fetched ? undefined : load;
    const bStore = c.fetched ? undefined : store;
    return (n: number): number => {
      let k = 0;
      for (let i = 0; i < n; i += 2) {
        s.ripLo = 0x1000;
        if (emu.emulateMmioExit(s, ops, bLoad).kind === 'executed') k++;
        s.ripLo = 0x2000;
        if (emu.emulateMmioExit(s, ops, bStore).kind === 'executed') k++;
      }
      return k;
    };
  }
  return (n: number): number => {
    let k = 0;
    for (let i = 0; i < n; i += 2) {
      s.ripLo = 0x1000;
      if (emu.emulate(s, ops, optsLoad).kind === 'executed') k++;
      s.ripLo = 0x2000;
      if (emu.emulate(s, ops, optsStore).kind === 'executed') k++;
    }
    return k;
  };
}

/** Child: warm up, measure heap growth over a short run, then run `total` instructions. */
function child(name: AllocCase, total: number): void {
  const loop = allocLoop(name);
  loop(200_000);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  // Heap growth over short runs (no collection in between); the least of five, since the heap
  // also grows for reasons of its own (compiled code, feedback) now and then.
  const probe = 20_000;
  let least = Infinity;
  let executed = true;
  for (let i = 0; i < 5; i++) {
    const before = getHeapStatistics().used_heap_size;
    executed &&= loop(probe) === probe;
    least = Math.min(least, getHeapStatistics().used_heap_size - before);
  }
  process.stdout.write(`${CHILD_FLAG} ${JSON.stringify({ bytesPerInsn: Math.max(0, least) / probe, executed })}\n`);
  process.stdout.write(`${CHILD_FLAG} start\n`);
  loop(total);
  process.stdout.write(`${CHILD_FLAG} end\n`);
}

/** Runs one case in a child under --trace-gc: scavenges between the start and end markers, bytes per instruction. */
export function countScavenges(name: AllocCase, total: number): { scavenges: number; bytesPerInsn: number; executed: boolean } {
  const r = spawnSync(process.execPath, ['--trace-gc', '--expose-gc', fileURLToPath(import.meta.url), CHILD_FLAG, name, String(total)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`x86emu-alloc child for ${name} failed: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  const start = lines.indexOf(`${CHILD_FLAG} start`);
  const end = lines.indexOf(`${CHILD_FLAG} end`);
  const probe = JSON.parse(lines.find((l) => l.startsWith(`${CHILD_FLAG} {`))!.slice(CHILD_FLAG.length + 1)) as { bytesPerInsn: number; executed: boolean };
  const scavenges = lines.slice(start, end).filter((l) => l.includes('Scavenge')).length;
  return { scavenges, ...probe };
}

export function benchX86emuAlloc(): BenchRecord[] {
  const total = process.argv.includes('--quick') ? 1_000_000 : 10_000_000;
  return (Object.keys(ALLOC_CASES) as AllocCase[]).map((name) => {
    const r = countScavenges(name, total);
    return {
      case: `x86emu allocation per instruction: ${name}`,
      instructions: total,
      scavenges: r.scavenges,
      bytesPerInsn: Number(r.bytesPerInsn.toFixed(1)),
      allExecuted: r.executed,
      target: '0 scavenges, 0 B',
    };
  });
}

if (process.argv[2] === CHILD_FLAG) child(process.argv[3] as AllocCase, Number(process.argv[4]));

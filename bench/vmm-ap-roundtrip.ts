// An exit's round trip as the guest sees it, on vCPU 0 (served on the device-model thread itself)
// and on vCPU 1 (a worker thread: the exit is posted to the device-model thread and the worker waits
// for its vCPU back; docs/vmm.md, "Threads"). The guest times `in eax, dx` from the PM timer with
// RDTSC on both sides, as Linux's tsc_read_refs does around its HPET/PM-timer read
// (arch/x86/kernel/tsc.c): a sample over SMI_TRESHOLD (50,000 TSC cycles) is thrown away there,
// and the TSC refinement of a CPU whose samples all are never completes.
import { loadavg } from 'node:os';
import { Vm } from '../src/vmm/vm.js';
import { round, type BenchRecord } from './harness.js';

const N = Number(process.env.VMM_AP_SAMPLES ?? 2000);
const ROUNDS = Number(process.env.VMM_BENCH_ROUNDS ?? 3);
const PM_TIMER_PORT = 0x608; // qemu-pc's ACPI PM timer
const EXIT_PORT = 0xf4;
const BSP_CODE = 0x1000;
const AP_CODE = 0x2000; // SIPI vector 2
const SAMPLES = 0x4000; // N little-endian u32 deltas
const SMI_TRESHOLD = 50_000;

/** The timing loop, 32-bit flat (vCPU 0): EDI walks the sample array; then `out 0xf4`. */
function loop32(): number[] {
  const b = [0xba, PM_TIMER_PORT & 0xff, PM_TIMER_PORT >> 8, 0, 0, 0xb9, N & 0xff, N >> 8, 0, 0, 0xbf, 0, SAMPLES >> 8, 0, 0];
  const top = b.length;
  // rdtsc; mov esi, eax; in eax, dx; rdtsc; sub eax, esi; mov [edi], eax; add edi, 4; dec ecx; jnz top
  b.push(0x0f, 0x31, 0x89, 0xc6, 0xed, 0x0f, 0x31, 0x29, 0xf0, 0x89, 0x07, 0x83, 0xc7, 0x04, 0x49);
  b.push(0x75, (top - (b.length + 2)) & 0xff);
  b.push(0xe6, EXIT_PORT);
  return b;
}

/** The same loop in real mode (vCPU 1 after SIPI), 32-bit operands by prefix, DS = 0. */
function loop16(): number[] {
  const b = [0xba, PM_TIMER_PORT & 0xff, PM_TIMER_PORT >> 8, 0xb9, N & 0xff, N >> 8, 0xbf, 0, SAMPLES >> 8];
  const top = b.length;
  b.push(0x0f, 0x31, 0x66, 0x89, 0xc6, 0x66, 0xed, 0x0f, 0x31, 0x66, 0x29, 0xf0, 0x66, 0x89, 0x05, 0x83, 0xc7, 0x04, 0x49);
  b.push(0x75, (top - (b.length + 2)) & 0xff);
  b.push(0xe6, EXIT_PORT);
  return b;
}

/** vCPU 0: INIT + SIPI (vector 2) to APIC ID 1 through the xAPIC ICR, then `cli; hlt` for good. */
const START_AP_AND_HALT = [
  ...[0xc7, 0x05, 0x10, 0x03, 0xe0, 0xfe, 0, 0, 0, 1], // mov dword [0xfee00310], 1 << 24
  ...[0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0, 0], // mov dword [0xfee00300], 0x4500 (INIT)
  ...[0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x02, 0x46, 0, 0], // mov dword [0xfee00300], 0x4602 (SIPI 2)
  ...[0xfa, 0xf4, 0xeb, 0xfd], // cli; hlt; jmp $-3
];

async function sample(onAp: boolean): Promise<number[]> {
  const vm = Vm.create({ profile: 'qemu-pc', vcpus: onAp ? 2 : 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 120 });
  try {
    vm.platform.ports.register(EXIT_PORT, 1, { read: () => 0, write: () => vm.stop({ kind: 'debug-exit', code: 0 }) }, { owner: 'bench-exit' });
    vm.ram.set(onAp ? START_AP_AND_HALT : loop32(), BSP_CODE);
    if (onAp) vm.ram.set(loop16(), AP_CODE);
    vm.setBootState({ mode: 'protected32', rip: BSP_CODE, regs: {} });
    const stop = await vm.run();
    if (stop.kind !== 'debug-exit') throw new Error(`the timing guest stopped with ${stop.kind}`);
    const view = new DataView(vm.ram.buffer, vm.ram.byteOffset + SAMPLES, N * 4);
    const out: number[] = [];
    for (let i = 0; i < N; i++) out.push(view.getUint32(i * 4, true));
    return out.sort((a, b) => a - b);
  } finally {
    vm.close();
  }
}

export async function benchVmmApRoundtrip(): Promise<BenchRecord[]> {
  try {
    const bsp: number[][] = [];
    const ap: number[][] = [];
    const loads: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(loadavg()[0]!);
      bsp.push(await sample(false));
      ap.push(await sample(true));
    }
    const pct = (runs: number[][], p: number) => Math.min(...runs.map((s) => s[Math.floor((s.length - 1) * p)]!));
    const under = (runs: number[][]) => Math.max(...runs.map((s) => s.filter((c) => c < SMI_TRESHOLD).length / s.length));
    return [
      {
        case: `port read round trip seen by the guest (RDTSC around IN from the PM timer), ${N} samples: vCPU 1 (worker thread, vCPU 0 halted) vs vCPU 0`,
        rounds: ROUNDS,
        bspCyclesP10: pct(bsp, 0.1),
        bspCyclesP50: pct(bsp, 0.5),
        bspCyclesP90: pct(bsp, 0.9),
        apCyclesP10: pct(ap, 0.1),
        apCyclesP50: pct(ap, 0.5),
        apCyclesP90: pct(ap, 0.9),
        ratioP50: round(pct(ap, 0.5) / pct(bsp, 0.5), 2),
        // Share of samples Linux's tsc_read_refs would keep (best round).
        bspUnderSmiThreshold: round(under(bsp), 3),
        apUnderSmiThreshold: round(under(ap), 3),
        loadAverage: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
      },
    ];
  } catch (e) {
    return [{ case: 'vmm AP round trip', skipped: (e as Error).message }];
  }
}

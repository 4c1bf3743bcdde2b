// The JS between two KVM_RUNs, without KVM: the VMM's one-vCPU run loop (Vm.runInline: clock sync,
// timer check, entry preparation, kick timer, exit served on the bus) driven by a stand-in KvmVcpu
// whose KVM_RUN returns at once with the same `OUT 0x80, AL` or 4-byte MMIO write every time.
// What a real exit adds on top is KVM's (and koffi's call into ioctl, ~0.14 µs here; docs/benchmarks.md).
// CPU-bound and in one process: its CPU time per exit (min over rounds) is steadier on a loaded host
// than the guest-run benches (vmm-exits, vmm-vmexit), which move by 2×: the measure for A/B of the
// exit path. Wall time is printed beside it.
// VMM_EXIT_JS_EXITS (default 200,000 per round), VMM_EXIT_JS_ROUNDS (default 9).
import 'reflect-metadata';
import { createPlatform } from '../src/platform/create-platform.js';
import type { Lapic } from '../src/devices/lapic/lapic.js';
import { EXIT, IO_DIRECTION, RUN, SIZEOF } from '../src/vmm/kvm/abi.js';
import type { KvmVcpu } from '../src/vmm/kvm/kvm-vcpu.js';
import { hostQuirks } from '../src/vmm/kvm/pvm-host.js';
import { Vcpu, type VcpuHost } from '../src/vmm/vcpu.js';
import { Vm } from '../src/vmm/vm.js';
import { QUICK, round, type BenchRecord } from './harness.js';

const EXITS = Number(process.env.VMM_EXIT_JS_EXITS ?? (QUICK ? 50_000 : 200_000));
const ROUNDS = Number(process.env.VMM_EXIT_JS_ROUNDS ?? (QUICK ? 3 : 9));
const BENCH_PORT = 0x80;
const BENCH_MMIO = 0xd0000000;
const STOP_PORT = 0xf4;

/** libc as the run loop uses it (the kick timer and the kick signal): calls that do nothing. */
const fakeLibc = {
  gettid: () => 1,
  timerCreate: (_clock: number, _sev: Uint8Array, id: Uint8Array) => {
    id.fill(0);
    return 0;
  },
  timerSettime: () => 0,
  timerDelete: () => 0,
  // No generated code here (kvm/native-run.ts): the host clock is performance.now().
  dlsym: () => null,
};
const fakeKick = { signo: 40, pid: 1, drain: () => undefined, kick: () => undefined };

/** A one-vCPU Vm whose KVM_RUN returns `exits` times with the same exit, then with `OUT 0xF4` (stop). */
function vmOnFakeKvm(kind: 'out' | 'mmio', exits: number): Vm {
  const platform = createPlatform({ profile: 'qemu-pc', vcpus: 1 });
  const sink = { read: () => 0, write: () => undefined };
  platform.ports.register(BENCH_PORT, 1, sink, { owner: 'bench' });
  platform.mmio.register(BENCH_MMIO, 4096, sink, { owner: 'bench' });
  const page = new ArrayBuffer(4096);
  const run = new DataView(page);
  const runBytes = new Uint8Array(page);
  let left = exits;
  let vm: Vm | null = null;
  platform.ports.register(STOP_PORT, 1, { read: () => 0, write: () => vm!.stop({ kind: 'debug-exit', code: 0 }) }, { owner: 'bench-exit' });
  const sregs = new DataView(new ArrayBuffer(SIZEOF.sregs));
  const kvm = {
    run,
    runBytes,
    sregs,
    getSregs: () => sregs,
    setMsr: () => undefined,
    holdsNmi: false,
    interruptQueued: false,
    nmiSinceExit: false,
    // qemu-pc's PIT runs from reset: its IRQ 0 goes in through the 8259 now and then.
    interrupt: () => undefined,
    nmi: () => undefined,
    /** KVM_RUN: the guest's next instruction exits the same way; the last one stops the VM. */
    enter: () => {
      if (--left < 0) {
        run.setUint32(RUN.exitReason, EXIT.IO, true);
        run.setUint16(RUN.ioPort, STOP_PORT, true);
      }
      return 0;
    },
  } as unknown as KvmVcpu;
  if (kind === 'out') {
    run.setUint32(RUN.exitReason, EXIT.IO, true);
    run.setUint16(RUN.ioPort, BENCH_PORT, true);
  } else {
    run.setUint32(RUN.exitReason, EXIT.MMIO, true);
    run.setBigUint64(RUN.mmioPhysAddr, BigInt(BENCH_MMIO), true);
    run.setUint32(RUN.mmioLen, 4, true);
    runBytes[RUN.mmioIsWrite] = 1;
  }
  runBytes[RUN.ioDirection] = IO_DIRECTION.OUT;
  runBytes[RUN.ioSize] = 1;
  run.setUint32(RUN.ioCount, 1, true);
  run.setUint32(RUN.ioDataOffset, 1024, true);
  runBytes[RUN.readyForInterruptInjection] = 1;
  runBytes[RUN.ifFlag] = 1;
  const lapic = platform.vcpus[0]!.devices.get('lapic') as Lapic;
  const host: VcpuHost = {
    ports: platform.ports,
    mmio: platform.mmio,
    stop: (r) => vm!.stop(r),
    completeFailedEmulation: () => false,
    requestReset: () => undefined,
    anchorTsc: () => undefined,
    physAddrBits: 40,
  };
  const vcpu = new Vcpu(0, kvm, lapic, host);
  lapic.wakeObserver = () => vcpu.wake();
  // Vm's constructor is private (Vm.create opens /dev/kvm): the bench builds one around the stand-ins,
  // in the constructor's parameter order (system, kvmVm, memory, platform, vcpus, quirks, tscKhz,
  // kick, timeoutSeconds, options).
  const VmCtor = Vm as unknown as new (...args: unknown[]) => Vm;
  vm = new VmCtor(
    { libc: fakeLibc, close: () => undefined },
    { close: () => undefined },
    { bytes: new Uint8Array(4096) },
    platform,
    [vcpu],
    hostQuirks('vmx'),
    2_445_000,
    fakeKick,
    0,
    {},
  );
  return vm;
}

/** CPU ns per exit of one run (process CPU, user + system: a loaded host's queueing is not in it), and wall ns. */
async function perExit(kind: 'out' | 'mmio'): Promise<{ cpu: number; wall: number }> {
  const vm = vmOnFakeKvm(kind, EXITS);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await vm.run();
  const wall = Number(process.hrtime.bigint() - t0) / EXITS;
  const cpu = process.cpuUsage(cpu0);
  const stop = vm.stopped;
  if (stop?.kind !== 'debug-exit') throw new Error(`the fake run ended with ${JSON.stringify(stop)}`);
  return { cpu: ((cpu.user + cpu.system) * 1000) / EXITS, wall };
}

export async function benchVmmExitJs(): Promise<BenchRecord[]> {
  const samples = { out: [] as { cpu: number; wall: number }[], mmio: [] as { cpu: number; wall: number }[] };
  await perExit('out'); // warm-up: let the JIT settle
  await perExit('mmio');
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of r % 2 === 0 ? (['out', 'mmio'] as const) : (['mmio', 'out'] as const)) samples[kind].push(await perExit(kind));
  }
  const minMedian = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return [round(s[0]!, 1), round(s[(s.length - 1) >> 1]!, 1)] as const;
  };
  return (['out', 'mmio'] as const).map((kind) => {
    const [cpuMin, cpuMedian] = minMedian(samples[kind].map((x) => x.cpu));
    const [wallMin, wallMedian] = minMedian(samples[kind].map((x) => x.wall));
    return {
      case: `JS between two KVM_RUNs, ${kind === 'out' ? 'OUT' : 'MMIO write'} exit (no KVM)`,
      exitsPerRound: EXITS,
      rounds: ROUNDS,
      cpuNsPerExitMin: cpuMin,
      cpuNsPerExitMedian: cpuMedian,
      wallNsPerExitMin: wallMin,
      wallNsPerExitMedian: wallMedian,
    };
  });
}

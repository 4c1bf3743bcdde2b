// The generated KVM_RUN (src/vmm/kvm/native-run.ts) against libc's ioctl, the path it replaces:
// the same results and errno for an exit, a kick and a bad fd; the host time it leaves lies
// between two clock reads around it; and a guest driven both ways (random values through port
// and MMIO exits, a device's answers fed back) runs the same, exit for exit, with the platform
// clock at each exit between the host times of the handlers before and at it.
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT, KVM, RUN } from '../../../src/vmm/kvm/abi.js';
import { loadLibc } from '../../../src/vmm/kvm/ffi.js';
import { nativeKvm } from '../../../src/vmm/kvm/native-run.js';
import { RUN_OK } from '../../../src/vmm/kvm/kvm-vcpu.js';
import { VcpuThread } from '../../../src/vmm/vcpu-thread.js';
import { Vm } from '../../../src/vmm/vm.js';
import { START_AP_AT_0X2000, createFlatVm, startBspFlat } from './flat-guest.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';

announceKvmSkip('generated KVM_RUN test');

const EINTR = 4;
const EBADF = 9;
const PORT_OUT = 0x80;
const PORT_IN = 0x84;
const MMIO = 0xd0000000;

/** Host ns of CLOCK_MONOTONIC in a NativeKvm timespec (exact below 2^53). */
function timespecNs(t: Int32Array): bigint {
  return (BigInt(t[0]!) + (BigInt(t[1]!) << 32n)) * 1_000_000_000n + BigInt(t[2]!);
}

/**
 * Flat 32-bit guest: EBX = seed; N times { xorshift32 EBX; out 0x80, eax; mov [MMIO], eax;
 * in eax, 0x84; xor ebx, eax }; out 0xF4, ebx (the stop, with the final state as its code).
 */
function randomIoGuest(seed: number, n: number): number[] {
  const le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const body = [
    ...[0x89, 0xd8, 0xc1, 0xe0, 13, 0x31, 0xc3], // mov eax, ebx; shl eax, 13; xor ebx, eax
    ...[0x89, 0xd8, 0xc1, 0xe8, 17, 0x31, 0xc3], // mov eax, ebx; shr eax, 17; xor ebx, eax
    ...[0x89, 0xd8, 0xc1, 0xe0, 5, 0x31, 0xc3], // mov eax, ebx; shl eax, 5; xor ebx, eax
    ...[0x89, 0xd8, 0xe7, PORT_OUT], // mov eax, ebx; out 0x80, eax
    ...[0xa3, ...le(MMIO)], // mov [0xd0000000], eax
    ...[0xe5, PORT_IN, 0x31, 0xc3], // in eax, 0x84; xor ebx, eax
    0x49, // dec ecx
  ];
  const back = -(body.length + 2) & 0xff;
  return [0xb9, ...le(n), 0xbb, ...le(seed), ...body, 0x75, back, 0x89, 0xd8, 0xe7, 0xf4];
}

interface Trace {
  readonly code: number;
  readonly values: number[];
  readonly exits: number;
  /** Exits whose platform time was not between the previous handler's host time and this one's. */
  readonly clockOutOfOrder: number;
}

/** Runs randomIoGuest(seed, n) on a fresh VM (the generated KVM_RUN unless HVMDEV_NATIVE_RUN=0) and records what its devices saw. */
async function runRandomIo(seed: number, n: number): Promise<Trace> {
  const vm = createFlatVm({ vcpus: 1, timeoutSeconds: 30, bsp: randomIoGuest(seed, n) });
  try {
    const clock = vm.platform.clock;
    const host = (vm as unknown as { hostClock: { hostNs(): number } }).hostClock;
    const values: number[] = [];
    let answer = 0x9e3779b9;
    let prevHost = -Infinity;
    let clockOutOfOrder = 0;
    // Host time from a clock the VMM does not read (process.hrtime: CLOCK_MONOTONIC through libuv),
    // put on the VM clock's scale by the tightest of 20 paired reads; 2 µs of slack beyond it.
    let offset = 0;
    let slack = Infinity;
    for (let i = 0; i < 20; i++) {
      const a = Number(process.hrtime.bigint());
      const m = host.hostNs();
      const b = Number(process.hrtime.bigint());
      if (b - a < slack) {
        slack = b - a;
        offset = (a + b) / 2 - m;
      }
    }
    slack = slack / 2 + 2000;
    const at = () => {
      const h = Number(process.hrtime.bigint()) - offset;
      if (!(clock.now >= prevHost - slack && clock.now <= h + slack)) clockOutOfOrder++;
      prevHost = h;
    };
    vm.platform.ports.register(
      PORT_OUT,
      4,
      {
        read: () => 0,
        write: (_o, _s, v) => {
          at();
          values.push(v);
        },
      },
      { owner: 'test' },
    );
    vm.platform.ports.register(
      PORT_IN,
      4,
      {
        read: () => {
          at();
          answer = (Math.imul(answer, 0x2c1b3c6d) + values.length) >>> 0;
          return answer;
        },
        write: () => undefined,
      },
      { owner: 'test' },
    );
    vm.platform.mmio.register(
      MMIO,
      4096,
      {
        read: () => 0,
        write: (_o, _s, v) => {
          at();
          values.push(v);
        },
      },
      { owner: 'test' },
    );
    startBspFlat(vm);
    const stop = await vm.run();
    if (stop.kind !== 'debug-exit') throw new Error(`the guest ended with ${JSON.stringify(stop)}`);
    const s = vm.stats();
    return { code: stop.code, values, exits: s.totalExits - s.kicks, clockOutOfOrder };
  } finally {
    vm.close();
  }
}

describe.skipIf(KVM_SKIP_REASON !== null)('the generated KVM_RUN (KVM)', () => {
  const saved = process.env['HVMDEV_NATIVE_RUN'];
  afterEach(() => {
    if (saved === undefined) delete process.env['HVMDEV_NATIVE_RUN'];
    else process.env['HVMDEV_NATIVE_RUN'] = saved;
  });

  it('returns what libc ioctl returns (0 / −errno against −1 and errno) for an exit, a kick and a bad fd, and reads the host clock as it returns', () => {
    const libc = loadLibc();
    const native = nativeKvm(libc);
    expect(native).not.toBeNull();
    const vm = createFlatVm({ vcpus: 1, timeoutSeconds: 5, bsp: [0xe6, PORT_OUT, 0xeb, 0xfc] }); // out 0x80, al; jmp $-4
    try {
      startBspFlat(vm);
      const k = vm.vcpus[0]!.kvm;
      const run = () => {
        native!.vcpuFd[0] = k.fd;
        native!.now();
        const before = timespecNs(native!.clockTime);
        const r = native!.run();
        native!.now();
        const after = timespecNs(native!.clockTime);
        const t = timespecNs(native!.runTime);
        expect(t >= before && t <= after, `${before} ≤ ${t} ≤ ${after}`).toBe(true);
        return r;
      };
      // An exit: 0 from both, the same exit in kvm_run. (A kick signal an earlier test's timer
      // left pending on this thread makes a KVM_RUN return EINTR at once: the next one exits.)
      let r = run();
      if (r === -EINTR) r = run();
      expect(r).toBe(0);
      expect(k.run.getUint32(RUN.exitReason, true)).toBe(EXIT.IO);
      expect(k.run.getUint16(RUN.ioPort, true)).toBe(PORT_OUT);
      r = libc.ioctlInt(k.fd, KVM.RUN, 0);
      if (r === -1 && libc.errno() === EINTR) r = libc.ioctlInt(k.fd, KVM.RUN, 0);
      expect(r).toBe(0);
      expect(k.run.getUint16(RUN.ioPort, true)).toBe(PORT_OUT);
      // A kick as KVM sees it (immediate_exit): −EINTR, and −1 with errno EINTR.
      k.runBytes[RUN.immediateExit] = 1;
      expect(run()).toBe(-EINTR);
      expect(libc.ioctlInt(k.fd, KVM.RUN, 0)).toBe(-1);
      expect(libc.errno()).toBe(EINTR);
      k.runBytes[RUN.immediateExit] = 0;
      // Not a vCPU: −EBADF, and −1 with errno EBADF.
      native!.vcpuFd[0] = -1;
      expect(native!.run()).toBe(-EBADF);
      expect(libc.ioctlInt(-1, KVM.RUN, 0)).toBe(-1);
      expect(libc.errno()).toBe(EBADF);
      // Through the vCPU as the VMM calls it.
      expect(k.enter()).toBe(RUN_OK);
      expect(k.run.getUint16(RUN.ioPort, true)).toBe(PORT_OUT);
    } finally {
      vm.close();
    }
  });

  it('runs a guest of random port and MMIO traffic exit for exit as libc ioctl does, the clock at each exit in order', async () => {
    for (const seed of [1, 0x12345678, 0xdeadbeef]) {
      const n = 200 + (seed % 97);
      process.env['HVMDEV_NATIVE_RUN'] = '0';
      const viaLibc = await runRandomIo(seed, n);
      delete process.env['HVMDEV_NATIVE_RUN'];
      const viaNative = await runRandomIo(seed, n);
      expect(viaNative.values.length).toBe(2 * n);
      expect(viaNative).toEqual(viaLibc);
      expect(viaNative.exits).toBe(3 * n + 1);
      expect(viaNative.clockOutOfOrder).toBe(0);
    }
  });

  it('a vCPU worker on its own generated KVM_RUN runs as on libc ioctl: the AP’s port writes in order, its run time sane', async () => {
    // vCPU 1 in real mode at 0x2000: AX = 1; loop { out dx (0x82), ax; AX = AX * 5 + 1 }.
    const ap = [0xba, 0x82, 0x00, 0xb8, 0x01, 0x00, 0xef, 0x89, 0xc3, 0xd1, 0xe0, 0xd1, 0xe0, 0x01, 0xd8, 0x40, 0xeb, 0xf4];
    const N = 400;
    const expected: number[] = [];
    for (let ax = 1, i = 0; i < N; i++, ax = (ax * 5 + 1) & 0xffff) expected.push(ax);
    const run = async () => {
      const vm = createFlatVm({ vcpus: 2, timeoutSeconds: 30, bsp: [...START_AP_AT_0X2000, 0xeb, 0xfe], ap });
      try {
        const seen: number[] = [];
        vm.platform.ports.register(
          0x82,
          2,
          {
            read: () => 0,
            write: (_o, _s, v) => {
              if (seen.push(v) === N) vm.stop({ kind: 'debug-exit', code: 0 });
            },
          },
          { owner: 'test' },
        );
        startBspFlat(vm);
        // The worker's last run time (µs from its wake-up to the exit it posted), as it quits.
        let runUs = -1;
        const quit = VcpuThread.prototype.quit;
        VcpuThread.prototype.quit = function (this: VcpuThread) {
          runUs = this.lastRunUs;
          return quit.call(this);
        };
        try {
          expect(await vm.run()).toEqual({ kind: 'debug-exit', code: 0 });
        } finally {
          VcpuThread.prototype.quit = quit;
        }
        return { seen, runUs };
      } finally {
        vm.close();
      }
    };
    process.env['HVMDEV_NATIVE_RUN'] = '0';
    const viaLibc = await run();
    delete process.env['HVMDEV_NATIVE_RUN'];
    const viaNative = await run();
    expect(viaLibc.seen).toEqual(expected);
    expect(viaNative.seen).toEqual(expected);
    for (const r of [viaLibc, viaNative]) {
      expect(r.runUs).toBeGreaterThanOrEqual(0);
      expect(r.runUs).toBeLessThan(10_000_000);
    }
  });

  it('HVMDEV_NATIVE_RUN=0 leaves KVM_RUN to libc ioctl and the host clock to performance.now()', () => {
    process.env['HVMDEV_NATIVE_RUN'] = '0';
    const vm = Vm.create({ profile: 'qemu-pc', vcpus: 1, ramBytes: 4 * 1024 * 1024 });
    try {
      expect(vm.vcpus[0]!.kvm.returnTime).toBeNull();
      expect((vm as unknown as { hostClock: { readsTimespecs: boolean } }).hostClock.readsTimespecs).toBe(false);
    } finally {
      vm.close();
    }
  });
});

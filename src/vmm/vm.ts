// A KVM virtual machine whose whole platform is hvmdev: no in-kernel irqchip, no in-kernel PIT.
// Port I/O, MMIO (the xAPIC page included) and the LAPIC's MSRs exit to user space and are served
// by the platform's buses and LAPICs; interrupts are injected from the LAPICs before each entry;
// the platform clock follows the host's monotonic clock and the next deadline kicks the vCPU.
//
// Threads (docs/vmm.md): with one vCPU, KVM_RUN runs on the calling (device-model) thread, so an
// exit costs no thread switch. With several, each vCPU has a worker thread that only runs KVM_RUN
// and posts its exits; the device-model thread serves them in order. The platform is touched by
// the device-model thread only.
import { createPlatform, type PlatformOptions } from '../platform/create-platform.js';
import type { Platform } from '../platform/platform.js';
import { profileByName, type PlatformProfile, type ProfileName } from '../platform/profiles.js';
import type { Lapic } from '../devices/lapic/lapic.js';
import type { PmTimer } from '../devices/pm/pm-timer.js';
import { CAP, EXIT, KVM, MSR_EXIT_REASON } from './kvm/abi.js';
import { KvmUnavailableError } from './kvm/errors.js';
import { sigset } from './kvm/ffi.js';
import { KvmSystem } from './kvm/kvm-system.js';
import type { KvmVm, GuestMemory } from './kvm/kvm-vm.js';
import { RUN_INTERRUPTED } from './kvm/kvm-vcpu.js';
import { hostQuirks, type HostQuirks } from './kvm/pvm-host.js';
import { nativeKvm, workerPages } from './kvm/native-run.js';
import { guestCpuid, physAddrBits } from './cpuid.js';
import { HandoffPoll } from './handoff-poll.js';
import { HostClock } from './host-clock.js';
import { DeadlineKicker, KickSignal } from './kick.js';
import { ExitStats } from './exit-stats.js';
import type { StopReason } from './stop-reason.js';
import { Vcpu, VcpuState, type VcpuHost } from './vcpu.js';
import { CTL, VCPU_THREAD, VcpuThread } from './vcpu-thread.js';
import { SREGS } from './kvm/abi.js';
import type { BootState } from './loaders/boot-state.js';
import { setUpLikeBios, type BiosSetupResult } from '../firmware/bios-setup.js';

/** RAM below the VGA/BIOS hole, and from 1 MiB up (the PC layout). */
const LOW_RAM_END = 0xa0000;
const HIGH_RAM_START = 0x100000;
/** The BIOS area the OS scans for the RSDP and the MP table (firmware-tables.ts writes them there). */
export const BIOS_AREA_START = 0xe0000;
export const MAX_RAM_BYTES = 3 * 1024 * 1024 * 1024;
export const MAX_VMM_VCPUS = 64;
/** The device-model thread returns to the event loop at least this often (stdin, timeouts). */
const SLICE_NS = 20_000_000;
/**
 * One vCPU: the event loop is visited at the first exit after a slice, which costs nothing; a kick
 * out of KVM_RUN for it (each an exit to user space, and on PVM a KVM_GET_REGS for the host
 * module) comes only when the guest ran this long with no exit and no platform deadline. A guest
 * that computes without exits (vmexit's cpuid loop) is then kicked by its own timers only, as under
 * QEMU, instead of 50 times a second. Bounds the event loop's wait (stdin, timers) and the time
 * a VMCALL stays stuck on PVM (two kicks at its RIP, pvm-host.ts afterKick).
 */
const KICK_BACKSTOP_NS = 100_000_000;
/** Waits shorter than this are spent blocking precisely; longer ones on the event loop. */
const PRECISE_WAIT_NS = 2_000_000;
/**
 * After letting a worker go, the device-model thread may hold vCPU 0 out of the guest this long
 * (in all, until vCPU 0 next enters) waiting for that worker's next exit, when the worker's last
 * run was shorter than this (a chatty worker: an IPI handler, an on_cpu call). See runThreaded.
 */
const HANDOFF_HOLD_NS = 500_000;
const MSR_IA32_APIC_BASE = 0x1b;
const MSR_IA32_TSC_DEADLINE = 0x6e0;
const MSR_IA32_TSC = 0x10;
/** A TSC_DEADLINE write re-reads the guest's TSC when the last anchor is older than this. */
const TSC_REANCHOR_NS = 50_000_000;
/** Two host-time reads around KVM_GET_MSRS further apart than this are retried. */
const ANCHOR_READ_SLACK_NS = 20_000;

export interface VmOptions {
  readonly profile?: ProfileName | PlatformProfile;
  readonly vcpus?: number;
  /** Guest RAM in bytes (≤ 3 GiB), default 128 MiB. */
  readonly ramBytes?: number;
  /** Extra platform options (flags, wall time, …); vcpus, RAM and TSC come from the VM. */
  readonly platform?: Omit<PlatformOptions, 'profile' | 'vcpus' | 'ramBytes' | 'tscHz'>;
  /** Stop with reason 'timeout' after this many seconds of wall time. */
  readonly timeoutSeconds?: number;
  /** CPU features the guest sees, over the profile's (QEMU's -cpu +x2apic / -tsc-deadline). */
  readonly cpu?: CpuFeatureOverrides;
  /**
   * A guest reset request (0xCF9, port 0x92, KVM's reset event): 'reboot' (default) resets the
   * platform and the vCPUs and runs on (Vm.onReboot re-enters the kernel); 'stop' ends the run
   * with reason 'reset' (QEMU's -no-reboot).
   */
  readonly onReset?: 'reboot' | 'stop';
  /**
   * SLP_TYP of S5 in the firmware the guest is given (its DSDT's \_S5; src/firmware's default 0):
   * SLP_EN with this type powers off; other sleep types are not entered (the guest runs on).
   */
  readonly s5SleepType?: number;
}

/** LAPIC features a guest's CPUID advertises (the LAPIC model follows them). */
export interface CpuFeatureOverrides {
  readonly x2apic?: boolean;
  readonly tscDeadline?: boolean;
}

export class Vm {
  readonly platform: Platform;
  /** Guest-physical 0 .. ramBytes (the hole 0xA0000–0xFFFFF included but not mapped). */
  readonly ram: Uint8Array;
  readonly vcpus: readonly Vcpu[];
  readonly quirks: HostQuirks;
  readonly tscKhz: number;
  readonly ports;
  readonly mmio;
  private stopReason: StopReason | null = null;
  private readonly hostClock: HostClock;
  private readonly kick: KickSignal;
  private wakeSleep: (() => void) | null = null;
  private readonly wakeFlags: Uint8Array;
  private threads: VcpuThread[] = [];
  /** serveWorkers() let a chatty worker go or kicked one with NMIs since vCPU 0 last entered (runThreaded holds vCPU 0 for it). */
  private handedOff = false;
  /** Polls for a worker's next exit before sleeping on the doorbell, while that pays (handoff-poll.ts). */
  private readonly handoffPoll = new HandoffPoll();
  private startedNs = 0;
  /** Platform time of the last TSC anchor (−1: none yet). */
  private anchoredAt = -1;
  private stoppedNs = 0;
  /** A guest reset was requested; done at the run loop's next safe point (performReset). */
  private resetPending = false;
  private rebootListener: (() => void) | null = null;
  /** setUpLikeBios() was done: every reboot redoes it. */
  private firmwareSetUp = false;
  /** Guest resets done (reboots). */
  resets = 0;
  private readonly resetPolicy: 'reboot' | 'stop';
  private readonly s5SleepType: number;

  private constructor(
    private readonly system: KvmSystem,
    private readonly kvmVm: KvmVm,
    readonly memory: GuestMemory,
    platform: Platform,
    vcpus: Vcpu[],
    quirks: HostQuirks,
    tscKhz: number,
    kick: KickSignal,
    private readonly timeoutSeconds: number,
    opts: VmOptions,
  ) {
    this.resetPolicy = opts.onReset ?? 'reboot';
    this.s5SleepType = opts.s5SleepType ?? 0;
    this.platform = platform;
    this.ram = memory.bytes;
    this.vcpus = vcpus;
    this.quirks = quirks;
    this.tscKhz = tscKhz;
    this.ports = platform.ports;
    this.mmio = platform.mmio;
    this.kick = kick;
    this.hostClock = new HostClock(platform.clock, nativeKvm(system.libc));
    this.wakeFlags = new Uint8Array(vcpus.length);
  }

  /** Builds the VM. Throws KvmUnavailableError when this host cannot run one (and says why). */
  static create(opts: VmOptions = {}): Vm {
    const vcpuCount = opts.vcpus ?? 1;
    if (!Number.isInteger(vcpuCount) || vcpuCount < 1 || vcpuCount > MAX_VMM_VCPUS) {
      throw new RangeError(`vcpus must be an integer from 1 to ${MAX_VMM_VCPUS}, got ${String(vcpuCount)}`);
    }
    const ramBytes = opts.ramBytes ?? 128 * 1024 * 1024;
    if (!Number.isInteger(ramBytes) || ramBytes < 2 * 1024 * 1024 || ramBytes > MAX_RAM_BYTES || ramBytes % 4096 !== 0) {
      throw new RangeError(`RAM must be a multiple of 4 KiB from 2 MiB to 3 GiB, got ${String(ramBytes)}`);
    }
    const system = KvmSystem.open();
    const vm = system.createVm();
    try {
      if (vm.checkExtension(CAP.X86_USER_SPACE_MSR) <= 0 || vm.checkExtension(CAP.X86_MSR_FILTER) <= 0) {
        throw new KvmUnavailableError('unsupported', 'this KVM cannot send MSR accesses to user space (KVM_CAP_X86_USER_SPACE_MSR / MSR_FILTER, Linux 5.10+)');
      }
      vm.enableCap(CAP.X86_USER_SPACE_MSR, BigInt(MSR_EXIT_REASON.INVAL | MSR_EXIT_REASON.FILTER));
      // IA32_APIC_BASE and IA32_TSC_DEADLINE belong to hvmdev's LAPIC; the x2APIC MSRs, which KVM
      // cannot filter, reach us as "invalid" (KVM has no in-kernel LAPIC to give them to).
      vm.setMsrFilter([
        { base: MSR_IA32_APIC_BASE, count: 1 },
        { base: MSR_IA32_TSC_DEADLINE, count: 1 },
      ]);
      const quirks = hostQuirks();
      if (quirks.kind === 'vmx') vm.setTssAddress(0xfffbd000);
      const memory = vm.allocate(ramBytes, true);
      vm.setMemoryRegion(0, 0, Math.min(ramBytes, LOW_RAM_END), memory.address);
      if (ramBytes > HIGH_RAM_START) vm.setMemoryRegion(1, HIGH_RAM_START, ramBytes - HIGH_RAM_START, memory.address + BigInt(HIGH_RAM_START));
      // The BIOS area is memory on a PC (shadowed ROM): the firmware tables live there.
      if (ramBytes > HIGH_RAM_START) vm.setMemoryRegion(2, BIOS_AREA_START, HIGH_RAM_START - BIOS_AREA_START, memory.address + BigInt(BIOS_AREA_START));

      const kick = new KickSignal(system.libc);
      const kvmVcpus = Array.from({ length: vcpuCount }, (_, i) => vm.createVcpu(i));
      const tscKhz = kvmVcpus[0]!.getTscKhz();
      const base = typeof opts.profile === 'object' ? opts.profile : profileByName(opts.profile ?? 'qemu-pc');
      const profile = vmmProfile(base, opts.cpu ?? {});
      const platform = createPlatform({ ...opts.platform, profile, vcpus: vcpuCount, ramBytes: 0, tscHz: tscKhz * 1000 });
      platform.mmio.addRam(0, memory.bytes.subarray(0, Math.min(ramBytes, LOW_RAM_END)), { owner: 'ram', name: 'low RAM' });
      if (ramBytes > HIGH_RAM_START) platform.mmio.addRam(HIGH_RAM_START, memory.bytes.subarray(HIGH_RAM_START), { owner: 'ram', name: 'high RAM' });

      const supported = system.supportedCpuid();
      const runMask = kick.runMask();
      const vcpus: Vcpu[] = [];
      let self: Vm | null = null;
      const host: VcpuHost = {
        get ports() {
          return platform.ports;
        },
        get mmio() {
          return platform.mmio;
        },
        stop: (r) => self!.stop(r),
        anchorTsc: (v) => self!.anchorTsc(v, false),
        physAddrBits: physAddrBits(supported),
        requestReset: () => self!.platform.guestResetRequest('hard'),
        completeFailedEmulation: (v) => quirks.completeFailedEmulation(v, memory.bytes, platform),
      };
      kvmVcpus.forEach((k, i) => {
        const lapic = platform.vcpus[i]!.devices.get('lapic') as Lapic | undefined;
        if (lapic === undefined)
          throw new KvmUnavailableError('unsupported', `profile ${profile.name} with these flags has no LAPIC; hvmdev run needs one (flag lapic)`);
        k.setCpuid(guestCpuid(supported, lapic.params, i, vcpuCount, quirks.hiddenCpuid1Ecx));
        k.setSignalMask(runMask);
        vcpus.push(new Vcpu(i, k, lapic, host));
      });
      self = new Vm(system, vm, memory, platform, vcpus, quirks, tscKhz, kick, opts.timeoutSeconds ?? 0, opts);
      self.wire();
      return self;
    } catch (e) {
      vm.close();
      system.close();
      throw e;
    }
  }

  private wire(): void {
    this.vcpus.forEach((v, i) => {
      v.lapic.wakeObserver = () => {
        v.noteNmi();
        v.wake();
        this.wakeFlags[i] = 1;
        this.wakeSleep?.();
      };
    });
    const pm = [...this.platform.devices.values()].find((d) => d.kind === 'acpi-pm1') as PmTimer | undefined;
    pm?.onSleepRequest((slpTyp) => this.sleepRequest(slpTyp));
    // 0xCF9 resets the devices, then tells us (Platform.guestResetRequest): the vCPUs follow.
    this.platform.onResetRequest(() => this.requestReset());
    this.anchorTsc(this.vcpus[0]!);
  }

  /**
   * The guest set SLP_EN in PM1a_CNT (hvmdev's PM block, or the board's where the profile leaves
   * PM1a_CNT to the device model): S5 powers off; S1–S4 are not entered and the guest runs on.
   */
  sleepRequest(slpTyp: number): void {
    if (slpTyp === this.s5SleepType) this.stop({ kind: 'power-off' });
  }

  /**
   * A guest reset (the platform's devices are already reset): the vCPUs go back to power-on at the
   * run loop's next safe point, then the reboot listener re-enters the kernel. With onReset
   * 'stop' the run ends instead.
   */
  requestReset(): void {
    if (this.resetPolicy === 'stop') this.stop({ kind: 'reset', vcpu: 0 });
    else this.resetPending = true;
  }

  /** Called after each reboot, with every vCPU at power-on: the loader puts the BSP at the kernel again. */
  onReboot(listener: () => void): void {
    this.rebootListener = listener;
  }

  /**
   * Sets the platform up as a PC BIOS does (src/firmware/bios-setup.ts: the ACPI PM block placed,
   * the PCI links routed) and keeps it so: a guest reset returns the chipset to its power-on state
   * (PIIX4 PMBA cleared: the PM block unplaced), and there is no firmware at the reset vector to
   * redo it, so every reboot does it again before the reboot listener runs.
   */
  setUpLikeBios(): BiosSetupResult {
    this.firmwareSetUp = true;
    return setUpLikeBios(this.platform);
  }

  /** Every vCPU out of KVM_RUN (workers kicked and parked, their last exit dropped), reset, rebooted. */
  private performReset(workers: readonly VcpuThread[]): void {
    this.resetPending = false;
    for (const t of workers) {
      if (t.state === VCPU_THREAD.GO) this.kickWorker(t);
      for (let i = 0; i < 200 && t.state === VCPU_THREAD.GO; i++) Atomics.wait(t.ctl, CTL.STATE, VCPU_THREAD.GO, 10);
      if (t.state === VCPU_THREAD.GO) throw new Error('a vCPU worker did not leave KVM_RUN for the reset within 2 s');
      if (t.state === VCPU_THREAD.EXITED) {
        t.park();
        t.served++;
      }
    }
    for (const v of this.vcpus) v.resetToPowerOn();
    this.wakeFlags.fill(0);
    this.resets++;
    this.anchorTsc(this.vcpus[0]!);
    if (this.firmwareSetUp) setUpLikeBios(this.platform);
    this.rebootListener?.();
  }

  /**
   * The guest's TSC (the host's on PVM, host + offset on VMX/SVM) at virtual time 0, from a read
   * of IA32_TSC and the host time together (the platform clock follows that host time). The host
   * time is the middle of two reads around KVM_GET_MSRS, retried when they are far apart (the
   * thread was preempted between them). A TSC_DEADLINE write re-anchors when the last anchor is
   * older than TSC_REANCHOR_NS: a rate error of a few ppm in KVM_GET_TSC_KHZ stays below a
   * microsecond, and a busy deadline loop is not charged an extra ioctl per write.
   */
  anchorTsc(v: Vcpu, force = true): void {
    const clock = this.hostClock;
    if (!force && this.anchoredAt >= 0 && clock.now - this.anchoredAt < TSC_REANCHOR_NS) return;
    let tsc = 0n;
    let mid = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = clock.hostNs();
      tsc = v.kvm.getMsr(MSR_IA32_TSC) ?? 0n;
      const after = clock.hostNs();
      mid = (before + after) / 2;
      if (after - before < ANCHOR_READ_SLACK_NS) break;
    }
    const origin = tsc - (BigInt(Math.floor(mid)) * BigInt(this.tscKhz)) / 1_000_000n;
    for (const u of this.vcpus) u.lapic.setTscOrigin(origin);
    this.anchoredAt = clock.now;
  }

  /** Puts vCPU 0 in the loader's start state (flat 32-bit protected mode, 64-bit long mode or real mode). */
  setBootState(boot: BootState): void {
    const k = this.vcpus[0]!.kvm;
    const s = k.getSregs();
    const seg = (off: number, selector: number, type: number, long: boolean) => {
      s.setBigUint64(off, 0n, true);
      s.setUint32(off + 8, 0xffffffff, true);
      s.setUint16(off + 12, selector, true);
      const b = new Uint8Array(s.buffer, off + 14, 10);
      // type present dpl db s l g avl unusable pad (a 64-bit code segment has L = 1, D = 0)
      b.set([type, 1, 0, long ? 0 : 1, 1, long ? 1 : 0, 1, 0, 0, 0]);
    };
    if (boot.mode === 'protected32' || boot.mode === 'long64') {
      const long = boot.mode === 'long64';
      seg(SREGS.cs, 0x10, 0xb, long);
      for (const off of [SREGS.ds, SREGS.es, SREGS.fs, SREGS.gs, SREGS.ss]) seg(off, 0x18, 0x3, false);
      s.setBigUint64(SREGS.cr0, (s.getBigUint64(SREGS.cr0, true) | 1n) & ~(1n << 31n), true);
      if (long) {
        // Long mode as the loader's tables describe it: CR0.PG|PE, CR4.PAE, EFER.LME|LMA, CR3, GDTR.
        const lm = boot.longMode!;
        s.setBigUint64(SREGS.gdt, BigInt(lm.gdtBase), true);
        s.setUint16(SREGS.gdt + 8, lm.gdtLimit, true);
        s.setBigUint64(SREGS.cr3, BigInt(lm.cr3), true);
        s.setBigUint64(SREGS.cr4, s.getBigUint64(SREGS.cr4, true) | (1n << 5n), true);
        s.setBigUint64(SREGS.efer, s.getBigUint64(SREGS.efer, true) | (1n << 8n) | (1n << 10n), true);
        s.setBigUint64(SREGS.cr0, s.getBigUint64(SREGS.cr0, true) | 1n | (1n << 31n), true);
      }
    } else {
      // Real mode: every segment (rip >> 4) & 0xF000, IP the low 16 bits (loaders/boot-state.ts).
      const selector = (boot.rip >>> 4) & 0xf000;
      for (const off of [SREGS.cs, SREGS.ds, SREGS.es, SREGS.fs, SREGS.gs, SREGS.ss]) {
        s.setBigUint64(off, BigInt(selector << 4), true);
        s.setUint16(off + 12, selector, true);
      }
    }
    k.setSregs();
    k.getRegs();
    k.setReg('rip', boot.mode === 'real16' ? boot.rip & 0xffff : boot.rip);
    k.setReg('rflags', 2);
    if (boot.regs.eax !== undefined) k.setReg('rax', boot.regs.eax >>> 0);
    if (boot.regs.ebx !== undefined) k.setReg('rbx', boot.regs.ebx >>> 0);
    if (boot.regs.esp !== undefined) k.setReg('rsp', boot.regs.esp >>> 0);
    if (boot.regs.esi !== undefined) k.setReg('rsi', boot.regs.esi >>> 0);
    k.setRegs();
  }

  /** Stops the VM (the first reason wins); running vCPUs are kicked out of KVM_RUN. */
  stop(reason: StopReason): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stoppedNs = this.hostClock.hostNs();
    for (const t of this.threads) if (t.state === VCPU_THREAD.GO) this.kickWorker(t);
    this.wakeSleep?.();
  }

  get stopped(): StopReason | null {
    return this.stopReason;
  }

  /** Runs until the guest stops (debug exit, power-off, triple fault, …) or the timeout. */
  async run(): Promise<StopReason> {
    this.startedNs = this.hostClock.hostNs();
    try {
      if (this.vcpus.length === 1) await this.runInline();
      else await this.runThreaded();
    } catch (e) {
      this.stop({ kind: 'host-error', detail: (e as Error).message });
    } finally {
      for (const t of this.threads) await t.quit();
      this.threads = [];
    }
    return this.stopReason!;
  }

  /** Wall time the VM ran and its virtual time. */
  times(): { wallNs: number; guestNs: number } {
    const end = this.stopReason === null ? this.hostClock.hostNs() : this.stoppedNs;
    return { wallNs: end - this.startedNs, guestNs: this.platform.clock.now - this.startedNs };
  }

  /** Every vCPU's counters added up. */
  stats(): ExitStats {
    const s = new ExitStats();
    for (const v of this.vcpus) s.add(v.stats);
    return s;
  }

  /** Host time (ns) at which --timeout ends the run (Infinity without one). */
  private timeoutAt(): number {
    return this.timeoutSeconds > 0 ? this.startedNs + this.timeoutSeconds * 1e9 : Infinity;
  }

  private checkTimeout(now: number): void {
    if (this.timeoutSeconds > 0 && now - this.startedNs >= this.timeoutSeconds * 1e9) this.stop({ kind: 'timeout', seconds: this.timeoutSeconds });
  }

  // ---- one vCPU: KVM_RUN on this thread ------------------------------------------------------

  private async runInline(): Promise<void> {
    const v = this.vcpus[0]!;
    const libc = this.system.libc;
    const kicker = new DeadlineKicker(libc, this.kick, libc.gettid());
    const clock = this.hostClock;
    try {
      while (this.stopReason === null) {
        const sleepNs = this.runSliceInline(v, kicker);
        if (sleepNs > 0) await this.sleep(sleepNs);
        this.checkTimeout(clock.hostNs());
        await yieldToEventLoop();
      }
    } finally {
      kicker.close();
    }
  }

  /**
   * One slice of the one-vCPU loop: enters the vCPU and serves its exits until the slice ends or
   * the VM stops (returns 0), or until the halted vCPU must wait long enough to sleep on the event
   * loop (returns how long, in ns). A plain function, not the body of the async runInline, so the
   * exit path between two KVM_RUNs is ordinary optimised code with no generator resumption in it.
   */
  private runSliceInline(v: Vcpu, kicker: DeadlineKicker): number {
    const clock = this.hostClock;
    const sliceStart = clock.hostNs();
    const sliceEnd = sliceStart + SLICE_NS;
    const timeoutAt = this.timeoutAt();
    // The kick that ends a run with no exit: never past the backstop nor --timeout's end.
    const backstop = Math.min(sliceStart + KICK_BACKSTOP_NS, timeoutAt);
    // The clock was brought up to date right after the last exit: no second host-time read.
    let fresh = false;
    const returnTime = clock.readsTimespecs ? v.kvm.returnTime : null;
    while (this.stopReason === null) {
      // An exit may have armed a timer at or before now (a deadline already passed): fire it first.
      const now = fresh ? clock.fireDue() : clock.sync();
      fresh = false;
      // At --timeout's end the slice ends too (runInline stops the VM): the kick timer, armed for
      // that end, would otherwise be re-armed for it, already passed, at every entry until the slice's end.
      if (now >= sliceEnd || now >= timeoutAt) return 0;
      if (this.resetPending) this.performReset([]);
      if (!v.prepareEntry()) {
        // Halted or waiting for SIPI: sleep until the next deadline or a wake-up.
        const wait = Math.min(clock.untilNextDeadline(now), sliceEnd - now);
        if (wait >= PRECISE_WAIT_NS) return wait - PRECISE_WAIT_NS / 2;
        if (wait > 0) Atomics.wait(SLEEPER, 0, 0, wait / 1e6);
        continue;
      }
      const target = Math.min(now + clock.untilNextDeadline(now), backstop);
      kicker.armBeforeEntry(target, now, clock);
      if (v.kvm.enter() === RUN_INTERRUPTED) {
        // The timer's expiry disarmed it; any other kick leaves it armed for the same target.
        if (this.kick.drain()) kicker.armedFor = -1;
        v.stats.kicks++;
        v.stats.byReason[EXIT.INTR]!++;
        this.quirks.afterKick(v, this.ram);
        continue;
      }
      // The generated KVM_RUN read the host clock as it returned: no clock call here.
      if (returnTime !== null) clock.syncAt(returnTime);
      else clock.sync();
      fresh = true;
      v.serveExit();
    }
    return 0;
  }

  /** Sleeps on the event loop until `ns` passed or a LAPIC wake-up / stop. */
  private sleep(ns: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.max(0, ns / 1e6));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeSleep = () => {
        this.wakeSleep = null;
        done();
      };
    }).then(() => {
      this.wakeSleep = null;
    });
  }

  // ---- several vCPUs: vCPU 0 on this thread, one worker thread for each other -----------------

  private async runThreaded(): Promise<void> {
    const door = new SharedArrayBuffer(8);
    const doorbell = new Int32Array(door);
    const kickSet = sigset(this.kick.signo);
    const libc = this.system.libc;
    const mainTid = libc.gettid();
    const workers = this.vcpus.slice(1).map(
      (v) =>
        new VcpuThread({
          koffiPath: libc.koffiPath,
          fd: v.kvm.fd,
          kvmRun: KVM.RUN,
          kvmNmi: KVM.NMI,
          door,
          kickSet,
          pid: this.kick.pid,
          mainTid,
          signo: this.kick.signo,
          native: workerPages(libc),
        }),
    );
    this.threads = workers;
    for (const t of workers) if (t.waitReady() === 0) throw new Error('a vCPU worker thread did not start');
    const kicker = new DeadlineKicker(libc, this.kick, mainTid);
    const clock = this.hostClock;
    const vcpus = this.vcpus;
    const v0 = vcpus[0]!;
    const v0Return = clock.readsTimespecs ? v0.kvm.returnTime : null;
    /** Host time until which vCPU 0 may still be held for a worker (−1: no hold since its last entry). */
    let holdEnd = -1;
    try {
      while (this.stopReason === null) {
        const sliceEnd = clock.hostNs() + SLICE_NS;
        while (this.stopReason === null) {
          const seen = Atomics.load(doorbell, 0);
          const now = clock.sync();
          this.serveWorkers(workers);
          if (this.stopReason !== null) break;
          if (this.resetPending) {
            this.performReset(workers);
            continue;
          }
          if (now >= sliceEnd) break;
          if (v0.prepareEntry()) {
            this.wakeFlags[0] = 0;
            // A worker just given its vCPU (or kicked with NMIs) whose runs are short: wait for its
            // next exit on the doorbell (a futex) before re-entering vCPU 0, up to HANDOFF_HOLD_NS
            // in all since vCPU 0's last entry and never past the next deadline. vCPU 0's guest is
            // often busy-waiting for that very worker (an IPI, on_cpu), and entering it would burn
            // the CPU the worker needs (on a shared host, this thread's share too) and make every
            // exit the worker posts a kick signal out of KVM_RUN; blocked here, the worker's post
            // is one futex wake-up (traced in docs/vmm.md, "Threads").
            if (this.handedOff) {
              this.handedOff = false;
              // Posted already (the worker ran while this thread was busy or off its CPU): a hold
              // that ends at once; serve it first.
              if (Atomics.load(doorbell, 0) !== seen) {
                v0.stats.holds++;
                continue;
              }
              const t = clock.hostNs();
              if (holdEnd < 0) holdEnd = t + HANDOFF_HOLD_NS;
              const hold = Math.min(holdEnd, now + clock.untilNextDeadline(now), sliceEnd) - t;
              if (hold > 0) {
                v0.stats.holds++;
                if (!this.handoffPoll.poll(doorbell, seen, hold, clock)) {
                  const left = hold - (clock.hostNs() - t);
                  if (left > 0) Atomics.wait(doorbell, 0, seen, left / 1e6);
                }
                continue;
              }
            }
            holdEnd = -1;
            // Armed before the flag below goes up: arming may take a stale kick (the timer's), and
            // a worker's kick sent once the flag is up must stay pending for KVM_RUN.
            kicker.armBeforeEntry(Math.min(now + clock.untilNextDeadline(now), sliceEnd), now, clock);
            // Workers kick this thread while [1] is set; one that posted before it was set is
            // seen by the doorbell check, one after makes KVM_RUN return at once.
            Atomics.store(doorbell, 1, 1);
            if (Atomics.load(doorbell, 0) !== seen) {
              Atomics.store(doorbell, 1, 0);
              continue;
            }
            const r = v0.kvm.enter();
            Atomics.store(doorbell, 1, 0);
            if (r === RUN_INTERRUPTED) {
              // A worker's post (tgkill) leaves the deadline timer armed: no timer_settime for it.
              if (this.kick.drain()) kicker.armedFor = -1;
              v0.stats.kicks++;
              v0.stats.byReason[EXIT.INTR]!++;
              // A worker's post kicked it (the doorbell moved): no deadline kick for the host module
              // to look at (on PVM that look is a KVM_GET_REGS, ~7 µs); the next deadline kick is.
              if (Atomics.load(doorbell, 0) === seen) this.quirks.afterKick(v0, this.ram);
              continue;
            }
            if (v0Return !== null) clock.syncAt(v0Return);
            else clock.sync();
            v0.serveExit();
            continue;
          }
          // vCPU 0 halted: wait for a worker's exit, a wake-up or the next deadline.
          holdEnd = -1;
          if (Atomics.load(doorbell, 0) !== seen || this.wakeFlags[0] !== 0) {
            this.wakeFlags[0] = 0;
            continue;
          }
          const wait = Math.min(clock.untilNextDeadline(now), sliceEnd - clock.hostNs());
          if (wait <= 0) continue;
          if (wait >= PRECISE_WAIT_NS && this.allIdle()) {
            // Every vCPU halted: wait on the event loop (an idle guest uses no CPU).
            const w = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(doorbell, 0, seen, wait / 1e6);
            if (w.async) await Promise.race([w.value, this.sleep(wait)]);
            break;
          }
          // A worker just let go with short runs is likely to post again within microseconds: poll
          // the doorbell for it first, so that exit costs no futex wake-up (handoff-poll.ts).
          if (this.handedOff) {
            this.handedOff = false;
            if (this.handoffPoll.poll(doorbell, seen, wait, clock)) continue;
          }
          Atomics.wait(doorbell, 0, seen, Math.min(wait, PRECISE_WAIT_NS) / 1e6);
        }
        this.checkTimeout(clock.hostNs());
        if (this.quirks.kickSilentWorkers) this.kickSilentWorkers(workers);
        await yieldToEventLoop();
      }
    } finally {
      kicker.close();
      for (const t of workers) if (t.state === VCPU_THREAD.GO) this.kickWorker(t);
    }
  }

  /** Serves every posted worker exit, lets parked runnable workers go, kicks running ones that have news. */
  private serveWorkers(workers: readonly VcpuThread[]): void {
    for (let w = 0; w < workers.length; w++) {
      const t = workers[w]!;
      const i = w + 1;
      const v = this.vcpus[i]!;
      let st = t.state;
      if (st === VCPU_THREAD.EXITED) {
        const late = t.park();
        if (late > 0) {
          v.nmisArrived = Math.min(2, v.nmisArrived + late);
          v.stats.nmis -= late;
        }
        t.served++;
        v.kvm.returned(t.result === 0); // the worker's KVM_RUN returned
        v.kvm.nmiSinceExit = t.nmiSinceExit;
        st = VCPU_THREAD.PARKED;
        const r = t.result;
        if (r === 0) {
          // After a reset request the vCPU's in-flight exit belongs to the machine before it.
          if (!this.resetPending) v.serveExit();
        } else if (r === -4 || r === -11) {
          v.stats.kicks++;
          v.stats.byReason[EXIT.INTR]!++;
          this.quirks.afterKick(v, this.ram);
        } else this.stop({ kind: 'host-error', detail: `KVM_RUN (vCPU ${i}) failed: errno ${-r}` });
      }
    }
    if (this.stopReason !== null || this.resetPending) return;
    this.hostClock.fireDue();
    for (let w = 0; w < workers.length; w++) {
      const t = workers[w]!;
      const i = w + 1;
      const st = t.state;
      if (st === VCPU_THREAD.PARKED) {
        this.wakeFlags[i] = 0;
        const v = this.vcpus[i]!;
        if (v.prepareEntry()) {
          t.go(v.kvm.nmiSinceExit);
          if (t.lastRunUs * 1000 < HANDOFF_HOLD_NS) this.handedOff = true;
        }
      } else if (st === VCPU_THREAD.GO && this.wakeFlags[i] !== 0) {
        this.wakeFlags[i] = 0;
        const v = this.vcpus[i]!;
        v.noteNmi();
        if (v.nmisArrived > 0) {
          // The worker hands NMIs to KVM itself: one kick, no exit to serve, no wake-up.
          t.mailNmis(v.nmisArrived);
          v.stats.nmis += v.nmisArrived;
          v.nmisArrived = 0;
        }
        if (v.needsEntryWork) t.wantPost();
        this.kick.kick(t.tid);
        this.handedOff = true;
      }
    }
  }

  /** Kicks every worker that stayed in KVM_RUN a whole slice without an exit (HostQuirks.kickSilentWorkers). */
  private kickSilentWorkers(workers: readonly VcpuThread[]): void {
    for (const t of workers) {
      if (t.state === VCPU_THREAD.GO && t.served === t.servedAtSliceEnd) this.kickWorker(t);
      t.servedAtSliceEnd = t.served;
    }
  }

  /** Kicks a running worker out of KVM_RUN with its exit posted to the device model. */
  private kickWorker(t: VcpuThread): void {
    t.wantPost();
    this.kick.kick(t.tid);
  }

  private allIdle(): boolean {
    if (this.vcpus[0]!.state === VcpuState.Running) return false;
    for (let w = 0; w < this.threads.length; w++) {
      if (this.threads[w]!.state !== VCPU_THREAD.PARKED) return false;
      if (this.vcpus[w + 1]!.state === VcpuState.Running) return false;
    }
    return true;
  }

  /** Releases KVM and the guest memory. */
  close(): void {
    this.kvmVm.close();
    this.system.close();
  }
}

/** Atomics.waitAsync (Node 16+, ES2024 typings). */
interface AtomicsWithWaitAsync {
  waitAsync(a: Int32Array, i: number, v: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
}

/**
 * The profile as a KVM VM presents it (profiles are data; this derives data): the LAPIC features
 * that mirror CPUID bits as the user chose them, and the xAPIC page of a CPU whose APIC does not
 * serve it reading all-ones, as QEMU on KVM answers there (hw/i386/kvm/apic.c kvm_apic_mem_read).
 */
function vmmProfile(p: PlatformProfile, cpu: CpuFeatureOverrides): PlatformProfile {
  const lapic = {
    ...p.devices.lapic,
    offWindowReadsOnes: true,
    ...(cpu.x2apic !== undefined ? { x2apic: cpu.x2apic } : {}),
    ...(cpu.tscDeadline !== undefined ? { tscDeadline: cpu.tscDeadline } : {}),
  };
  return { ...p, devices: { ...p.devices, lapic } };
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// `hvmdev run`: boots a Multiboot guest on KVM with hvmdev as its whole platform (src/vmm).
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseOptions as parseArgs } from './parse-options.js';
import { PROFILE_NAMES, type ProfileName } from '../platform/profiles.js';
import { KvmUnavailableError } from '../vmm/kvm/errors.js';
import { createLinuxGuest, createMultibootGuest, type Guest } from '../vmm/guest.js';
import { LoaderError } from '../vmm/loaders/loader-error.js';
import { linuxKernelFormat } from '../vmm/loaders/linux.js';
import { checkKernelImage } from '../vmm/loaders/check-kernel.js';
import { SerialMarker } from '../vmm/serial-marker.js';
import { formatStats } from '../vmm/exit-stats.js';
import { describeStop, exitStatus, RUN_STATUS, type StopReason } from '../vmm/stop-reason.js';
import type { CpuFeatureOverrides } from '../vmm/vm.js';
import { MAX_VMM_VCPUS } from '../vmm/vm.js';
import { EnvironmentError, systemErrorText, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { choiceOption, wholeNumberOption } from './option-values.js';

export const RUN_HELP = `Usage: hvmdev run --kernel FILE [options]

Boots a Multiboot (v1) kernel or a Linux kernel (bzImage or x86-64 ELF vmlinux, 64-bit boot
protocol; detected from the file) on KVM, with ACPI and MP tables and an e820 map in guest RAM. The CPU is KVM's; the whole platform (LAPIC, IO-APIC, PIC,
PIT, HPET, RTC, ACPI PM timer, PCI) is hvmdev's, plus a 16550A UART at 0x3F8 (IRQ 4) and, with
--test-devices, QEMU's fw_cfg, isa-debug-exit and pc-testdev. Needs Linux, /dev/kvm and the
optional package koffi. See docs/vmm.md.

Options:
  --kernel FILE     the kernel: Multiboot (ELF32 or a.out kludge), bzImage or ELF64 vmlinux
  --append STR      kernel command line (Multiboot: the guest sees "FILE STR", as QEMU passes it;
                    Linux: STR as it is)
  --initrd FILE     Linux: the initial RAM disk (e.g. a newc cpio archive)
  --stop-at MARKER  stop the VM when the guest's serial output contains MARKER (status 10)
  --module FILE     a Multiboot module (repeatable; kvm-unit-tests: the environment file)
  --vcpus N         vCPUs, 1-${MAX_VMM_VCPUS} (default 1)
  --memory SIZE     guest RAM, e.g. 128M or 1G, at most 3G (default 128M)
  --profile NAME    ${PROFILE_NAMES.join(', ')} (default qemu-pc)
  --cpu FEATURES    CPU features over the profile's, e.g. -x2apic or +x2apic,+tsc-deadline
  --test-devices    attach fw_cfg (0x510), isa-debug-exit (0xF4), pc-testdev (0xE0, 0x2000)
  --serial WHERE    stdio (default) or a FILE the guest's serial output is written to
  --timeout S       stop after S seconds of wall time (default: none)
  --stats           print exits by kind and port/page, injected interrupts, wall vs guest time
  --no-reboot       a guest reset (0xCF9, port 0x92) ends the run instead of rebooting the kernel
  -h, --help        show this help

Exit status:
  0     the guest powered off (ACPI S5: SLP_EN with SLP_TYP 0 in PM1a_CNT)
  odd   the guest wrote CODE to isa-debug-exit: status (CODE << 1) | 1, as QEMU
  1     a file cannot be read
  2     usage: unknown option, malformed or out-of-range value
  ${RUN_STATUS.tripleFault}     the guest triple-faulted (KVM shutdown)
  ${RUN_STATUS.reset}     the guest asked for a reset with --no-reboot (without it the kernel reboots)
  ${RUN_STATUS.guestError}     an instruction neither KVM nor hvmdev could complete
  ${RUN_STATUS.marker}    the --stop-at marker appeared in the guest's serial output
  ${RUN_STATUS.hostError}   host error: the kernel cannot be loaded (one line says why), or a KVM call failed
  ${RUN_STATUS.timeout}   --timeout expired
  ${RUN_STATUS.kvmUnavailable}   this host cannot run a VM (no koffi, no /dev/kvm, KVM too old)
  70    internal error: a bug in hvmdev
`;

/** "128M", "1G", "65536K", "134217728" → bytes. */
export function parseMemorySize(text: string): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (m === null) throw new UsageError(`--memory takes a size like 128M or 1G, got '${text}'`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

/** "-x2apic,+tsc-deadline" → overrides. */
export function parseCpuFeatures(text: string): CpuFeatureOverrides {
  const out: { x2apic?: boolean; tscDeadline?: boolean } = {};
  for (const item of text.split(',').filter((s) => s !== '')) {
    const m = /^([+-])(x2apic|tsc-deadline)$/.exec(item.trim());
    if (m === null) throw new UsageError(`--cpu: '${item}' is not +x2apic, -x2apic, +tsc-deadline or -tsc-deadline`);
    if (m[2] === 'x2apic') out.x2apic = m[1] === '+';
    else out.tscDeadline = m[1] === '+';
  }
  return out;
}

function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new EnvironmentError(`${what}: ${systemErrorText(e as NodeJS.ErrnoException)}`);
  }
}

export async function runRun(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      kernel: { type: 'string' },
      append: { type: 'string' },
      initrd: { type: 'string' },
      'stop-at': { type: 'string' },
      module: { type: 'string', multiple: true },
      vcpus: { type: 'string' },
      memory: { type: 'string' },
      profile: { type: 'string' },
      cpu: { type: 'string' },
      'test-devices': { type: 'boolean' },
      serial: { type: 'string' },
      timeout: { type: 'string' },
      stats: { type: 'boolean' },
      'no-reboot': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  if (values.kernel === undefined) throw new UsageError('--kernel FILE is required');
  const vcpus = values.vcpus === undefined ? 1 : wholeNumberOption('--vcpus', values.vcpus, 1, MAX_VMM_VCPUS);
  const ramBytes = values.memory === undefined ? 128 * 1024 * 1024 : parseMemorySize(values.memory);
  if (ramBytes < 2 * 1024 * 1024 || ramBytes > 3 * 1024 ** 3 || ramBytes % 4096 !== 0) {
    throw new UsageError(`--memory must be a multiple of 4K from 2M to 3G, got '${values.memory}'`);
  }
  const profile: ProfileName = values.profile === undefined ? 'qemu-pc' : choiceOption('--profile', values.profile, PROFILE_NAMES);
  const timeoutSeconds = values.timeout === undefined ? 0 : wholeNumberOption('--timeout', values.timeout, 1, 1_000_000);
  const cpu = values.cpu === undefined ? {} : parseCpuFeatures(values.cpu);
  if (values['stop-at'] === '') throw new UsageError('--stop-at needs a non-empty MARKER');
  const marker = values['stop-at'] === undefined ? null : new SerialMarker(values['stop-at']);
  const kernel = readInput(values.kernel, '--kernel');
  const modules = (values.module ?? []).map((path) => ({ data: readInput(path, '--module'), cmdline: path }));
  const linux = linuxKernelFormat(kernel) !== null;
  try {
    checkKernelImage(kernel); // before KVM is touched: a bad image is the same error on every host
  } catch (e) {
    if (e instanceof LoaderError) {
      io.err(`hvmdev run: cannot load ${values.kernel}: ${e.message}\n`);
      return RUN_STATUS.hostError;
    }
    throw e;
  }
  if (!linux && values.initrd !== undefined) throw new UsageError('--initrd is for a Linux kernel; a Multiboot kernel takes --module');
  if (linux && modules.length > 0) throw new UsageError('--module is for a Multiboot kernel; a Linux kernel takes --initrd');
  const initrd = values.initrd === undefined ? undefined : readInput(values.initrd, '--initrd');

  let serialFd = -1;
  const serialTarget = values.serial ?? 'stdio';
  if (serialTarget !== 'stdio') {
    try {
      serialFd = openSync(serialTarget, 'w');
    } catch (e) {
      throw new EnvironmentError(`--serial: ${systemErrorText(e as NodeJS.ErrnoException)}`);
    }
  }
  const decoder = new TextDecoder();
  const write = serialFd >= 0 ? (b: Uint8Array) => void writeSync(serialFd, b) : (b: Uint8Array) => io.out(decoder.decode(b, { stream: true }));
  let guest: Guest | null = null;
  const serialOut =
    marker === null
      ? write
      : (b: Uint8Array) => {
          write(b);
          if (marker.feed(b)) guest?.vm.stop({ kind: 'marker', marker: marker.marker });
        };

  try {
    const common = {
      vcpus,
      ramBytes,
      profile,
      cpu,
      timeoutSeconds,
      testDevices: values['test-devices'] ?? false,
      onReset: values['no-reboot'] === true ? ('stop' as const) : ('reboot' as const),
      serialOut,
    };
    guest = linux
      ? createLinuxGuest({ ...common, kernel, cmdline: values.append ?? '', ...(initrd !== undefined ? { initrd } : {}) })
      : createMultibootGuest({
          ...common,
          kernel,
          // As QEMU builds a Multiboot command line: the kernel's path, then --append (argv[0] first).
          cmdline: values.append === undefined ? values.kernel : `${values.kernel} ${values.append}`,
          modules,
        });
  } catch (e) {
    if (serialFd >= 0) closeSync(serialFd);
    if (e instanceof KvmUnavailableError) {
      io.err(`hvmdev run: cannot run a VM here: ${e.message}\n`);
      return RUN_STATUS.kvmUnavailable;
    }
    if (e instanceof LoaderError) {
      io.err(`hvmdev run: cannot load ${values.kernel}: ${e.message}\n`);
      return RUN_STATUS.hostError;
    }
    throw e;
  }
  const { vm, board } = guest;
  const forward = (chunk: Buffer) => board.serialInput(chunk);
  const stdinUsed = serialTarget === 'stdio' && process.stdin.readable && !process.stdin.destroyed;
  if (stdinUsed) process.stdin.on('data', forward);
  let reason: StopReason;
  try {
    reason = await vm.run();
  } finally {
    if (stdinUsed) {
      process.stdin.off('data', forward);
      process.stdin.pause();
    }
    if (serialFd >= 0) closeSync(serialFd);
  }
  if (values.stats) {
    const t = vm.times();
    io.err(formatStats(vm.stats(), t.wallNs, t.guestNs));
  }
  vm.close();
  const status = exitStatus(reason);
  if (reason.kind !== 'debug-exit' && reason.kind !== 'power-off' && reason.kind !== 'marker') io.err(`hvmdev run: ${describeStop(reason)}\n`);
  return status;
}

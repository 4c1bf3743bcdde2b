// `npm run test:linux` (not part of `npm test`): boots the Debian 6.1 kernel (uncompressed vmlinux)
// with the test initramfs on the xen-hvm and qemu-pc profiles, prints the kernel's last line and the
// elapsed time while it runs, stops the VM at "Run /init as init process" (--stop-at) and checks
// the log against the issue's criteria (linux-log-criteria.ts). Command line: LINUX_TEST_CMDLINE.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { PciHost } from '../../src/devices/pci/host.js';
import { createLinuxGuest } from '../../src/vmm/guest.js';
import { formatStats } from '../../src/vmm/exit-stats.js';
import { SerialMarker } from '../../src/vmm/serial-marker.js';
import type { Vm } from '../../src/vmm/vm.js';
import { KVM_SKIP_REASON } from '../vmm/kvm/kvm-available.js';
import { BUSYBOX_STATIC, LINUX_VMLINUX_GZ, NO_GUESTS_REASON } from '../vmm/loaders/guest-files.js';
import { buildTestInitramfs } from './initramfs-image.js';
import { checkLinuxLog, type LinuxBootFacts } from './linux-log-criteria.js';
import { LINUX_TEST_CMDLINE } from './linux-cmdline.js';
import { vcpuDiagnostics } from './vcpu-diagnostics.js';

const INIT_MARKER = 'Run /init as init process';
const RTC_WALL_TIME = '2026-12-07T01:02:03';
/** Per boot, from measurement on this PVM host (docs/benchmarks.md), with room for load. */
const BOOT_TIMEOUT_S = Number(process.env['LINUX_BOOT_TIMEOUT_S'] ?? 3000);
const PROFILES = (process.env['LINUX_PROFILES'] ?? 'xen-hvm,qemu-pc').split(',') as ('xen-hvm' | 'qemu-pc')[];
const VCPUS = Number(process.env['LINUX_VCPUS'] ?? 1);
/** Where each boot's whole log goes (several worktrees may boot at once on one machine). */
const LOG_DIR = process.env['LINUX_LOG_DIR'] ?? '/tmp';
const skip = KVM_SKIP_REASON ?? (LINUX_VMLINUX_GZ === null ? NO_GUESTS_REASON : null);

function facts(vm: Vm): LinuxBootFacts {
  const lapic = vm.vcpus[0]!.lapic.params;
  const host = vm.platform.devices.get('pci') as PciHost | undefined;
  const pci = (host?.functions() ?? []).map((fn) => ({
    slot: `${fn.address.bus.toString(16).padStart(2, '0')}:${fn.address.device.toString(16).padStart(2, '0')}.${fn.address.function}`,
    vendor: fn.definition.vendorId,
    device: fn.definition.deviceId,
    barRegs: [...fn.bars.flatMap((b) => (b === null ? [] : [0x10 + 4 * b.index])), ...(fn.rom !== null ? [0x30] : [])],
  }));
  return {
    vcpus: vm.vcpus.length,
    x2apic: lapic.x2apic,
    tscDeadline: lapic.tscDeadline,
    hpet: vm.platform.devices.has('hpet'),
    pmTimer: [...vm.platform.devices.values()].some((d) => d.kind === 'acpi-pm1'),
    tscKhz: vm.tscKhz,
    rtcDate: RTC_WALL_TIME.slice(0, 10),
    ecam: (host?.ecamWindows().length ?? 0) > 0,
    pciHost: host !== undefined,
    pci,
    initMarker: INIT_MARKER,
  };
}

describe.skipIf(skip !== null)(`Linux 6.1 on hvmdev${skip !== null ? ` (skipped: ${skip})` : ''}`, () => {
  const kernel = skip === null ? new Uint8Array(gunzipSync(readFileSync(LINUX_VMLINUX_GZ!))) : new Uint8Array(0);
  const initrd = skip === null ? buildTestInitramfs(BUSYBOX_STATIC!) : new Uint8Array(0);

  for (const profile of PROFILES) {
    it(
      `${profile}, ${VCPUS} vCPU: the kernel finds and uses every device, then runs /init`,
      async () => {
        let log = '';
        let partial = '';
        const decoder = new TextDecoder();
        const marker = new SerialMarker(INIT_MARKER);
        let vm: Vm | null = null;
        const guest = createLinuxGuest({
          kernel,
          initrd,
          cmdline: LINUX_TEST_CMDLINE,
          profile,
          vcpus: VCPUS,
          ramBytes: 256 * 1024 * 1024,
          platform: { wallTime: RTC_WALL_TIME },
          timeoutSeconds: BOOT_TIMEOUT_S,
          serialOut: (b) => {
            const t = decoder.decode(b, { stream: true });
            log += t;
            partial = (partial + t).split('\n').slice(-2).join('\n');
            if (marker.feed(b)) vm?.stop({ kind: 'marker', marker: INIT_MARKER });
          },
        });
        vm = guest.vm;
        const started = Date.now();
        const lastLine = () => log.trimEnd().split('\n').pop() ?? '';
        const logFile = `${LOG_DIR}/hvmdev-linux-${profile}-${VCPUS}cpu.log`;
        const progress = setInterval(() => {
          // The log so far, so a boot stopped from outside (or one still running) can be read whole.
          writeFileSync(logFile, log);
          process.stderr.write(`[linux ${profile} ${Math.round((Date.now() - started) / 1000)} s] ${lastLine()}\n`);
          if (VCPUS > 1 && vm !== null) process.stderr.write(`  ${vcpuDiagnostics(vm)}\n`);
        }, 15_000);
        // biome-ignore lint/suspicious/noImplicitAnyLet: assigned in the try below, typed by vm.run()
        let reason;
        try {
          reason = await vm.run();
        } finally {
          clearInterval(progress);
        }
        const t = vm.times();
        const stats = formatStats(vm.stats(), t.wallNs, t.guestNs);
        const f = facts(vm);
        vm.close();
        writeFileSync(logFile, `${log}\n--- stop: ${JSON.stringify(reason)}\n${stats}`);
        process.stderr.write(
          `[linux ${profile}] stopped after ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(reason)}; log in ${logFile}\n${stats}\n`,
        );
        const results = checkLinuxLog(log, f);
        for (const r of results) process.stderr.write(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}\n`);
        expect(reason).toEqual({ kind: 'marker', marker: INIT_MARKER });
        expect(results.filter((r) => !r.ok)).toEqual([]);
      },
      (BOOT_TIMEOUT_S + 60) * 1000,
    );
  }
});

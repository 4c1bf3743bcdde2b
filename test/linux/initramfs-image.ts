// The initramfs the Linux boot test gives the kernel: BusyBox (static, from the shared guests) and
// an /init that reports what the kernel found and powers off through ACPI. On a host with hardware
// virtualisation the kernel runs it; on PVM the first syscall from /init fails (a stock kernel
// cannot enter user space there), so the test stops at "Run /init as init process".
import { readFileSync } from 'node:fs';
import { writeNewc, type InitramfsEntry } from '../../src/initramfs/newc-writer.js';

/** Printed by /init before it powers off (what a run on a VMX/SVM host can look for). */
export const INIT_DONE_MARKER = 'hvmdev-init: done, powering off';

export const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "hvmdev-init: $(uname -r), $(nproc) CPUs"
echo "hvmdev-init: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) of $(cat /sys/devices/system/clocksource/clocksource0/available_clocksource)"
grep -E "Clock Event Device|event_handler" /proc/timer_list | sort | uniq -c
echo "hvmdev-init: interrupts"
cat /proc/interrupts
echo "hvmdev-init: rtc0 $(cat /sys/class/rtc/rtc0/date 2>/dev/null) $(cat /sys/class/rtc/rtc0/time 2>/dev/null)"
hwclock -r
echo "hvmdev-init: PCI"
for d in /sys/bus/pci/devices/*; do echo "$d $(cat $d/vendor):$(cat $d/device) class $(cat $d/class)"; done
grep -i -E "pci|hpet|serial|rtc|acpi" /proc/ioports /proc/iomem
echo "${INIT_DONE_MARKER}"
poweroff -f
`;

/** The archive: /bin/busybox, /init, the mount points and /dev/console. */
export function buildTestInitramfs(busyboxPath: string): Uint8Array {
  const busybox = new Uint8Array(readFileSync(busyboxPath));
  const entries: InitramfsEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    { type: 'dir', path: 'dev' },
    { type: 'char', path: 'dev/console', major: 5, minor: 1 },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'file', path: 'init', data: INIT_SCRIPT, mode: 0o755 },
  ];
  return writeNewc(entries);
}

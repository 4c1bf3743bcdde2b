// The Linux log checker (run by `npm run test:linux`) on logs written here: every criterion passes
// on a good log, and each kind of bad line or missing line is caught.
import { describe, expect, it } from 'vitest';
import { checkLinuxLog, type LinuxBootFacts } from './linux-log-criteria.js';

const FACTS: LinuxBootFacts = {
  vcpus: 1,
  x2apic: true,
  tscDeadline: true,
  hpet: true,
  pmTimer: true,
  tscKhz: 2_994_374,
  rtcDate: '2026-12-07',
  ecam: false,
  pciHost: true,
  pci: [
    { slot: '00:00.0', vendor: 0x8086, device: 0x1237, barRegs: [] },
    { slot: '00:01.1', vendor: 0x8086, device: 0x7010, barRegs: [0x20] },
  ],
  initMarker: 'Run /init as init process',
};

const GOOD = `[    0.000000] x2apic enabled
[    0.100000] ..TIMER: vector=0x30 apic1=0 pin1=2 apic2=-1 pin2=-1
[    0.100000] TSC deadline timer available
[    0.200000] hpet0: at MMIO 0xfed00000, IRQs 2, 8, 0
[    0.200000] hpet0: 3 comparators, 64-bit 100.000000 MHz counter
[    0.300000] clocksource: hpet: mask: 0xffffffffffffffff max_cycles: 0x171024e7e0, max_idle_ns: 793554 ns
[    0.400000] clocksource: acpi_pm: mask: 0xffffff max_cycles: 0xffffff, max_idle_ns: 2085701024 ns
[    0.500000] ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])
[    0.500000] pci 0000:00:00.0: [8086:1237] type 00 class 0x060000
[    0.500000] pci 0000:00:01.1: [8086:7010] type 00 class 0x010180
[    0.500000] pci 0000:00:01.1: reg 0x20: [io  0xc000-0xc00f]
[    0.600000] PCI: Using ACPI for IRQ routing
[    0.700000] 00:04: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A
[    0.800000] rtc_cmos 00:02: registered as rtc0
[    0.800000] rtc_cmos 00:02: setting system clock to 2026-12-07T01:02:05 UTC (1796605325)
[    0.900000] smp: Brought up 1 node, 1 CPU
[    1.000000] tsc: Refined TSC clocksource calibration: 2994.500 MHz
[    2.000000] Run /init as init process
`;

const failed = (log: string, f = FACTS) =>
  checkLinuxLog(log, f)
    .filter((r) => !r.ok)
    .map((r) => r.name);

describe('checkLinuxLog', () => {
  it('a log with every line and nothing forbidden passes every criterion', () => {
    expect(failed(GOOD)).toEqual([]);
    expect(checkLinuxLog(GOOD, FACTS).find((r) => r.name === 'TSC within 0.1% of KVM_GET_TSC_KHZ')!.detail).toBe('2994.5 MHz vs 2994374 kHz: 0.0042%');
  });

  it('catches each forbidden line', () => {
    const bad: [string, string][] = [
      ['WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 bar+0x1/0x2', 'no WARNING'],
      ['irq 9: nobody cared (try booting with the "irqpoll" option)', 'no nobody cared'],
      ["clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc' as unstable because the skew is too large:", 'no unstable clocksource'],
      ['hpet: Lost 1 RTC interrupts', 'no lost interrupt'],
      ['hrtimer: interrupt took 123456 ns', 'no hrtimer'],
      ['APIC calibration not consistent with PM-Timer: 139ms instead of 100ms', 'no APIC calibration'],
      ['..MP-BIOS bug: 8254 timer not connected to IO-APIC', 'no timer not through the IO-APIC'],
      ['PCI: System does not support PCI', 'no no PCI'],
    ];
    for (const [line, name] of bad) expect(failed(`${GOOD}${line}\n`)).toEqual([name]);
  });

  it('catches missing lines, a TSC off by more than 0.1%, a wrong RTC date and a missing BAR', () => {
    expect(failed(GOOD.replace(/.*TIMER.*\n/, ''))).toEqual(['timer through the IO-APIC']);
    expect(failed(GOOD.replace('2994.500 MHz', '2997.500 MHz'))).toEqual(['TSC within 0.1% of KVM_GET_TSC_KHZ']);
    expect(failed(GOOD.replace('2026-12-07T', '2020-01-01T'))).toEqual(['rtc date']);
    expect(failed(GOOD.replace(/.*reg 0x20.*\n/, ''))).toEqual(['PCI 00:01.1 BAR at 0x20']);
    // Debian's 6.1.192 names the BAR instead of its register (the line its boot on hvmdev logged).
    expect(failed(GOOD.replace(/.*reg 0x20.*\n/, '[ 1142.624951] pci 0000:00:01.1: BAR 4 [io  0x0000-0x000f]\n'))).toEqual([]);
    expect(failed(GOOD.replace(/.*reg 0x20.*\n/, '[ 1142.624951] pci 0000:00:01.1: BAR 3 [io  0x0376]\n'))).toEqual(['PCI 00:01.1 BAR at 0x20']);
    expect(failed(GOOD.replace('Run /init', 'Run /sbin/init'))).toEqual(['init started']);
    expect(failed(GOOD, { ...FACTS, ecam: true, vcpus: 2 })).toEqual(['MMCONFIG', '2 vCPU(s) up']);
  });

  it('a platform without PCI (xen-hvm): the kernel must report none, and must find no root bridge', () => {
    const noPci = { ...FACTS, pciHost: false, pci: [] };
    const xenLog = GOOD.replace(/.*(PCI|pci ).*\n/g, '');
    expect(failed(`${xenLog}[  348.857370] PCI: Fatal: No config space access function found\n`, noPci)).toEqual([]);
    expect(failed(xenLog, noPci)).toEqual(['no PCI on a platform without it']);
    expect(failed(GOOD, noPci)).toEqual(['no PCI on a platform without it', 'no PCI root bridge']);
  });
});

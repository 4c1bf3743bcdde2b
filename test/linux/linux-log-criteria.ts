// The acceptance criteria of issue 12 for a Linux boot log: what the kernel must have found and
// used on an hvmdev platform, and what must never appear. Pure: the boot test (linux-boot.linux.ts)
// feeds it the serial log and the facts of the platform it booted.
export interface PciFunctionFacts {
  /** "00:01.0" */
  readonly slot: string;
  readonly vendor: number;
  readonly device: number;
  /** Config offsets of the BARs the function implements (0x10 …, 0x30 for a ROM). */
  readonly barRegs: readonly number[];
}

export interface LinuxBootFacts {
  readonly vcpus: number;
  readonly x2apic: boolean;
  readonly tscDeadline: boolean;
  readonly hpet: boolean;
  readonly pmTimer: boolean;
  /** KVM_GET_TSC_KHZ. */
  readonly tscKhz: number;
  /** The RTC's date at power-on, "YYYY-MM-DD". */
  readonly rtcDate: string;
  readonly ecam: boolean;
  /**
   * Whether the platform has a PCI host bridge. Xen's emulation set (the xen-hvm profile) has none:
   * under Xen a HVM guest's PCI is its device model's, so there the kernel must find no PCI.
   */
  readonly pciHost: boolean;
  readonly pci: readonly PciFunctionFacts[];
  /** The marker the run stops at (the kernel's last line before user space). */
  readonly initMarker: string;
}

export interface CriterionResult {
  readonly name: string;
  readonly ok: boolean;
  /** The matching line, or what is missing or what was found instead. */
  readonly detail: string;
}

/** The kernel's words for a platform without PCI configuration access. */
const NO_PCI = /System does not support PCI|No config space access function found/;

const FORBIDDEN: readonly [string, RegExp][] = [
  ['WARNING', /WARNING:/],
  ['oops', /Oops|BUG: |general protection fault|Kernel panic/],
  ['nobody cared', /irq \d+: nobody cared/],
  // (drivers/char/hpet.c's RTC emulation says it as "hpet: Lost N RTC interrupts")
  ['lost interrupt', /lost interrupt|Lost \d+ RTC interrupts/i],
  ['unstable clocksource', /clocksource.*unstable/i],
  ['hrtimer', /hrtimer: interrupt took/],
  ['APIC calibration', /APIC calibration not consistent/],
  [
    'timer not through the IO-APIC',
    /MP-BIOS bug: 8254 timer not connected|trying to set up timer as Virtual Wire|trying to set up timer as ExtINT|timer doesn't work through/,
  ],
  ['RTC without PNP', /rtc_cmos: probe of .* failed|no PNP device found/],
];

/** Every criterion, in the order of the issue. */
export function checkLinuxLog(log: string, f: LinuxBootFacts): CriterionResult[] {
  const lines = log.split(/\r?\n/);
  const out: CriterionResult[] = [];
  const find = (re: RegExp) => lines.find((l) => re.test(l)) ?? null;
  const need = (name: string, re: RegExp, missing = `no line matches ${re}`) => {
    const l = find(re);
    out.push({ name, ok: l !== null, detail: l ?? missing });
    return l;
  };

  need('timer through the IO-APIC', /\.\.TIMER: vector=0x30 apic1=0 pin1=2/);
  if (f.tscDeadline) need('LAPIC TSC-deadline timer', /TSC deadline timer available/);
  else need('LAPIC timer calibrated', /\.\.\. jiffies result ok|Using local APIC timer interrupts/);
  if (f.x2apic) need('x2APIC used', /x2apic enabled|x2apic: enabled by BIOS|Switched APIC routing to (cluster|physical) x2apic/);
  if (f.hpet) {
    need('hpet0', /hpet0: at MMIO 0xfed00000, IRQs 2, 8, 0/);
    need('hpet comparators', /hpet0: \d+ comparators, (32|64)-bit [\d.]+ MHz counter/);
    need('clocksource hpet', /clocksource: hpet: mask/);
  }
  if (f.pmTimer) need('clocksource acpi_pm', /clocksource: acpi_pm: mask/);
  const refined = need('TSC refined', /tsc: Refined TSC clocksource calibration: [\d.]+ MHz/);
  if (refined !== null) {
    const mhz = Number(/calibration: ([\d.]+) MHz/.exec(refined)![1]);
    const error = Math.abs(mhz * 1000 - f.tscKhz) / f.tscKhz;
    out.push({ name: 'TSC within 0.1% of KVM_GET_TSC_KHZ', ok: error <= 0.001, detail: `${mhz} MHz vs ${f.tscKhz} kHz: ${(error * 100).toFixed(4)}%` });
  }
  need('rtc0 through PNP', /rtc_cmos 00:0[0-9a-f]: registered as rtc0/);
  need('rtc date', new RegExp(`rtc_cmos 00:0[0-9a-f]: setting system clock to ${f.rtcDate}T`));
  if (f.pciHost) {
    need('PCI through ACPI', /PCI: Using ACPI for IRQ routing/);
    need('PCI root bridge from ACPI', /ACPI: PCI Root Bridge \[PCI0\]/);
    const none = find(NO_PCI);
    out.push({ name: 'no no PCI', ok: none === null, detail: none ?? 'absent' });
  } else {
    // No host bridge in the platform (nor \_SB.PCI0 in its DSDT): the kernel must say it has no PCI.
    need('no PCI on a platform without it', NO_PCI);
    const root = find(/ACPI: PCI Root Bridge/);
    out.push({ name: 'no PCI root bridge', ok: root === null, detail: root ?? 'absent' });
  }
  for (const fn of f.pci) {
    const id = `${fn.vendor.toString(16).padStart(4, '0')}:${fn.device.toString(16).padStart(4, '0')}`;
    need(`PCI ${fn.slot} [${id}]`, new RegExp(`pci 0000:${fn.slot.replace('.', '\\.')}: \\[${id}\\]`));
    for (const reg of fn.barRegs) {
      const what = reg === 0x30 ? 'ROM' : `BAR at 0x${reg.toString(16)}`;
      // 6.1 stable (Debian's 6.1.192) logs `BAR 4 [io  0x0000-0x000f]`; older kernels `reg 0x20: [io …]`.
      const name = reg === 0x30 ? 'ROM' : `BAR ${(reg - 0x10) / 4}`;
      const slot = fn.slot.replace('.', '\\.');
      need(`PCI ${fn.slot} ${what}`, new RegExp(`pci 0000:${slot}: (reg 0x${reg.toString(16)}:|${name}) \\[(io|mem)`));
    }
  }
  if (f.ecam) need('MMCONFIG', /PCI: MMCONFIG for domain 0000 \[bus 00-[0-9a-f]{2}\] at \[mem 0x[0-9a-f]+-0x[0-9a-f]+\]/);
  need('16550A on ttyS0', /ttyS0 at I\/O 0x3f8 \(irq = 4(, base_baud = \d+)?\) is a 16550A/);
  need(`${f.vcpus} vCPU(s) up`, new RegExp(`smp: Brought up 1 node, ${f.vcpus} CPUs?`));
  for (const [name, re] of FORBIDDEN) {
    const l = find(re);
    out.push({ name: `no ${name}`, ok: l === null, detail: l ?? 'absent' });
  }
  need('init started', new RegExp(f.initMarker.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  return out;
}

// Named platform profiles: immutable (immer-frozen) data describing what a platform is made of.
// Device models read their parameters from here; defaults live in one place.
import { freeze } from 'immer';
import type { BusProfile } from '../bus/bus-core.js';
import {
  XEN_X86_EMU_HPET,
  XEN_X86_EMU_IOAPIC,
  XEN_X86_EMU_IOMMU,
  XEN_X86_EMU_LAPIC,
  XEN_X86_EMU_PIC,
  XEN_X86_EMU_PIT,
  XEN_X86_EMU_PM,
  XEN_X86_EMU_RTC,
  XEN_X86_EMU_VGA,
  XEN_X86_EMU_VPCI,
} from '../emuflags/flags.js';
import type { GuestType } from '../emuflags/guests.js';
import { IDENTITY_ISA_TO_GSI, XEN_ISA_TO_GSI } from '../irq/fabric.js';
import { QEMU_PC_LAPIC_PARAMS, XEN_LAPIC_PARAMS, type LapicParams } from '../devices/lapic/params.js';
import { QEMU_PC_HPET_PARAMS, QEMU_Q35_HPET_PARAMS, XEN_HPET_PARAMS, type HpetParams } from '../devices/hpet/hpet-params.js';
import { QEMU_PC_PM_PARAMS, XEN_PM_PARAMS, type PmParams } from '../devices/pm/pm-params.js';
import { QEMU_PC_IOAPIC_PARAMS, XEN_IOAPIC_PARAMS, type IoapicParams } from '../devices/ioapic/params.js';
import { QEMU_PC_PIC_PARAMS, XEN_PIC_PARAMS, type PicParams } from '../devices/pic/params.js';
import { QEMU_ICH9_TCO_PARAMS, type Ich9TcoParams } from '../devices/pci/ich9-tco.js';
import { QEMU_Q35_MCH_PARAMS, type Q35MchParams } from '../devices/pci/q35-mch.js';
import { QEMU_PC_PCI_HOST_PARAMS, QEMU_Q35_PCI_HOST_PARAMS, XEN_PCI_HOST_PARAMS, type PciHostParams } from '../devices/pci/params.js';
import { XEN_VGA_WINDOW_PARAMS, type VgaWindowParams } from '../devices/vga/params.js';
import { QEMU_PC_PIT_PARAMS, XEN_PIT_PARAMS, XEN_PV_PIT_PARAMS, type PitParams } from '../devices/pit/pit-params.js';
import { QEMU_PC_RTC_PARAMS, XEN_RTC_PARAMS, type RtcParams } from '../devices/rtc/rtc-params.js';
import { PlatformOptionError } from './errors.js';

/** Parameters of each device model for one profile (defaults live here, in one place). */
export interface DeviceParams {
  /** Local APIC (docs/devices/lapic.md). */
  readonly lapic: LapicParams;
  /** HPET (docs/devices/hpet.md). */
  readonly hpet: HpetParams;
  /** ACPI PM timer and PM1a block. */
  readonly pm: PmParams;
  /** IO-APIC (a PVH dom0 derives one per host IO-APIC instead). */
  readonly ioapic: IoapicParams;
  /** 8259 PIC pair. */
  readonly pic: PicParams;
  /** PCI host bridge (used when the VPCI flag is set). */
  readonly pci: PciHostParams;
  /** Legacy VGA ranges. */
  readonly vga: VgaWindowParams;
  /** 8254 PIT. */
  readonly pit: PitParams;
  /** MC146818 RTC/CMOS. */
  readonly rtc: RtcParams;
  /** The ICH9 TCO watchdog of board.pciChipset 'ich9' (absent: the datasheet's, ICH9_TCO_PARAMS). */
  readonly ich9Tco?: Ich9TcoParams;
  /** The Q35 MCH of board.pciChipset 'ich9' (absent: the datasheet's, Q35_MCH_PARAMS). */
  readonly q35Mch?: Q35MchParams;
}

const XEN_DEVICES: DeviceParams = {
  lapic: XEN_LAPIC_PARAMS,
  hpet: XEN_HPET_PARAMS,
  pm: XEN_PM_PARAMS,
  ioapic: XEN_IOAPIC_PARAMS,
  pic: XEN_PIC_PARAMS,
  pci: XEN_PCI_HOST_PARAMS,
  vga: XEN_VGA_WINDOW_PARAMS,
  pit: XEN_PIT_PARAMS,
  rtc: XEN_RTC_PARAMS,
};
const QEMU_PC_DEVICES: DeviceParams = {
  lapic: QEMU_PC_LAPIC_PARAMS,
  hpet: QEMU_PC_HPET_PARAMS,
  pm: QEMU_PC_PM_PARAMS,
  ioapic: QEMU_PC_IOAPIC_PARAMS,
  pic: QEMU_PC_PIC_PARAMS,
  pci: QEMU_PC_PCI_HOST_PARAMS,
  vga: XEN_VGA_WINDOW_PARAMS,
  pit: QEMU_PC_PIT_PARAMS,
  rtc: QEMU_PC_RTC_PARAMS,
};

/** QEMU 7.2 `q35`: as `pc` except the HPET's route capabilities and the PCI chipset (MCH + ICH9). */
const QEMU_Q35_DEVICES: DeviceParams = {
  ...QEMU_PC_DEVICES,
  hpet: QEMU_Q35_HPET_PARAMS,
  pci: QEMU_Q35_PCI_HOST_PARAMS,
  ich9Tco: QEMU_ICH9_TCO_PARAMS,
  q35Mch: QEMU_Q35_MCH_PARAMS,
};

/** The names of the built-in profiles ({@link PROFILES}), as createPlatform's `profile` option takes them. */
export const PROFILE_NAMES = ['xen-hvm', 'xen-pvh', 'xen-pvh-dom0', 'xen-pv', 'qemu-pc', 'qemu-q35'] as const;
/** A built-in profile's name. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The profile a platform, the CLI and the VMM use when none is named. */
export const DEFAULT_PROFILE: ProfileName = 'xen-hvm';

/**
 * What a profile adds around the device models, as QEMU's pc machine code or Xen's hypervisor
 * does. Each is a field so that a user-built profile behaves by its values, never by its name.
 */
export interface BoardProfile {
  /**
   * The board's bytes in CMOS (memory sizes at 0x15–0x18, 0x30–0x31, 0x34–0x35, with QEMU's
   * equipment, century and boot bytes: qemuPcNvram) follow the platform's RAM size, as QEMU's
   * pc_cmos_init writes them (hw/i386/pc.c); false: the RTC parameters' NVRAM bytes as they are.
   */
  readonly cmosMemorySizes: boolean;
  /**
   * The PCI functions beside the host bridge: 'piix' (QEMU's pc: PIIX3 ISA bridge and IDE, PIIX4 PM
   * whose PMBA/PMREGMISC place the ACPI PM block; hw/i386/pc_piix.c), 'ich9' (QEMU's q35: the MCH
   * with PCIEXBAR at 00:00.0, ICH9 LPC whose PMBASE/ACPI_CNTL place the PM block, AHCI and SMBus
   * config spaces; hw/i386/pc_q35.c), or null: none.
   */
  readonly pciChipset: 'piix' | 'ich9' | null;
  /**
   * Xen's IRQ0_SPECIAL_ROUTING (xen/arch/x86/hvm/vioapic.c): while PIT channel 0 runs, a
   * lowest-priority interrupt on GSI 2 goes to vCPU 0 when its LAPIC is named.
   */
  readonly irq0SpecialRouting: boolean;
}

/**
 * Everything that makes a platform Xen's or QEMU's, as data: flag validation, default flags, bus
 * rules, interrupt wiring, timer clamp, RAM and each device's parameters. A profile is never
 * branched on by name: copy a built-in one from {@link PROFILES}, change fields, and pass the
 * object as createPlatform's `profile`.
 */
export interface PlatformProfile {
  /** One of PROFILE_NAMES for the built-in profiles; any name for a profile built by a user. */
  readonly name: string;
  /** One line for `describe` ("Xen HVM domU: every emulated device ..."). */
  readonly description: string;
  /**
   * How the flag set is checked: against Xen's rules for `guest` (the Xen profiles), or only
   * structurally (a non-Xen platform such as qemu-pc).
   */
  readonly validation:
    | {
        /** Checked by Xen's emulation_flags_ok rules. */
        readonly kind: 'xen';
        /** The Xen guest type whose rules apply. */
        readonly guest: GuestType;
      }
    | {
        /** Not checked against Xen's rules (a non-Xen machine): any flag set that parses is built. */
        readonly kind: 'structural';
      };
  /** Flags selected when the user gives none (libxl's defaults for the Xen profiles). */
  readonly defaultFlags: number;
  /** Xen's debug console on port 0xE9 (every HVM container). */
  readonly debugConsole: boolean;
  /** Width policy and unclaimed-read value of each bus (docs/architecture.md, Buses). */
  readonly bus: {
    /** The I/O port bus's rules. */
    readonly port: BusProfile;
    /** The memory bus's rules. */
    readonly mmio: BusProfile;
  };
  /** The interrupt fabric's GSI count and ISA IRQ → GSI map (FabricConfig). */
  readonly irq: {
    /** Number of GSIs (Xen 48, QEMU 24). */
    readonly gsiCount: number;
    /** The GSI each ISA IRQ 0–15 drives. */
    readonly isaToGsi: readonly number[];
  };
  /**
   * Periodic platform timers (PIT, RTC, HPET, LAPIC timer): `minPeriodNs` is the clock's clamp;
   * `xenVpt` says whether missed ticks follow Xen's hvm/vpt.c (the platform's timerMode, guest
   * acknowledgements on the vCPU that handles the 8259) or coalesce as hardware does (QEMU).
   */
  readonly clock: {
    /** The shortest period (ns) a periodic timer gets (Xen 100 µs, QEMU 1 ns). */
    readonly minPeriodNs: number;
    /** Missed ticks follow Xen's hvm/vpt.c. */
    readonly xenVpt: boolean;
  };
  /** Guest RAM mapped by default (bytes below 0xA0000 and from 1 MiB up), 0 for none. */
  readonly ramBytes: number;
  /**
   * QOM paths of QEMU's `pc` machine accepted as aliases by the qtest front-end, so a script
   * recorded against QEMU replays unchanged. Values are this platform's controller names.
   */
  readonly qomAliases: Readonly<Record<string, string>>;
  /** What the profile adds around the devices. */
  readonly board: BoardProfile;
  /** Device model parameters. */
  readonly devices: DeviceParams;
}

const XEN_BUS: BusProfile = { widthPolicy: 'reject', unclaimedRead: 'ones' };
/** Xen clamps periodic platform timers to 100 µs (hvm/vpt.c). */
const XEN_MIN_PERIOD_NS = 100_000;

const XEN_COMMON = {
  debugConsole: true,
  bus: { port: XEN_BUS, mmio: XEN_BUS },
  irq: { gsiCount: 48, isaToGsi: XEN_ISA_TO_GSI },
  clock: { minPeriodNs: XEN_MIN_PERIOD_NS, xenVpt: true },
  ramBytes: 16 * 1024 * 1024,
  qomAliases: {},
  board: { cmosMemorySizes: false, pciChipset: null, irq0SpecialRouting: true },
  devices: XEN_DEVICES,
} as const;

const HVM_FLAGS =
  XEN_X86_EMU_LAPIC |
  XEN_X86_EMU_HPET |
  XEN_X86_EMU_PM |
  XEN_X86_EMU_RTC |
  XEN_X86_EMU_IOAPIC |
  XEN_X86_EMU_PIC |
  XEN_X86_EMU_VGA |
  XEN_X86_EMU_IOMMU |
  XEN_X86_EMU_PIT;

/** The devices of QEMU's pc and q35 machines, as emulation flags. */
const QEMU_FLAGS =
  XEN_X86_EMU_LAPIC | XEN_X86_EMU_HPET | XEN_X86_EMU_PM | XEN_X86_EMU_RTC | XEN_X86_EMU_IOAPIC | XEN_X86_EMU_PIC | XEN_X86_EMU_PIT | XEN_X86_EMU_VPCI;

/** QEMU splits wide port accesses into bytes and reads unassigned memory as 0 (ports as all-ones). */
const QEMU_BUS = { port: { widthPolicy: 'split', unclaimedRead: 'ones' }, mmio: { widthPolicy: 'split', unclaimedRead: 'zero' } } as const;

/** What QEMU's pc and q35 machines share: no Xen flag rules, QEMU's bus rules, 24 GSIs, no vpt. */
const QEMU_MACHINE = {
  validation: { kind: 'structural' },
  defaultFlags: QEMU_FLAGS,
  debugConsole: false,
  bus: QEMU_BUS,
  irq: { gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI },
  clock: { minPeriodNs: 1, xenVpt: false },
  ramBytes: 128 * 1024 * 1024,
} as const;

/**
 * The built-in profiles, frozen: `xen-hvm`, `xen-pvh`, `xen-pvh-dom0`, `xen-pv` (Xen's rules and
 * device parameters per guest type), `qemu-pc` and `qemu-q35` (QEMU 7.2's machines). docs/platform.md
 * compares them.
 */
export const PROFILES: Readonly<Record<ProfileName, PlatformProfile>> = freeze(
  {
    'xen-hvm': {
      name: 'xen-hvm',
      description: 'Xen HVM domU: every emulated device (libxl default 0x1FF, USE_PIRQ off)',
      validation: { kind: 'xen', guest: 'hvm' },
      defaultFlags: HVM_FLAGS,
      ...XEN_COMMON,
    },
    'xen-pvh': {
      name: 'xen-pvh',
      description: 'Xen PVH domU: only the local APIC (0x001); legacy ports read all-ones',
      validation: { kind: 'xen', guest: 'pvh' },
      defaultFlags: XEN_X86_EMU_LAPIC,
      ...XEN_COMMON,
    },
    'xen-pvh-dom0': {
      name: 'xen-pvh-dom0',
      description: 'Xen PVH dom0 (HVM hardware domain): LAPIC, IO-APIC and vPCI (0x411)',
      validation: { kind: 'xen', guest: 'pvh-dom0' },
      defaultFlags: XEN_X86_EMU_LAPIC | XEN_X86_EMU_IOAPIC | XEN_X86_EMU_VPCI,
      ...XEN_COMMON,
    },
    'xen-pv': {
      name: 'xen-pv',
      description: 'Xen PV domU: no emulated devices by default (PIT optional); no HVM debug console',
      validation: { kind: 'xen', guest: 'pv' },
      defaultFlags: 0,
      ...XEN_COMMON,
      debugConsole: false,
      // A PV guest's PIT is reached only through ports 0x42, 0x43 and 0x61, with no IRQ0 (pv_pit_handler).
      devices: { ...XEN_DEVICES, pit: XEN_PV_PIT_PARAMS },
    },
    'qemu-pc': {
      name: 'qemu-pc',
      description: "QEMU 7.2 'pc' (i440FX + PIIX) device parameters, to compare with a real QEMU in qtest mode",
      ...QEMU_MACHINE,
      qomAliases: {
        ioapic: 'ioapic',
        '/machine/i440fx/ioapic': 'ioapic',
        '/machine/unattached/device[6]': 'pic-master',
        '/machine/unattached/device[7]': 'pic-slave',
        '/machine/unattached/device[8]': 'hpet',
        '/machine/unattached/device[9]': 'rtc',
        '/machine/unattached/device[10]': 'pit',
        '/machine/unattached/device[18]': 'pm',
        '/machine/unattached/device[0]/lapic': 'lapic0',
      },
      board: { cmosMemorySizes: true, pciChipset: 'piix', irq0SpecialRouting: false },
      devices: QEMU_PC_DEVICES,
    },
    'qemu-q35': {
      name: 'qemu-q35',
      description: "QEMU 7.2 'q35' (MCH + ICH9) device parameters, to compare with a real QEMU in qtest mode",
      ...QEMU_MACHINE,
      // QEMU 7.2 `q35 -nodefaults` object paths, as its QOM tree names them (docs/qtest.md, "Recording a transcript").
      qomAliases: {
        ioapic: 'ioapic',
        '/machine/q35/ioapic': 'ioapic',
        '/machine/unattached/device[5]': 'pic-master',
        '/machine/unattached/device[6]': 'pic-slave',
        '/machine/unattached/device[7]': 'hpet',
        '/machine/unattached/device[8]': 'rtc',
        '/machine/unattached/device[9]': 'pit',
        '/machine/unattached/device[2]': 'pm',
        '/machine/unattached/device[0]/lapic': 'lapic0',
      },
      board: { cmosMemorySizes: true, pciChipset: 'ich9', irq0SpecialRouting: false },
      devices: QEMU_Q35_DEVICES,
    },
  },
  true,
);

/** The built-in profile `name`; throws {@link PlatformOptionError} listing the names for any other. */
export function profileByName(name: string): PlatformProfile {
  const p = (PROFILES as Record<string, PlatformProfile>)[name];
  if (p === undefined) {
    throw new PlatformOptionError(`unknown profile '${name}'; choose one of ${PROFILE_NAMES.join(', ')}`);
  }
  return p;
}

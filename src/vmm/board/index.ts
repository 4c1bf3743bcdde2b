// The VMM's board: the devices a PC has outside the XEN_X86_EMU set, attached to a built platform.
// Always: the 16550A UART at 0x3F8 (ISA IRQ 4), System Control Port A (0x92, fast reset) and CMOS
// NVRAM for the RTC (when the platform has one); PM1a_CNT where the PM block leaves it to the device model (Xen). With testDevices: QEMU's test devices that
// kvm-unit-tests expect (fw_cfg 0x510, isa-debug-exit 0xF4, pc-testdev 0xE0 and its IRQ lines at
// 0x2000). Each device sees only the port bus, a line and callbacks.
import type { Platform } from '../../platform/platform.js';
import type { Rtc } from '../../devices/rtc/rtc.js';
import { HvmdevError } from '../../errors/hvmdev-error.js';
import { fromEpochSeconds } from '../../devices/rtc/calendar.js';
import { CMOS_CENTURY_INDEX, pcBiosNvram } from './cmos-nvram.js';
import { FW_CFG_PORT, FW_CFG_PORT_COUNT, FwCfg } from './fw-cfg.js';
import { ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_SIZE, IsaDebugExit } from './isa-debug-exit.js';
import { PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_SIZE, PC_TESTDEV_PORT, PC_TESTDEV_PORT_COUNT, PcTestdev, PcTestdevIomem } from './pc-testdev.js';
import { PC_TESTDEV_IRQ_LINES, PC_TESTDEV_IRQ_PORT, PcTestdevIrqLines } from './pc-testdev-irq-lines.js';
import { SYSTEM_CONTROL_PORT_A, SystemControlPortA } from './system-control-port.js';
import { Pm1aControl } from './pm1a-control.js';
import type { PmTimer } from '../../devices/pm/pm-timer.js';
import { COM1_IRQ, COM1_PORT, Uart16550A } from './uart-16550a.js';

export * from './cmos-nvram.js';
export * from './fw-cfg.js';
export * from './isa-debug-exit.js';
export * from './pc-testdev.js';
export * from './pc-testdev-irq-lines.js';
export * from './system-control-port.js';
export * from './uart-16550a.js';

/** RAM above this stays above 4 GiB on a PC (the PCI hole); the contract keeps ramSize ≤ 3 GiB. */
export const BELOW_4G_RAM_LIMIT = 0xc0000000;

export interface BoardOptions {
  /** Every byte the guest sends on the UART. */
  readonly serialOut: (bytes: Uint8Array) => void;
  /** Attach QEMU's test devices (fw_cfg, isa-debug-exit, pc-testdev + IRQ lines). */
  readonly testDevices: boolean;
  /** vCPUs at boot (fw_cfg NB_CPUS / MAX_CPUS). */
  readonly cpus: number;
  /** Guest RAM in bytes (fw_cfg RAM_SIZE, CMOS memory bytes). */
  readonly ramSize: number;
  /** The guest wrote `code` to isa-debug-exit; QEMU would exit with (code << 1) | 1. */
  readonly onDebugExit?: (code: number) => void;
  /** The guest asked for a system reset (port 0x92 fast reset). */
  readonly onReset?: () => void;
  /** The guest set SLP_EN in a PM1a_CNT the board serves (profiles whose PM block has none), with SLP_TYP. */
  readonly onSleep?: (slpTyp: number) => void;
}

export interface BoardDeviceSummary {
  readonly id: string;
  readonly kind: string;
  readonly ranges: readonly { readonly bus: 'port' | 'mmio'; readonly base: number; readonly end: number }[];
  readonly note?: string;
}

export interface BoardDescription {
  readonly devices: readonly BoardDeviceSummary[];
  /** NVRAM bytes the board gave the RTC (index → value), empty without an RTC. */
  readonly nvram: Readonly<Record<number, number>>;
}

export interface Board {
  readonly uart: Uart16550A;
  readonly port92: SystemControlPortA;
  readonly fwCfg: FwCfg | null;
  readonly debugExit: IsaDebugExit | null;
  readonly testdev: PcTestdev | null;
  readonly testdevIrqLines: PcTestdevIrqLines | null;
  /** PM1a_CNT, where the platform's PM block leaves it to the device model (xen-hvm), else null. */
  readonly pm1aControl: Pm1aControl | null;
  /** Host input for the UART (queued until the guest's receiver has room). */
  serialInput(bytes: Uint8Array): void;
  /** Board devices back to power-on state (NVRAM and queued host input stay). */
  reset(): void;
  describe(): BoardDescription;
}

export class BoardOptionError extends HvmdevError {}

export function attachBoard(platform: Platform, opts: BoardOptions): Board {
  if (!Number.isInteger(opts.cpus) || opts.cpus < 1) throw new BoardOptionError(`cpus ${opts.cpus} must be a positive integer`);
  if (!Number.isSafeInteger(opts.ramSize) || opts.ramSize < 0) {
    throw new BoardOptionError(`ramSize ${opts.ramSize} must be a whole number of bytes`);
  }
  const { ports, mmio, irq, clock } = platform;
  const summaries: BoardDeviceSummary[] = [];
  const port = (base: number, length: number, id: string, kind: string, note?: string) =>
    summaries.push({ id, kind, ranges: [{ bus: 'port', base, end: base + length - 1 }], ...(note !== undefined ? { note } : {}) });

  const uart = new Uart16550A(irq.isaLine(COM1_IRQ), clock, { id: 'uart0', output: opts.serialOut });
  ports.register(COM1_PORT, 8, uart, { owner: uart.id, name: 'COM1', sizes: 1 });
  port(COM1_PORT, 8, uart.id, uart.kind, 'ISA IRQ 4');

  const port92 = new SystemControlPortA(() => opts.onReset?.());
  ports.register(SYSTEM_CONTROL_PORT_A, 1, port92, { owner: port92.id, sizes: 1 });
  port(SYSTEM_CONTROL_PORT_A, 1, port92.id, port92.kind, 'bit 0: fast reset');

  // Xen's PM block has no PM1a_CNT (its device model serves it): the board does, at base + 4.
  let pm1aControl: Pm1aControl | null = null;
  const pm = [...platform.devices.values()].find((d) => d.kind === 'acpi-pm1') as PmTimer | undefined;
  if (pm !== undefined && !pm.params.controlRegister && pm.base !== null) {
    pm1aControl = new Pm1aControl((slpTyp) => opts.onSleep?.(slpTyp));
    ports.register(pm.base + 4, 2, pm1aControl, { owner: pm1aControl.id, name: 'PM1a_CNT', sizes: 1 | 2 });
    port(pm.base + 4, 2, pm1aControl.id, pm1aControl.kind, 'SLP_EN with SLP_TYP (S5: power-off)');
  }

  let nvram: Readonly<Record<number, number>> = {};
  const rtc = platform.devices.get('rtc') as Rtc | undefined;
  if (rtc !== undefined) {
    const below = Math.min(opts.ramSize, BELOW_4G_RAM_LIMIT);
    nvram = pcBiosNvram({ belowFourGiB: below, aboveFourGiB: opts.ramSize - below }, fromEpochSeconds(rtc.currentTime()).year);
    rtc.attachNvram(nvram, CMOS_CENTURY_INDEX);
  }

  let fwCfg: FwCfg | null = null;
  let debugExit: IsaDebugExit | null = null;
  let testdev: PcTestdev | null = null;
  let testdevIrqLines: PcTestdevIrqLines | null = null;
  let testdevIomem: PcTestdevIomem | null = null;
  if (opts.testDevices) {
    fwCfg = new FwCfg({ cpus: opts.cpus, ramSize: opts.ramSize });
    ports.register(FW_CFG_PORT, FW_CFG_PORT_COUNT, fwCfg, { owner: fwCfg.id, sizes: 1 | 2 });
    port(FW_CFG_PORT, FW_CFG_PORT_COUNT, fwCfg.id, fwCfg.kind, 'selector 0x510 (16-bit), data 0x511');

    debugExit = new IsaDebugExit((code) => opts.onDebugExit?.(code));
    ports.register(ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_SIZE, debugExit, { owner: debugExit.id });
    port(ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_SIZE, debugExit.id, debugExit.kind, 'exit status (code << 1) | 1');

    testdev = new PcTestdev();
    ports.register(PC_TESTDEV_PORT, 8, testdev, { owner: testdev.id, name: 'scratch 0xE0, flush 0xE4' });
    // The byte-wise copy at 0xE8 only where nothing else sits there: Xen's debug console owns 0xE9.
    let byteCopy = true;
    for (let p = PC_TESTDEV_PORT + 8; p < PC_TESTDEV_PORT + PC_TESTDEV_PORT_COUNT; p++) if (ports.regionAt(p) !== null) byteCopy = false;
    if (byteCopy) ports.register(PC_TESTDEV_PORT + 8, 4, testdev, { owner: testdev.id, name: 'scratch 0xE8' });
    const iomem = new PcTestdevIomem();
    testdevIomem = iomem;
    mmio.register(PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_SIZE, iomem, { owner: iomem.id, sizes: 1 | 2 | 4 });
    summaries.push({
      id: testdev.id,
      kind: testdev.kind,
      ranges: [
        { bus: 'port', base: PC_TESTDEV_PORT, end: PC_TESTDEV_PORT + (byteCopy ? PC_TESTDEV_PORT_COUNT : 8) - 1 },
        { bus: 'mmio', base: PC_TESTDEV_IOMEM_BASE, end: PC_TESTDEV_IOMEM_BASE + PC_TESTDEV_IOMEM_SIZE - 1 },
      ],
      ...(byteCopy ? {} : { note: 'no byte-wise copy at 0xE8: the platform owns a port there (Xen debug console 0xE9)' }),
    });

    const lines = Math.min(PC_TESTDEV_IRQ_LINES, irq.gsiCount);
    testdevIrqLines = new PcTestdevIrqLines((n) => irq.sourceLine(`pc-testdev.irq${n}`, n, n < 16 ? n : null), lines);
    ports.register(PC_TESTDEV_IRQ_PORT, lines, testdevIrqLines, { owner: testdevIrqLines.id, sizes: 1 });
    port(PC_TESTDEV_IRQ_PORT, lines, testdevIrqLines.id, testdevIrqLines.kind, 'byte n: GSI n (and PIC input n < 16)');
  }

  const devices = [uart, port92, pm1aControl, fwCfg, debugExit, testdev, testdevIomem, testdevIrqLines];
  return {
    uart,
    port92,
    pm1aControl,
    fwCfg,
    debugExit,
    testdev,
    testdevIrqLines,
    serialInput: (bytes) => uart.input(bytes),
    reset: () => {
      for (const d of devices) d?.reset();
    },
    describe: () => ({ devices: summaries, nvram }),
  };
}

// The interrupt controllers a qtest script can intercept or drive, and the QEMU QOM paths accepted
// for them. Numbering of `IRQ raise N` is the intercepted controller's own input (or output) index:
// - ioapic inputs: N = GSI − the IO-APIC's GSI base. In the Xen profiles ISA IRQ0 (the PIT) is GSI 2,
//   so it reports as 2; in qemu-pc ISA IRQ n is input n (the PIT reports as 0, as in QEMU).
// - pic-master / pic-slave inputs: N = the PIC's own pin 0–7 (ISA IRQ n, or n − 8 on the slave).
// - pic-master output: N = 0 (the INT line towards the CPU / LAPIC LINT0).
// - pit / rtc outputs: N = 0 (ISA IRQ0 / IRQ8 as the device drives it).
import { PIC_INT_LINE } from '../irq/ext-int-source.js';
import type { Platform } from '../platform/platform.js';
import { XEN_X86_EMU_IOAPIC, XEN_X86_EMU_PIC } from '../emuflags/flags.js';

/** Told of a level change on input (or output) `n` of an intercepted controller: what `IRQ raise N` / `IRQ lower N` report. */
export type LevelReport = (n: number, level: boolean) => void;

/** A controller or timer output a qtest script can intercept (`irq_intercept_in`/`_out`) or drive (`set_irq_in`). */
export interface InterceptTarget {
  /** Canonical name (what `describe` lists). */
  readonly name: string;
  /** Starts reporting input changes; returns a function that stops. */
  readonly observeIn?: (report: LevelReport) => () => void;
  /** Starts reporting output changes (the PIC's INT line, a timer's IRQ output); returns a function that stops. */
  readonly observeOut?: (report: LevelReport) => () => void;
  /** Drives input `n` (set_irq_in). */
  readonly setIn?: (n: number, level: boolean) => boolean;
}

/**
 * The targets a platform offers, by name: `ioapic` (with the IOAPIC flag), `pic-master` and
 * `pic-slave` (with the PIC flag), and each periodic timer's own output (`pit`, `rtc`, ...).
 */
export function interceptTargets(p: Platform): Map<string, InterceptTarget> {
  const targets = new Map<string, InterceptTarget>();
  const fabric = p.irq;
  if (p.flags & XEN_X86_EMU_IOAPIC) {
    // set_irq_in drives the controller's input directly, as QEMU's qemu_set_irq does: the last
    // writer sets the input's level, whatever other sources (a running PIT) last put there.
    const ioapic = p.interrupts.ioapic;
    const pins = fabric.gsiCount;
    targets.set('ioapic', {
      name: 'ioapic',
      observeIn: (report) => fabric.observeGsi((gsi, level) => gsi < pins && report(gsi, level)),
      setIn: (n, level) => {
        if (n < 0 || n >= pins) return false;
        if (ioapic !== null) ioapic.setInput(n, level);
        else fabric.setGsiDirect(n, level);
        return true;
      },
    });
  }
  if (p.flags & XEN_X86_EMU_PIC) {
    const int = fabric.namedLine(PIC_INT_LINE);
    const pic = p.interrupts.pic;
    for (const [name, first] of [
      ['pic-master', 0],
      ['pic-slave', 8],
    ] as const) {
      targets.set(name, {
        name,
        observeIn: (report) => fabric.observePicInputs((pin, level) => pin >= first && pin < first + 8 && report(pin - first, level)),
        ...(first === 0 ? { observeOut: (report: LevelReport) => int.observe((level) => report(0, level)) } : {}),
        setIn: (n, level) => {
          if (n < 0 || n > 7) return false;
          if (pic !== null) pic.setInput(first + n, level);
          else fabric.setPicInputDirect(first + n, level);
          return true;
        },
      });
    }
  }
  // A timer's own output (not the shared ISA line other sources may also drive).
  for (const [name, output] of p.interrupts.irqOutputs) {
    targets.set(name, { name, observeOut: (report) => output.observeIrq((level) => report(0, level)) });
  }
  return targets;
}

/** Resolves a QOM path or one of our names to a target name. */
export function resolveTarget(p: Platform, targets: Map<string, InterceptTarget>, path: string): InterceptTarget | null {
  const alias = p.profile.qomAliases[path];
  const name = alias ?? (path === 'pic' ? 'pic-master' : path);
  return targets.get(name) ?? null;
}

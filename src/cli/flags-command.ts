/** `hvmdev flags …`: check, explain, list and libxl defaults for XEN_X86_EMU_* bitmaps. */
import { EMU_FLAGS } from '../emuflags/flags.js';
import { FlagParseError, GuestTypeError, XenVersionError } from '../emuflags/errors.js';
import { GUEST_INFO, GUEST_TYPES, parseGuestType, type GuestType } from '../emuflags/guests.js';
import { checkStructure, type StructureFinding } from '../emuflags/structure.js';
import { describeChange, type Suggestion } from '../emuflags/suggest.js';
import { formatFlags, formatHex, parseFlags } from '../emuflags/parse.js';
import { libxlDefaultFlags, type LibxlDefault } from '../emuflags/libxl-defaults.js';
import { parseXenVersion, versionLabel, type XenVersion } from '../emuflags/versions.js';
import { ruleSetFor } from '../emuflags/rules.js';
import { validateFlags, type ValidationResult } from '../emuflags/validator.js';
import { EXIT_STATUS_HELP, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { didYouMean } from './near-miss.js';

export const FLAGS_HELP = `Usage: hvmdev flags <command> [options] [FLAGS...]

Check XEN_X86_EMU_* emulation-flag bitmaps the way a given Xen release does.

Commands:
  check FLAGS     Would Xen create the domain? Prints the verdict, errno and Xen's log line.
  explain FLAGS   Decode FLAGS, give Xen's verdict and the reason, the nearest accepted
                  values (bits to add/remove) and the device dependencies.
  defaults        libxl's default flags (all guest types unless --guest is given).
  list            The 11 flags with bits and meanings (--xen: which exist in that release).

FLAGS is a number (0x411, 1041) or flag names (lapic,ioapic|vpci, XEN_X86_EMU_PIT),
case-insensitive, separated by ',', '|' or spaces; several arguments are joined.
NONE or 0 means no flags.

Options:
  --guest TYPE        pv | pv-dom0 | pvh | pvh-dom0 | hvm (default: hvm)
  --xen VERSION       4.7 ... 4.22, optionally with a point release (4.8.3, 4.10.1),
                      or master (default: master, the newest rules)
  --domid N           domain id shown in Xen's log line (default 1, 0 for dom0 types)
  --hvm-pirq          defaults: hvm_pirq=1 (from 4.19, keeps USE_PIRQ for HVM)
  --no-device-model   defaults: device_model_version="none" (HVM, 4.7-4.9)
  --no-apic           defaults: apic=0 (HVM without device model 4.8-4.9, PVH 4.8-4.10)
  --json              machine-readable output
  -h, --help          show this help

${EXIT_STATUS_HELP}
(flags check/explain: 1 means Xen refuses: unknown bits, a refused combination, or a guest type
absent from that release.)

Examples:
  hvmdev flags check --guest pvh 0x001
  hvmdev flags explain --guest hvm 0x411
  hvmdev flags check --xen 4.8.3 --guest hvm none
  hvmdev flags defaults --xen 4.19 --hvm-pirq
  hvmdev flags list --xen 4.9
`;

const COMMANDS = ['check', 'explain', 'defaults', 'list'] as const;
type Command = (typeof COMMANDS)[number];

interface Parsed {
  command: Command;
  guest: GuestType | undefined;
  xen: XenVersion;
  domid: number | undefined;
  json: boolean;
  hvmPirq: boolean;
  deviceModel: boolean;
  apic: boolean;
  positional: string[];
}

const VALUE_OPTIONS = new Set(['--guest', '--xen', '--domid']);
const BOOL_OPTIONS = new Set(['--json', '--hvm-pirq', '--no-device-model', '--no-apic']);

function parseArgs(args: readonly string[]): Parsed | 'help' {
  let command: Command | undefined;
  const values = new Map<string, string>();
  const bools = new Set<string>();
  const positional: string[] = [];
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!endOfOptions && (arg === '-h' || arg === '--help')) return 'help';
    if (!endOfOptions && arg === '--') {
      endOfOptions = true;
      continue;
    }
    if (!endOfOptions && arg.startsWith('-') && arg.length > 1) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      if (VALUE_OPTIONS.has(name)) {
        const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
        if (value === undefined || value === '') throw new UsageError(`option ${name} needs a value`);
        values.set(name, value);
      } else if (BOOL_OPTIONS.has(name)) {
        if (eq !== -1) throw new UsageError(`option ${name} takes no value`);
        bools.add(name);
      } else {
        throw new UsageError(`unknown option ${name}${didYouMean(name, [...VALUE_OPTIONS, ...BOOL_OPTIONS, '--help'])}`);
      }
      continue;
    }
    if (command === undefined) {
      if (!(COMMANDS as readonly string[]).includes(arg)) {
        throw new UsageError(`unknown command '${arg}'${didYouMean(arg, COMMANDS)}; choose one of ${COMMANDS.join(', ')}`);
      }
      command = arg as Command;
    } else {
      positional.push(arg);
    }
  }
  if (command === undefined) throw new UsageError(`missing command (${COMMANDS.join(', ')})`);
  const guestText = values.get('--guest');
  const domidText = values.get('--domid');
  let domid: number | undefined;
  if (domidText !== undefined) {
    if (!/^\d+$/.test(domidText) || Number(domidText) > 0x7fef) {
      throw new UsageError(`--domid must be a number from 0 to 32751, got "${domidText}"`);
    }
    domid = Number(domidText);
  }
  return {
    command,
    guest: guestText === undefined ? undefined : guestOption(guestText),
    xen: parseXenVersion(values.get('--xen') ?? 'master'),
    domid,
    json: bools.has('--json'),
    hvmPirq: bools.has('--hvm-pirq'),
    deviceModel: !bools.has('--no-device-model'),
    apic: !bools.has('--no-apic'),
    positional,
  };
}

/** --guest's value; a near miss (`hmv`) gets a suggestion. */
function guestOption(text: string): GuestType {
  try {
    return parseGuestType(text);
  } catch (e) {
    if (e instanceof GuestTypeError)
      throw new UsageError(`--guest: unknown value '${text}'${didYouMean(text, GUEST_TYPES)}; choose one of ${GUEST_TYPES.join(', ')}`);
    throw e;
  }
}

function xenLabel(v: XenVersion): string {
  return versionLabel(v).replace(/^Xen /, '');
}

function suggestionJson(s: Suggestion) {
  return { flags: formatHex(s.flags), names: formatFlags(s.flags), distance: s.distance, add: s.addNames, remove: s.removeNames };
}

function findingJson(f: StructureFinding) {
  return { severity: f.severity, code: f.code, flags: formatFlags(f.flags), message: f.message };
}

function resultJson(r: ValidationResult, withStructure: boolean) {
  return {
    valid: r.valid,
    status: r.status,
    guest: r.guest,
    xen: r.version.label,
    ruleSet: r.ruleSet,
    all: formatHex(r.all),
    requested: formatHex(r.requested),
    effective: formatHex(r.effective),
    names: formatFlags(r.effective),
    errno: r.errno,
    errnoName: r.errnoName,
    logLine: 'logLine' in r ? r.logLine : null,
    reason: r.reason,
    notes: r.valid ? r.notes : [],
    suggestions: r.valid ? [] : r.suggestions.map(suggestionJson),
    ...(withStructure ? { structure: checkStructure(r.effective).map(findingJson) } : {}),
  };
}

function verdictLines(r: ValidationResult, withReason: boolean): string[] {
  const what = `${formatHex(r.requested)} (${formatFlags(r.requested)}) for ${GUEST_INFO[r.guest].label} on Xen ${xenLabel(r.version)}`;
  const lines: string[] = [];
  switch (r.status) {
    case 'accepted':
      lines.push(`valid: ${what}`);
      if (r.forcedBits !== 0) lines.push(`Xen forces PIT on first and uses ${formatHex(r.effective)}`);
      lines.push(...r.notes.map((n) => `note: ${n}`));
      break;
    case 'guest-unavailable':
      lines.push(`invalid: ${what}`);
      lines.push(`reason: ${r.reason}`);
      break;
    case 'unknown-bits':
    case 'refused':
      lines.push(`invalid: ${what}`);
      lines.push(`errno: ${r.errno} (${r.errnoName})`);
      lines.push(`Xen log: ${r.logLine}`);
      if (withReason) lines.push(`reason: ${r.reason}`);
      break;
  }
  return lines;
}

function runCheckOrExplain(p: Parsed, io: CliIo): number {
  if (p.positional.length === 0) throw new UsageError(`${p.command} needs FLAGS (a number or flag names)`);
  const flags = parseFlags(p.positional);
  const result = validateFlags(flags, { guest: p.guest ?? 'hvm', xen: p.xen, ...(p.domid === undefined ? {} : { domid: p.domid }) });
  const explain = p.command === 'explain';
  if (p.json) {
    io.out(JSON.stringify(resultJson(result, explain), null, 2) + '\n');
    return result.valid ? 0 : 1;
  }
  if (!explain) {
    io.out(verdictLines(result, true).join('\n') + '\n');
    return result.valid ? 0 : 1;
  }
  const rules = ruleSetFor(p.xen);
  const lines: string[] = [];
  lines.push(`Flags: ${formatHex(flags)} = ${formatFlags(flags)}`);
  for (const f of EMU_FLAGS) {
    if ((flags & f.value) !== 0) lines.push(`  bit ${String(f.bit).padEnd(2)} ${f.name.padEnd(8)} ${formatHex(f.value)}  ${f.meaning}`);
  }
  lines.push(`Guest: ${GUEST_INFO[result.guest].label}; Xen ${xenLabel(p.xen)} (rules of ${rules.id}, XEN_X86_EMU_ALL = ${formatHex(rules.all)})`);
  lines.push('', ...verdictLines(result, false), '', `Why: ${result.reason}`);
  if (!result.valid && result.suggestions.length > 0) {
    lines.push('', 'Would be accepted (nearest first):');
    for (const s of result.suggestions) {
      lines.push(`  ${formatHex(s.flags)}  ${formatFlags(s.flags)}`);
      lines.push(`         distance ${s.distance}: ${describeChange(s)}`);
    }
  }
  const findings = checkStructure(result.effective);
  if (findings.length > 0) {
    lines.push('', 'Device dependencies (beyond Xen):');
    for (const f of findings) lines.push(`  ${f.severity.padEnd(7)} ${f.code}: ${f.message}`);
  }
  io.out(lines.join('\n') + '\n');
  return result.valid ? 0 : 1;
}

function runDefaults(p: Parsed, io: CliIo): number {
  if (p.positional.length > 0) throw new UsageError(`defaults takes no FLAGS (got "${p.positional.join(' ')}")`);
  const guests: readonly GuestType[] = p.guest === undefined ? GUEST_TYPES : [p.guest];
  const opts = { hvmPirq: p.hvmPirq, deviceModel: p.deviceModel, apic: p.apic };
  const rows: LibxlDefault[] = guests.map((g) => libxlDefaultFlags(g, p.xen, opts));
  if (p.json) {
    const json = rows.map((r) =>
      r.available
        ? { guest: r.guest, available: true, flags: formatHex(r.flags), names: formatFlags(r.flags), source: r.source, notes: r.notes }
        : { guest: r.guest, available: false, reason: r.reason },
    );
    io.out(JSON.stringify({ xen: p.xen.label, defaults: json }, null, 2) + '\n');
    return 0;
  }
  const lines = [`Default emulation flags on Xen ${xenLabel(p.xen)}:`];
  for (const r of rows) {
    if (!r.available) {
      lines.push(`  ${r.guest.padEnd(9)} -      ${r.reason}`);
      continue;
    }
    const by = r.source === 'xen' ? ' [built by Xen, not libxl]' : '';
    lines.push(`  ${r.guest.padEnd(9)} ${formatHex(r.flags)}  ${formatFlags(r.flags)}${by}`);
    for (const n of r.notes) if (r.source === 'libxl') lines.push(`            ${n}`);
  }
  io.out(lines.join('\n') + '\n');
  return 0;
}

function runList(p: Parsed, io: CliIo): number {
  if (p.positional.length > 0) throw new UsageError(`list takes no FLAGS (got "${p.positional.join(' ')}")`);
  const all = ruleSetFor(p.xen).all;
  if (p.json) {
    const flags = EMU_FLAGS.map((f) => ({
      name: f.name,
      cName: `XEN_X86_EMU_${f.name}`,
      bit: f.bit,
      value: formatHex(f.value),
      since: f.since,
      exists: (all & f.value) !== 0,
      meaning: f.meaning,
    }));
    io.out(JSON.stringify({ xen: p.xen.label, all: formatHex(all), flags }, null, 2) + '\n');
    return 0;
  }
  const lines = [`XEN_X86_EMU_* flags on Xen ${xenLabel(p.xen)} (XEN_X86_EMU_ALL = ${formatHex(all)}):`];
  lines.push('  bit  value  name      since  in this release  meaning');
  for (const f of EMU_FLAGS) {
    const exists = (all & f.value) !== 0 ? 'yes' : 'no ';
    lines.push(`  ${String(f.bit).padStart(3)}  ${formatHex(f.value)}  ${f.name.padEnd(8)}  ${f.since.padEnd(5)}  ${exists.padEnd(15)}  ${f.meaning}`);
  }
  io.out(lines.join('\n') + '\n');
  return 0;
}

/** Run `hvmdev flags …` (args are everything after `flags`). Returns the exit status. */
export function runFlagsCommand(args: readonly string[], io: CliIo): number {
  let parsed: Parsed | 'help';
  try {
    parsed = parseArgs(args);
    if (parsed === 'help') {
      io.out(FLAGS_HELP);
      return 0;
    }
    switch (parsed.command) {
      case 'check':
      case 'explain':
        return runCheckOrExplain(parsed, io);
      case 'defaults':
        return runDefaults(parsed, io);
      case 'list':
        return runList(parsed, io);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof FlagParseError || e instanceof XenVersionError || e instanceof GuestTypeError) {
      io.err(`hvmdev flags: ${e.message} (see "hvmdev flags --help")\n`);
      return 2;
    }
    throw e;
  }
}

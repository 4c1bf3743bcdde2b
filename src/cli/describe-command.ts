// `hvmdev describe`: what a platform is made of — devices the flags selected and the bus map.
import { parseOptions as parseArgs } from './parse-options.js';
import { formatHex } from '../emuflags/parse.js';
import type { Platform, PlatformDescription } from '../platform/platform.js';
import { stateFieldRows } from '../device-model/state-description.js';
import type { AnyStateDescription } from '../device-model/state-fields.js';
import { UsageError } from './errors.js';
import { registerTableText } from '../device-model/register-map.js';
import { REGISTER_TABLES, type RegisterTable } from './register-tables.js';
import { hex, type CliIo } from './io.js';
import { PLATFORM_OPTION_SPECS, PLATFORM_OPTIONS_HELP, platformFromArgs } from './platform-args.js';

export const DESCRIBE_HELP = `Usage: hvmdev describe [options]

Builds a platform and prints its devices (which flag selected each, and whether it is
implemented) and every registered port and MMIO range.

Options:
${PLATFORM_OPTIONS_HELP}
  --registers      also print the register table of each device that has one
  --state          also print each device's state fields (what a snapshot holds)
  --json           machine-readable output
  -h, --help       show this help
`;

export function runDescribe(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...PLATFORM_OPTION_SPECS,
      json: { type: 'boolean' },
      registers: { type: 'boolean' },
      state: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(DESCRIBE_HELP);
    return 0;
  }
  const platform = platformFromArgs(values);
  const d = platform.describe();
  if (values.json) {
    const json = describeJson(d);
    const withRegisters = values.registers ? { ...json, registers: registersJson(d, platform) } : json;
    io.out(JSON.stringify(values.state ? { ...withRegisters, state: stateTables(platform) } : withRegisters, null, 2) + '\n');
  } else io.out(formatDescription(d) + (values.registers ? formatRegisters(d, platform) : '') + (values.state ? formatState(platform) : ''));
  return 0;
}

/**
 * `describe --json`: the description with flag values written as `flags --json` writes them
 * (`"0x1FF"`, formatHex); a device the profile adds without a flag has `"flag": null`.
 * Schema in docs/cli.md.
 */
export function describeJson(d: PlatformDescription): object {
  return {
    ...d,
    flags: formatHex(d.flags),
    devices: d.devices.map((dev) => ({ ...dev, flag: dev.flag === 0 ? null : formatHex(dev.flag) })),
  };
}

export function formatDescription(d: PlatformDescription): string {
  const lines: string[] = [];
  lines.push(`Platform ${d.profile}: ${d.profileDescription}`);
  lines.push(`Flags:   ${hex(d.flags, 3)} (${d.flagNames || 'none'}), ${d.validation}`);
  lines.push(`vCPUs:   ${d.vcpus}`);
  lines.push('');
  lines.push('Devices');
  for (const dev of d.devices) {
    const flag = dev.flag === 0 ? 'profile' : hex(dev.flag, 3);
    const inst = dev.instances.length > 0 ? dev.instances.join(',') : '-';
    const note = dev.note !== undefined ? `  (${dev.note})` : '';
    lines.push(`  ${flag.padEnd(8)} ${dev.kind.padEnd(9)} ${dev.status.padEnd(16)} ${inst.padEnd(14)} ${dev.title}${note}`);
  }
  for (const bus of ['port', 'mmio'] as const) {
    const ranges = d.ranges.filter((r) => r.bus === bus);
    lines.push('');
    lines.push(bus === 'port' ? 'Port I/O ranges' : 'MMIO ranges');
    if (ranges.length === 0) lines.push('  (none)');
    const w = bus === 'port' ? 4 : 8;
    for (const r of ranges) lines.push(`  ${hex(r.base, w)}-${hex(r.end, w)}  ${r.owner.padEnd(12)} ${r.name}`);
  }
  lines.push('');
  lines.push(`Unclaimed accesses read ${unclaimedText(d.unclaimedRead)}; writes are dropped.`);
  return lines.join('\n') + '\n';
}

/** Each device kind of the platform that has register tables, with its tables, in the description's order. */
function registerTablesOf(d: PlatformDescription, platform: Platform): [kind: string, tables: RegisterTable[]][] {
  const out: [string, RegisterTable[]][] = [];
  for (const dev of d.devices) {
    const tablesOf = REGISTER_TABLES[dev.kind];
    if (tablesOf === undefined || dev.instances.length === 0) continue;
    out.push([dev.kind, tablesOf(dev.instances, (id) => platform.device(id))]);
  }
  return out;
}

/** `describe --registers`: each device's register tables (src/device-model/register-map.ts). */
export function formatRegisters(d: PlatformDescription, platform: Platform): string {
  const parts: string[] = [];
  for (const [kind, tables] of registerTablesOf(d, platform)) {
    for (const t of tables) parts.push(`\nRegisters of ${kind}: ${t.title}\n${registerTableText(t.specs)}`);
  }
  return parts.join('');
}

/** `describe --json --registers`: the tables with masks and reset values as hex strings. */
function registersJson(d: PlatformDescription, platform: Platform): object {
  const hexOf = (v: bigint | null) => (v === null ? null : '0x' + v.toString(16));
  return Object.fromEntries(
    registerTablesOf(d, platform).map(([kind, tables]) => [
      kind,
      tables.map((t) => ({
        title: t.title,
        registers: t.specs.map((r) => ({ ...r, readMask: hexOf(r.readMask), writeMask: hexOf(r.writeMask), reset: hexOf(r.reset) })),
      })),
    ]),
  );
}

/** `describe --state`: each device kind's state description (src/device-model/state-description.ts). */
export function stateTables(platform: Platform): StateTable[] {
  const byName = new Map<AnyStateDescription, StateTable & { instances: string[] }>();
  for (const dev of platform.devices.values()) {
    const desc = dev.stateDescription;
    if (desc === undefined) continue;
    const known = byName.get(desc);
    if (known !== undefined) known.instances.push(dev.id);
    else byName.set(desc, { state: desc.name, instances: [dev.id], fields: stateFieldRows(desc) });
  }
  return [...byName.values()];
}

export interface StateTable {
  readonly state: string;
  readonly instances: readonly string[];
  readonly fields: readonly { readonly path: string; readonly type: string; readonly since: number }[];
}

export function formatState(platform: Platform): string {
  const parts: string[] = [];
  for (const t of stateTables(platform)) {
    const rows = t.fields.map((f) => `  ${f.path.padEnd(34)} ${f.type}${f.since > 1 ? ` (since version ${f.since})` : ''}`);
    parts.push(
      `\nState of ${t.instances.length > 3 ? `${t.instances.slice(0, 3).join(', ')}, … (${t.instances.length})` : t.instances.join(', ')}: ${t.state}\n${rows.join('\n')}\n`,
    );
  }
  if (parts.length > 0) parts.push(`\n* : a bound set by the device's parameters or the clock's time (checked per device).\n`);
  return parts.join('');
}

/** The profile's unclaimed-read rule in words (Xen's null handler; QEMU's unassigned memory). */
function unclaimedText(r: PlatformDescription['unclaimedRead']): string {
  const word = (v: 'ones' | 'zero') => (v === 'ones' ? 'all-ones' : '0');
  if (r.port === 'ones' && r.mmio === 'ones') return 'all-ones (Xen null handler)';
  if (r.port === 'ones' && r.mmio === 'zero') return 'all-ones on ports and 0 in memory (QEMU)';
  return `${word(r.port)} on ports and ${word(r.mmio)} in memory`;
}

export { UsageError };

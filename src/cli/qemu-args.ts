// The command line of `hvmdev-system-x86_64`: the options libqtest (QEMU 7.2 tests/qtest/libqtest.c)
// builds and the ones QEMU's device tests add. Anything hvmdev cannot honour is refused with one
// line naming the option (never a silently different machine); a `-global` naming nothing hvmdev
// models is ignored with a note.

/** A refused command line: the message names the option. */
export class QemuArgError extends Error {
  override readonly name = 'QemuArgError';
}

/** `-bios FILE` or `-drive if=pflash,format=raw,file=FILE` (QEMU's -pflash FILE). */
export interface QemuFirmware {
  readonly kind: 'bios' | 'pflash';
  readonly path: string;
}

/** Where a character device leads. */
export type QemuChardev = { readonly kind: 'unix'; readonly path: string } | { readonly kind: 'stdio' };

export interface PciTestdevAddr {
  readonly device: number;
  readonly fn: number;
}

export interface QemuInvocation {
  /** The qtest channel (`-qtest`), or null: QEMU without -qtest has no test channel. */
  readonly qtest: QemuChardev | null;
  /** `-qtest-log` file, or null for none (`none`, `/dev/null`, or absent). */
  readonly qtestLog: string | null;
  /** The control monitor's socket (`-chardev socket,path=P,id=ID` + `-mon chardev=ID,mode=control`). */
  readonly qmp: string | null;
  /** Profile of the machine (`-machine`): QEMU's default is `pc`. */
  readonly machine: 'pc' | 'q35';
  readonly vcpus: number;
  /** `-m`, in bytes; null: the profile's default (QEMU: 128 MiB). */
  readonly ramBytes: number | null;
  /** `-rtc base=`: 'utc', 'localtime' or an ISO date-time (UTC). */
  readonly rtcBase: string;
  /** `-S`: stopped at start (QMP query-status: prelaunch). */
  readonly paused: boolean;
  /** `-device pci-testdev[,addr=SS.F]`, in order. */
  readonly pciTestdevs: readonly PciTestdevAddr[];
  /**
   * `-global ICH9-LPC.noreboot=BOOL`: the ICH9 "No Reboot" strap (q35's TCO watchdog; QEMU's
   * default is on), or null when not given.
   */
  readonly ich9NoReboot: boolean | null;
  /** `-global mch.extended-tseg-mbytes=N`, or null when not given (QEMU 7.2's default: 16). */
  readonly extendedTsegMbytes: number | null;
  /** `-global mch.smbase-smram=BOOL` (QEMU's SMRAM at SMBASE), or null when not given. */
  readonly smbaseSmram: boolean | null;
  /**
   * The machine type's version when it names one (`pc-q35-4.1` → [4, 1]), or null for `pc`/`q35`
   * (the newest): machines up to 4.2 have no SMRAM at SMBASE, up to 2.9 no extended TSEG.
   */
  readonly machineVersion: readonly [number, number] | null;
  /** The firmware image to place below 4 GiB (and its end below 1 MiB), or null. */
  readonly firmware: QemuFirmware | null;
  /** `-watchdog-action`: what a rebooting watchdog expiry does (QEMU's default: reset). */
  readonly watchdogAction: WatchdogAction;
  /** Things accepted but without effect, one line each, for stderr. */
  readonly notes: readonly string[];
}

/** QEMU 7.2's -watchdog-action values hvmdev performs (inject-nmi is refused). */
export const WATCHDOG_ACTIONS = ['reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none'] as const;
export type WatchdogAction = (typeof WATCHDOG_ACTIONS)[number];

/** QEMU's slot for the first pci-testdev with `-nodefaults`: the first free one (pc: 01 is PIIX3; q35: 01). */
const FIRST_FREE_SLOT: Readonly<Record<'pc' | 'q35', number>> = { pc: 2, q35: 1 };

/** `-global` drivers whose device hvmdev models: a property of one of these cannot be ignored. */
const MODELLED_DRIVERS = new Set([
  'mc146818rtc',
  'isa-pit',
  'kvm-pit',
  'hpet',
  'ioapic',
  'kvm-ioapic',
  'isa-i8259',
  'kvm-i8259',
  'i8259',
  'apic',
  'kvm-apic',
  'PIIX4_PM',
  'piix3-ide',
  'PIIX3',
  'i440FX-pcihost',
  'i440FX',
  'pci-testdev',
  'mch',
  'q35-pcihost',
  'ICH9-LPC',
]);

/** ICH9-LPC properties that belong to parts hvmdev does not model (S3/S4 in the ACPI tables, SMI features). */
const UNMODELLED_PROPERTIES = new Set(['ICH9-LPC.disable_s3', 'ICH9-LPC.disable_s4', 'ICH9-LPC.x-smi-broadcast']);

/** Options that take no value and change nothing hvmdev has (QEMU defaults it has no part of). */
const NO_VALUE = new Set(['-nodefaults', '-no-user-config', '-S', '-no-reboot', '-no-shutdown', '-enable-kvm', '-nographic']);

/** Options whose only accepted value is the one shown. */
const ONLY_VALUE: Readonly<Record<string, string>> = {
  '-display': 'none',
  '-serial': 'none',
  '-monitor': 'none',
  '-parallel': 'none',
  '-accel': 'qtest',
  '-vga': 'none',
  '-net': 'none',
};

/** Parses the argv; @throws QemuArgError naming the first option that cannot be honoured. */
export function parseQemuArgs(argv: readonly string[]): QemuInvocation {
  let qtest: QemuChardev | null = null;
  let qtestLog: string | null = null;
  const chardevs = new Map<string, string>();
  let monitorId: string | null = null;
  let machine: 'pc' | 'q35' = 'pc';
  let vcpus = 1;
  let ramBytes: number | null = null;
  let rtcBase = 'utc';
  let paused = false;
  let ich9NoReboot: boolean | null = null;
  let extendedTsegMbytes: number | null = null;
  let smbaseSmram: boolean | null = null;
  let machineVersion: readonly [number, number] | null = null;
  let watchdogAction: WatchdogAction = 'reset';
  let firmware: QemuFirmware | null = null;
  const setFirmware = (fw: QemuFirmware, option: string) => {
    if (firmware !== null) throw new QemuArgError(`${option}: only one firmware image (-bios or one pflash) is supported`);
    firmware = fw;
  };
  /** pci-testdevs in order; null: no addr=, QEMU's next free slot. */
  const testdevAddrs: (PciTestdevAddr | null)[] = [];
  const notes: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    // QEMU takes --opt as -opt.
    const opt = raw.startsWith('--') ? raw.slice(1) : raw;
    if (!opt.startsWith('-')) throw new QemuArgError(`${raw}: unexpected argument (hvmdev takes no disk image)`);
    if (NO_VALUE.has(opt)) {
      if (opt === '-S') paused = true;
      if (opt === '-enable-kvm') throw new QemuArgError('-enable-kvm: hvmdev-system-x86_64 runs only the qtest accelerator');
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new QemuArgError(`${opt}: requires an argument`);
    const expected = ONLY_VALUE[opt];
    if (expected !== undefined) {
      if (value !== expected) throw new QemuArgError(`${opt} ${value}: not supported (hvmdev-system-x86_64 accepts only ${opt} ${expected})`);
      continue;
    }
    switch (opt) {
      case '-qtest':
        qtest = parseQtestChardev(value);
        break;
      case '-qtest-log':
        qtestLog = value === 'none' || value === '/dev/null' ? null : value;
        break;
      case '-chardev': {
        const { head, props } = splitOpts(value);
        if (head !== 'socket') throw new QemuArgError(`-chardev ${value}: only socket chardevs are supported`);
        const path = props.get('path');
        const id = props.get('id');
        if (path === undefined || id === undefined) throw new QemuArgError(`-chardev ${value}: needs path= and id=`);
        for (const [k, v] of props) {
          if (k === 'path' || k === 'id') continue;
          if ((k === 'server' || k === 'wait') && (v === 'off' || v === 'false')) continue;
          throw new QemuArgError(`-chardev ${value}: '${k}=${v}' not supported (hvmdev connects to the socket as a client)`);
        }
        chardevs.set(id, path);
        break;
      }
      case '-mon': {
        const props = keyValues(value, '-mon');
        if ((props.get('mode') ?? 'readline') !== 'control') throw new QemuArgError(`-mon ${value}: only mode=control (QMP) is supported`);
        const id = props.get('chardev');
        if (id === undefined) throw new QemuArgError(`-mon ${value}: needs chardev=ID`);
        for (const k of props.keys()) if (k !== 'mode' && k !== 'chardev' && k !== 'pretty') throw new QemuArgError(`-mon ${value}: '${k}' not supported`);
        monitorId = id;
        break;
      }
      case '-machine':
      case '-M':
        ({ machine, version: machineVersion } = parseMachine(value));
        break;
      case '-smp':
        vcpus = parseSmp(value);
        break;
      case '-m':
        ramBytes = parseMemory(value);
        break;
      case '-rtc':
        rtcBase = parseRtc(value, notes);
        break;
      case '-device':
        testdevAddrs.push(parseDevice(value));
        break;
      case '-global':
        if (value.startsWith('ICH9-LPC.noreboot=')) ich9NoReboot = parseQemuBool(value.slice('ICH9-LPC.noreboot='.length), `-global ${value}`);
        else if (value.startsWith('mch.extended-tseg-mbytes=')) extendedTsegMbytes = parseTsegMbytes(value);
        else if (value.startsWith('mch.smbase-smram=')) smbaseSmram = parseQemuBool(value.slice('mch.smbase-smram='.length), `-global ${value}`);
        else notes.push(globalNote(value));
        break;
      case '-watchdog-action':
        if (!(WATCHDOG_ACTIONS as readonly string[]).includes(value)) {
          throw new QemuArgError(`-watchdog-action ${value}: not supported (hvmdev performs ${WATCHDOG_ACTIONS.join(', ')})`);
        }
        watchdogAction = value as WatchdogAction;
        break;
      case '-bios':
        setFirmware({ kind: 'bios', path: value }, `-bios ${value}`);
        break;
      case '-pflash':
        setFirmware({ kind: 'pflash', path: value }, `-pflash ${value}`);
        break;
      case '-drive':
        setFirmware(parsePflashDrive(value), `-drive ${value}`);
        break;
      case '-kernel':
        throw new QemuArgError(
          `${opt} ${value}: direct kernel loading is not modelled (hvmdev-system-x86_64 runs no guest code; -bios and a pflash image are placed)`,
        );
      default:
        throw new QemuArgError(`${raw}: option not supported by hvmdev-system-x86_64 (see docs/qtest.md)`);
    }
  }
  let qmp: string | null = null;
  if (monitorId !== null) {
    qmp = chardevs.get(monitorId) ?? null;
    if (qmp === null) throw new QemuArgError(`-mon chardev=${monitorId}: no -chardev with id=${monitorId}`);
  }
  let nextFree = FIRST_FREE_SLOT[machine];
  const pciTestdevs = testdevAddrs.map((a) => a ?? { device: nextFree++, fn: 0 });
  const slots = new Set<number>();
  for (const d of pciTestdevs) {
    const key = d.device * 8 + d.fn;
    if (slots.has(key) || d.device === 0 || (machine === 'q35' && d.device === 0x1f))
      throw new QemuArgError(`-device pci-testdev,addr=${slotText(d)}: PCI address already in use`);
    slots.add(key);
  }
  return {
    qtest,
    qtestLog,
    qmp,
    machine,
    vcpus,
    ramBytes,
    rtcBase,
    paused,
    pciTestdevs,
    ich9NoReboot,
    extendedTsegMbytes,
    smbaseSmram,
    machineVersion,
    firmware,
    watchdogAction,
    notes,
  };
}

function slotText(d: PciTestdevAddr): string {
  return `${d.device.toString(16).padStart(2, '0')}.${d.fn}`;
}

function parseQtestChardev(value: string): QemuChardev {
  if (value === 'stdio') return { kind: 'stdio' };
  const m = /^unix:([^,]+)(,.*)?$/.exec(value);
  if (m === null) throw new QemuArgError(`-qtest ${value}: only unix:PATH and stdio are supported`);
  const rest = m[2] === undefined ? [] : m[2].slice(1).split(',');
  for (const p of rest) {
    if (p === 'server=off' || p === 'wait=off' || p === 'nowait' || p === '') continue;
    throw new QemuArgError(`-qtest ${value}: '${p}' not supported (hvmdev connects to the socket as a client)`);
  }
  return { kind: 'unix', path: m[1]! };
}

function parseMachine(value: string): { machine: 'pc' | 'q35'; version: readonly [number, number] | null } {
  const { head, props } = splitOpts(value);
  let type = head;
  for (const [k, v] of props) {
    if (k === 'type') type = v;
    else if (k === 'accel' && v === 'qtest') continue;
    else throw new QemuArgError(`-machine ${value}: property '${k}=${v}' not supported`);
  }
  const v = /^pc-(?:i440fx|q35)-([0-9]+)\.([0-9]+)$/.exec(type);
  const version = v === null ? null : ([Number(v[1]), Number(v[2])] as const);
  if (type === 'pc' || /^pc-i440fx-[0-9.]+$/.test(type)) return { machine: 'pc', version };
  if (type === 'q35' || /^pc-q35-[0-9.]+$/.test(type)) return { machine: 'q35', version };
  throw new QemuArgError(`-machine ${value}: machine type '${type}' not modelled (hvmdev has pc and q35)`);
}

function parseSmp(value: string): number {
  const { head, props } = splitOpts(value);
  const text = props.get('cpus') ?? head;
  for (const k of props.keys()) if (k !== 'cpus') throw new QemuArgError(`-smp ${value}: '${k}' not supported (only the CPU count)`);
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 128) throw new QemuArgError(`-smp ${value}: CPU count must be 1 to 128`);
  return Number(text);
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 2 ** 20, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

function parseMemory(value: string): number {
  const { head, props } = splitOpts(value);
  const text = props.get('size') ?? head;
  for (const k of props.keys()) if (k !== 'size') throw new QemuArgError(`-m ${value}: '${k}' not supported (no memory hotplug)`);
  const m = /^([0-9]+)([bBkKmMgGtT]?)$/.exec(text);
  if (m === null) throw new QemuArgError(`-m ${value}: expected a size such as 128, 512M or 1G`);
  const bytes = Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!;
  if (bytes < 2 ** 20 || bytes > 2 ** 32) throw new QemuArgError(`-m ${value}: hvmdev models 1 MiB to 4 GiB of RAM`);
  return bytes;
}

function parseRtc(value: string, notes: string[]): string {
  const props = keyValues(value, '-rtc');
  let base = 'utc';
  for (const [k, v] of props) {
    if (k === 'base') {
      if (v === 'utc' || v === 'localtime') base = v;
      else if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/.test(v)) base = v.length === 10 ? `${v}T00:00:00` : v;
      else throw new QemuArgError(`-rtc ${value}: base must be utc, localtime or a date such as 2006-06-17T16:01:21`);
    } else if (k === 'clock') {
      // hvmdev's RTC always runs on the virtual clock (devices never read the host clock).
      if (v !== 'vm') throw new QemuArgError(`-rtc ${value}: clock=${v} not supported (hvmdev's RTC follows the virtual clock: clock=vm)`);
    } else if (k === 'driftfix') {
      if (v !== 'none') throw new QemuArgError(`-rtc ${value}: driftfix=${v} not supported (only none)`);
    } else {
      throw new QemuArgError(`-rtc ${value}: '${k}' not supported`);
    }
  }
  if (!props.has('clock')) notes.push(`-rtc ${value}: the RTC follows the virtual clock (as clock=vm)`);
  return base;
}

function parseDevice(value: string): PciTestdevAddr | null {
  const { head, props } = splitOpts(value);
  const driver = props.get('driver') ?? head;
  if (driver !== 'pci-testdev') throw new QemuArgError(`-device ${value}: device '${driver}' not modelled (hvmdev has pci-testdev)`);
  let addr: PciTestdevAddr | null = null;
  for (const [k, v] of props) {
    if (k === 'driver' || k === 'id') continue;
    if (k !== 'addr') throw new QemuArgError(`-device ${value}: property '${k}' not supported`);
    addr = parsePciAddr(v, `-device ${value}`);
  }
  return addr;
}

/** QEMU's PCI `addr` property: `SS` or `SS.F`, hex slot 0–1f and function 0–7. */
export function parsePciAddr(text: string, what: string): PciTestdevAddr {
  const m = /^(?:0[xX])?([0-9a-fA-F]{1,2})(?:\.([0-7]))?$/.exec(text);
  const device = m === null ? NaN : parseInt(m[1]!, 16);
  if (m === null || device > 0x1f) throw new QemuArgError(`${what}: addr must be SS[.F] (slot 00–1f in hex, function 0–7)`);
  return { device, fn: m[2] === undefined ? 0 : Number(m[2]) };
}

/** `mch.extended-tseg-mbytes=N`: 0 to 0xFFF MiB (QEMU's MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_MAX). */
function parseTsegMbytes(value: string): number {
  const text = value.slice(value.indexOf('=') + 1);
  if (!/^[0-9]+$/.test(text) || Number(text) > 0xfff) throw new QemuArgError(`-global ${value}: expected 0 to 4095 (MiB)`);
  return Number(text);
}

/** `-drive if=pflash,format=raw,file=FILE[,unit=0][,readonly=on]`: the only drive hvmdev takes. */
function parsePflashDrive(value: string): QemuFirmware {
  const props = keyValues(value, '-drive');
  const file = props.get('file');
  if (props.get('if') !== 'pflash' || file === undefined) {
    throw new QemuArgError(`-drive ${value}: only if=pflash,format=raw,file=FILE is supported (hvmdev has no disk controllers)`);
  }
  for (const [k, v] of props) {
    if (k === 'if' || k === 'file') continue;
    if (k === 'format' && v === 'raw') continue;
    if (k === 'unit' && v === '0') continue;
    if (k === 'readonly' && ['on', 'off', 'true', 'false'].includes(v)) continue;
    throw new QemuArgError(`-drive ${value}: '${k}=${v}' not supported (one raw pflash image, unit 0)`);
  }
  return { kind: 'pflash', path: file };
}

/** QEMU's boolean property values. */
function parseQemuBool(text: string, what: string): boolean {
  if (text === 'on' || text === 'true' || text === 'yes') return true;
  if (text === 'off' || text === 'false' || text === 'no') return false;
  throw new QemuArgError(`${what}: expected on or off`);
}

function globalNote(value: string): string {
  const m = /^([^.=]+)\.([^=]+)=(.*)$/.exec(value);
  if (m === null) throw new QemuArgError(`-global ${value}: expected DRIVER.PROPERTY=VALUE`);
  const driver = m[1]!;
  if (MODELLED_DRIVERS.has(driver) && !UNMODELLED_PROPERTIES.has(`${driver}.${m[2]}`)) {
    throw new QemuArgError(`-global ${value}: property '${m[2]}' of ${driver} is not supported by hvmdev`);
  }
  return `-global ${value} ignored: hvmdev does not model ${UNMODELLED_PROPERTIES.has(`${driver}.${m[2]}`) ? `${driver}'s ${m[2]}` : driver}`;
}

/** `head,k=v,k=v` (QemuOpts with an implied first key). */
function splitOpts(value: string): { head: string; props: Map<string, string> } {
  const [head = '', ...rest] = value.split(',');
  if (head.includes('=')) return { head: '', props: keyValues(value, '') };
  return { head, props: keyValues(rest.join(','), '') };
}

function keyValues(text: string, option: string): Map<string, string> {
  const props = new Map<string, string>();
  if (text === '') return props;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new QemuArgError(`${option} ${text}: '${part}' is not KEY=VALUE`.trimStart());
    props.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return props;
}

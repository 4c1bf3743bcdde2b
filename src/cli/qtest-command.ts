// `hvmdev qtest`: QEMU's qtest protocol over stdin/stdout or a Unix socket, backed by a platform.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { parseOptions as parseArgs } from './parse-options.js';
import type { TraceEvent } from '../bus/trace.js';
import { installExtensions } from '../qtest/extensions.js';
import { connectUnixClient, listenUnix, removeSocketFile, serveStream, type QtestClientConnection } from '../qtest/server.js';
import type { PciTestdevSlot } from '../platform/create-platform.js';
import type { Platform } from '../platform/platform.js';
import { EnvironmentError, EXIT_STATUS_HELP, systemErrorText, UsageError } from './errors.js';
import { hex, type CliIo } from './io.js';
import { wholeNumberOption } from './option-values.js';
import { PLATFORM_OPTION_SPECS, PLATFORM_OPTIONS_HELP, platformFromArgs } from './platform-args.js';

export const QTEST_HELP = `Usage: hvmdev qtest [options]

Speaks QEMU's qtest text protocol (outb/inb, readl/writel, read/write/memset, clock_step,
clock_set, irq_intercept_in/out, set_irq_in, endianness; see docs/qtest.md) against an
hvmdev platform. Reads commands from stdin and answers on stdout unless a socket is given.

Options:
${PLATFORM_OPTIONS_HELP}
  --socket PATH    listen on a Unix socket and serve connections one after another, each on a
                   fresh platform (a stale socket file left by a dead server is replaced; the
                   file is removed on exit)
  --shared         with --socket: every connection uses the same platform (its clock, RAM, devices)
  --connect PATH   connect to a Unix socket (as QEMU does for libqtest's -qtest unix:PATH)
  --device SPEC    add a device as QEMU's -device does; supported: pci-testdev[,addr=SS[.F]]
                   (PCI platforms; without addr, the next free slot from 02.0, as QEMU)
  --trace          print every guest access to stderr (rate-limited per device)
  --trace-limit N  accesses shown per device before the rest are only counted (default 1000)
  -h, --help       show this help

${EXIT_STATUS_HELP}
  (--socket: a path that cannot be listened on, or in use by a live server, is status 1;
   --connect: nothing listening at PATH is status 1.)

Example:
  printf 'outb 0xe9 0x41\\noutb 0xe9 0x0a\\ninb 0x20\\n' | hvmdev qtest --trace
`;

export async function runQtest(args: readonly string[], io: CliIo, input: Readable = process.stdin, output: Writable = process.stdout): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...PLATFORM_OPTION_SPECS,
      socket: { type: 'string' },
      connect: { type: 'string' },
      trace: { type: 'boolean' },
      'trace-limit': { type: 'string' },
      device: { type: 'string', multiple: true },
      shared: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(QTEST_HELP);
    return 0;
  }
  if (values.socket !== undefined && values.connect !== undefined) {
    throw new UsageError('--socket and --connect exclude each other: listen or connect, not both');
  }
  const limit = values['trace-limit'] === undefined ? 1000 : wholeNumberOption('--trace-limit', values['trace-limit'], 0, 2 ** 31 - 1);
  // Without addr=, a pci-testdev takes the next free slot from 02 (QEMU's first free one on pc -nodefaults).
  let nextFree = 2;
  const testdevs = (values.device ?? []).map((d) => deviceOption(d) ?? { device: nextFree++, function: 0 });
  if (values.shared && values.socket === undefined) throw new UsageError('--shared applies to --socket only (one platform for every connection)');
  for (const [option, path] of [
    ['--socket', values.socket],
    ['--connect', values.connect],
  ] as const) {
    if (path === '') throw new UsageError(`${option} needs a socket path`);
  }
  const build = (): Platform => {
    const p = platformFromArgs(values, {
      debugConsole: { line: (text) => io.err(`[debugcon] ${text}\n`) },
      pciTestdev: testdevs,
    });
    if (values.trace) enableTrace(p, io, limit);
    return p;
  };
  // Built once here so a bad combination is reported before any socket is touched.
  const platform = build();
  let first: Platform | null = platform;
  // --socket: each connection a fresh platform (the first one uses the one just built), unless --shared.
  const perConnection = (): Platform => {
    const p = first ?? build();
    first = null;
    return p;
  };

  if (values.connect !== undefined) {
    const path = values.connect;
    let connection: QtestClientConnection;
    try {
      connection = await connectUnixClient(platform, path, installExtensions);
    } catch (e) {
      throw new EnvironmentError(`cannot connect to ${path}: ${connectAdvice(e)}`);
    }
    // SIGTERM/SIGINT end the session with status 0, as QEMU does (libqtest SIGTERMs it and counts a
    // death by signal as a crash).
    await new Promise<void>((resolve) => {
      const stop = () => {
        connection.socket.destroy();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      void connection.ended.then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      });
    });
    return 0;
  }
  if (values.socket !== undefined) {
    const path = values.socket;
    let close: () => Promise<void>;
    try {
      close = await listenUnix(values.shared ? platform : perConnection, path, installExtensions);
    } catch (e) {
      throw new EnvironmentError(`cannot listen on ${path}: ${listenAdvice(e)}`);
    }
    // However the process ends, the socket file does not stay behind (a crash included; after a
    // SIGKILL the next server replaces the stale file).
    const cleanUp = () => removeSocketFile(path);
    process.once('exit', cleanUp);
    io.err(`hvmdev qtest: listening on ${path} (Ctrl-C to stop)\n`);
    // Ctrl-C / SIGTERM: end every connection, stop listening, remove the socket file.
    await new Promise<void>((resolve) => {
      const stop = () => void close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.off('exit', cleanUp);
    return 0;
  }
  await serveStream(platform, input, output, installExtensions);
  return 0;
}

/** `--device pci-testdev[,addr=SS[.F]]` (QEMU's -device syntax): its slot, or null without addr=. */
function deviceOption(text: string): PciTestdevSlot | null {
  const [driver, ...props] = text.split(',');
  if (driver !== 'pci-testdev') throw new UsageError(`--device: unknown device '${driver}'; hvmdev has pci-testdev[,addr=SS[.F]]`);
  let slot: PciTestdevSlot | null = null;
  for (const prop of props) {
    const m = /^addr=(?:0[xX])?([0-9a-fA-F]{1,2})(?:\.([0-7]))?$/.exec(prop);
    const device = m === null ? NaN : parseInt(m[1]!, 16);
    if (m === null || device < 1 || device > 0x1f) {
      throw new UsageError(`--device ${text}: '${prop}' is not addr=SS[.F] (slot 01-1f in hex, function 0-7)`);
    }
    slot = { device, function: m[2] === undefined ? 0 : Number(m[2]) };
  }
  return slot;
}

function enableTrace(platform: Platform, io: CliIo, limit: number): void {
  const sink = (e: TraceEvent) => {
    const w = e.bus === 'port' ? 4 : 8;
    const v = typeof e.value === 'bigint' ? '0x' + e.value.toString(16) : hex(e.value, e.size * 2);
    io.err(`[trace] t=${platform.clock.now}ns vcpu${e.vcpu} ${e.bus} ${e.dir} ${hex(e.addr, w)}/${e.size} ${v} ${e.owner ?? 'unclaimed'}\n`);
  };
  platform.ports.setTrace(sink, { limitPerDevice: limit });
  platform.mmio.setTrace(sink, { limitPerDevice: limit });
}

/** Why a connect failed, and what to do about it. */
function connectAdvice(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such socket; start the test harness that listens there first';
    case 'ECONNREFUSED':
      return 'the socket file exists but nothing is listening on it; start the harness first';
    case 'EACCES':
      return 'permission denied';
    case 'ENOTSOCK':
      return 'not a socket';
    default:
      return typeof err.code === 'string' ? systemErrorText(err) : String((e as Error).message ?? e);
  }
}

/** Why a listen failed, and what to do about it. */
function listenAdvice(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EADDRINUSE':
      return 'another server is listening there; stop it or choose another path';
    case 'ENOENT':
    case 'EACCES':
      return `${err.code === 'ENOENT' ? 'no such directory' : 'permission denied'}; choose a path in an existing directory you can write (e.g. ${join(tmpdir(), 'qtest.sock')})`;
    default:
      return typeof err.code === 'string' ? systemErrorText(err) : String((e as Error).message ?? e);
  }
}

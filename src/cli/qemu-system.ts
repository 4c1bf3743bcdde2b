// `hvmdev-system-x86_64`: hvmdev started the way libqtest starts QEMU (QTEST_QEMU_BINARY), so QEMU's
// own qtest programs run unchanged against an hvmdev platform. It connects to the qtest socket and
// the QMP socket as QEMU does, serves qtest there and the QMP subset in src/qtest/qmp.ts, and exits 0
// on SIGTERM/SIGINT, on QMP `quit`, and when the test closes its qtest connection.
import { appendFileSync, openSync, closeSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { ICH9_TCO_PARAMS, Ich9Tco } from '../devices/pci/ich9-tco.js';
import { Q35_MCH_PARAMS, type Q35MchParams } from '../devices/pci/q35-mch.js';
import { createPlatform } from '../platform/create-platform.js';
import { PROFILES, type PlatformProfile, type ProfileName } from '../platform/profiles.js';
import type { Platform } from '../platform/platform.js';
import { installExtensions } from '../qtest/extensions.js';
import { serveQmp, type QmpConnection } from '../qtest/qmp.js';
import { connectUnixClient, serveStream, type QtestLog } from '../qtest/server.js';
import { parseQemuArgs, QemuArgError, type QemuInvocation } from './qemu-args.js';
import { loadFirmware } from './qemu-firmware.js';

export const QEMU_SYSTEM_NAME = 'hvmdev-system-x86_64';

/** The hvmdev profile of each QEMU machine type. */
const MACHINE_PROFILES: Readonly<Record<QemuInvocation['machine'], ProfileName>> = { pc: 'qemu-pc', q35: 'qemu-q35' };

export interface QemuSystemIo {
  err(text: string): void;
  /** Ends the process with `code` (the real bin: process.exit). */
  exit(code: number): void;
  /** Host wall-clock now in ms (the RTC's start for base=utc/localtime; QMP event timestamps). */
  now(): number;
  /** Local-time offset from UTC in minutes at `ms` (base=localtime). */
  localOffsetMinutes(ms: number): number;
}

export const processQemuIo: QemuSystemIo = {
  err: (t) => void process.stderr.write(t),
  exit: (code) => process.exit(code),
  now: () => Date.now(),
  localOffsetMinutes: (ms) => -new Date(ms).getTimezoneOffset(),
};

/** The RTC start time `-rtc base=` asks for, as an ISO date-time (UTC). */
export function rtcStartTime(base: string, io: Pick<QemuSystemIo, 'now' | 'localOffsetMinutes'>): string {
  if (base !== 'utc' && base !== 'localtime') return base;
  const ms = io.now();
  const shifted = base === 'utc' ? ms : ms + io.localOffsetMinutes(ms) * 60_000;
  return new Date(shifted).toISOString().slice(0, 19);
}

/** Builds the platform the invocation describes; @throws QemuArgError when hvmdev lacks it. */
export function qemuPlatform(inv: QemuInvocation, io: Pick<QemuSystemIo, 'now' | 'localOffsetMinutes'>): Platform {
  const profile = machineProfile(inv);
  try {
    return createPlatform({
      profile,
      vcpus: inv.vcpus,
      ...(inv.ramBytes === null ? {} : { ramBytes: inv.ramBytes }),
      wallTime: rtcStartTime(inv.rtcBase, io),
      pciTestdev: inv.pciTestdevs.map((d) => ({ device: d.device, function: d.fn })),
    });
  } catch (e) {
    throw new QemuArgError((e as Error).message);
  }
}

/** The profile of `-machine`, with `-global` properties hvmdev models applied as profile data. */
export function machineProfile(inv: QemuInvocation): PlatformProfile {
  const base = PROFILES[MACHINE_PROFILES[inv.machine]];
  if (base.board.pciChipset !== 'ich9') return base;
  let devices = base.devices;
  if (inv.ich9NoReboot !== null) {
    devices = { ...devices, ich9Tco: { ...(devices.ich9Tco ?? ICH9_TCO_PARAMS), noRebootStrap: inv.ich9NoReboot } };
  }
  // Machine-version defaults (hw/i386/pc.c compat properties): no SMRAM at SMBASE up to pc-q35-4.2
  // (pc_compat_4_2), no extended TSEG up to 2.9 (pc_compat_2_9); -global overrides them.
  const v = inv.machineVersion;
  const older = (major: number, minor: number) => v !== null && (v[0] < major || (v[0] === major && v[1] <= minor));
  const change: { -readonly [K in keyof Q35MchParams]?: Q35MchParams[K] } = {};
  if (older(4, 2)) change.smramAtSmbase = false;
  if (older(2, 9)) change.extendedTsegMbytes = 0;
  if (inv.extendedTsegMbytes !== null) change.extendedTsegMbytes = inv.extendedTsegMbytes;
  if (inv.smbaseSmram !== null) change.smramAtSmbase = inv.smbaseSmram;
  if (Object.keys(change).length > 0) devices = { ...devices, q35Mch: { ...(devices.q35Mch ?? Q35_MCH_PARAMS), ...change } };
  return devices === base.devices ? base : { ...base, devices };
}

/**
 * What a rebooting watchdog expiry does, per `-watchdog-action` (QEMU 7.2 hw/watchdog/watchdog.c):
 * a `WATCHDOG` event, then reset (platform reset, `RESET` event), shutdown (`POWERDOWN` event: the
 * ACPI power button), poweroff (exit 0), pause (`STOP` event; query-status `watchdog`), debug (a
 * line on stderr) or nothing.
 */
export function performWatchdogAction(
  action: QemuInvocation['watchdogAction'],
  platform: Platform,
  qmp: Pick<QmpConnection, 'sendEvent'> | null,
  err: (text: string) => void,
  exit: (code: number) => void,
  stop: (state: string) => void,
): void {
  qmp?.sendEvent('WATCHDOG', { action });
  switch (action) {
    case 'reset':
      platform.guestResetRequest('hard');
      qmp?.sendEvent('RESET', { guest: true, reason: 'guest-reset' });
      return;
    case 'shutdown':
      qmp?.sendEvent('POWERDOWN', {});
      return;
    case 'poweroff':
      qmp?.sendEvent('SHUTDOWN', { guest: true, reason: 'guest-shutdown' });
      exit(0);
      return;
    case 'pause':
      stop('watchdog');
      qmp?.sendEvent('STOP', {});
      return;
    case 'debug':
      err('watchdog: timer fired\n');
      return;
    case 'none':
      return;
  }
}

/**
 * Runs with QEMU's arguments. Returns once everything is connected; the process ends through
 * `io.exit` (a signal, QMP quit, the qtest connection closing) or with status 1 on a refused
 * command line or a socket that cannot be reached.
 */
export async function runQemuSystem(argv: readonly string[], io: QemuSystemIo = processQemuIo): Promise<void> {
  let ended = false;
  const finish = (code: number) => {
    if (ended) return;
    ended = true;
    io.exit(code);
  };
  // Installed first: a SIGTERM during start-up is still a clean exit, as in QEMU.
  process.once('SIGTERM', () => finish(0));
  process.once('SIGINT', () => finish(0));

  let inv: QemuInvocation;
  let platform: Platform;
  try {
    inv = parseQemuArgs(argv);
    platform = qemuPlatform(inv, io);
    if (inv.firmware !== null) loadFirmware(platform, inv.firmware, (line) => io.err(`${QEMU_SYSTEM_NAME}: ${line}\n`));
  } catch (e) {
    if (!(e instanceof QemuArgError)) throw e;
    io.err(`${QEMU_SYSTEM_NAME}: ${e.message}\n`);
    return finish(1);
  }
  for (const note of inv.notes) io.err(`${QEMU_SYSTEM_NAME}: note: ${note}\n`);

  const log = inv.qtestLog === null ? undefined : openLog(inv.qtestLog, io);
  if (log === null) return finish(1);

  let qmpSocket: Socket | null = null;
  let qmp: QmpConnection | null = null;
  let stoppedState: string | null = null;
  const tco = platform.devices.get('ich9-tco');
  if (tco instanceof Ich9Tco) {
    const action = inv.watchdogAction;
    tco.onReboot(() => performWatchdogAction(action, platform, qmp, io.err, finish, (s) => void (stoppedState = s)));
    // The chipset configuration registers other than GCS read 0: said once, when the guest first touches one.
    let told = false;
    tco.onUnmodelledAccess((what) => {
      if (told) return;
      told = true;
      io.err(
        `${QEMU_SYSTEM_NAME}: ICH9 ${what} is not modelled (only GCS is; the others read 0 and ignore writes; docs/qtest.md#where-qemu-q35-differs-from-qemus-q35)\n`,
      );
    });
  }
  try {
    if (inv.qmp !== null) {
      qmpSocket = await connectSocket(inv.qmp);
      const sock = qmpSocket;
      qmp = serveQmp(sock, {
        packageName: 'hvmdev',
        paused: inv.paused,
        stoppedState: () => stoppedState,
        reset: () => platform.reset(),
        quit: () => {
          sock.end(() => finish(0));
        },
      });
    }
    if (inv.qtest === null) return; // no test channel: runs until a signal or QMP quit
    if (inv.qtest.kind === 'stdio') {
      void serveStream(platform, process.stdin, process.stdout, installExtensions, log).then(() => finish(0));
      return;
    }
    const path = inv.qtest.path;
    const qtest = await connectUnixClient(platform, path, installExtensions, log).catch((e: NodeJS.ErrnoException) => {
      throw Object.assign(new Error(`-qtest unix:${path}: cannot connect: ${e.code ?? e.message}`), { connectFailure: true });
    });
    // The test closed its qtest connection (libqtest quits by SIGTERM first): nothing more can come.
    void qtest.ended.then(() => finish(0));
  } catch (e) {
    const message = (e as { connectFailure?: boolean }).connectFailure
      ? (e as Error).message
      : `-chardev socket,path=${inv.qmp}: cannot connect: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    io.err(`${QEMU_SYSTEM_NAME}: ${message}\n`);
    qmpSocket?.destroy();
    return finish(1);
  }
}

function connectSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ path });
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
}

/** A -qtest-log file (QEMU's format: `[R +secs] command`, `[S +secs] reply`), or null if it cannot be opened. */
function openLog(path: string, io: QemuSystemIo): QtestLog | null {
  try {
    closeSync(openSync(path, 'a'));
  } catch (e) {
    io.err(`${QEMU_SYSTEM_NAME}: -qtest-log ${path}: cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return null;
  }
  const start = io.now();
  return (dir, line) => {
    const t = ((io.now() - start) / 1000).toFixed(6);
    try {
      appendFileSync(path, `[${dir} +${t}] ${line}\n`);
    } catch {
      // A log that stops working never stops the test.
    }
  };
}

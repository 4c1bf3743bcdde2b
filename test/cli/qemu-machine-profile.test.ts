import { describe, expect, it } from 'vitest';
import { parseQemuArgs } from '../../src/cli/qemu-args.js';
import { machineProfile, performWatchdogAction, qemuPlatform } from '../../src/cli/qemu-system.js';
import { PROFILES } from '../../src/platform/profiles.js';

const io = { now: () => Date.UTC(2026, 0, 1), localOffsetMinutes: () => 0 };

describe('hvmdev-system-x86_64: the profile a command line selects', () => {
  it('plain machines are the built-in profiles', () => {
    expect(machineProfile(parseQemuArgs(['-M', 'q35']))).toBe(PROFILES['qemu-q35']);
    expect(machineProfile(parseQemuArgs(['-M', 'pc', '-global', 'ICH9-LPC.noreboot=false']))).toBe(PROFILES['qemu-pc']);
  });

  it('-global and machine versions become MCH and TCO parameters', () => {
    const p = machineProfile(parseQemuArgs(['-M', 'q35', '-global', 'ICH9-LPC.noreboot=false', '-global', 'mch.extended-tseg-mbytes=32']));
    expect(p.devices.ich9Tco).toEqual({ noRebootStrap: false, runsFromReset: false });
    expect(p.devices.q35Mch).toEqual({ extendedTsegMbytes: 32, smramAtSmbase: true, dOpenShowsTseg: false });
    expect(machineProfile(parseQemuArgs(['-M', 'pc-q35-4.2'])).devices.q35Mch?.smramAtSmbase).toBe(false);
    expect(machineProfile(parseQemuArgs(['-M', 'pc-q35-5.0'])).devices.q35Mch?.smramAtSmbase).toBe(true);
    expect(machineProfile(parseQemuArgs(['-M', 'pc-q35-2.9'])).devices.q35Mch?.extendedTsegMbytes).toBe(0);
    expect(machineProfile(parseQemuArgs(['-M', 'pc-q35-2.10'])).devices.q35Mch?.extendedTsegMbytes).toBe(16);
  });

  it('-watchdog-action: the WATCHDOG event, then what QEMU does', () => {
    const platform = qemuPlatform(parseQemuArgs(['-M', 'q35']), io);
    const run = (action: Parameters<typeof performWatchdogAction>[0]) => {
      const events: string[] = [];
      const log: string[] = [];
      let resets = 0;
      const off = platform.onResetRequest(() => resets++);
      performWatchdogAction(
        action,
        platform,
        { sendEvent: (name, data) => void events.push(`${name} ${JSON.stringify(data)}`) },
        (t) => void log.push(`err ${t.trim()}`),
        (c) => void log.push(`exit ${c}`),
        (s) => void log.push(`stop ${s}`),
      );
      off();
      return { events, log, resets };
    };
    expect(run('reset')).toEqual({ events: ['WATCHDOG {"action":"reset"}', 'RESET {"guest":true,"reason":"guest-reset"}'], log: [], resets: 1 });
    expect(run('shutdown')).toEqual({ events: ['WATCHDOG {"action":"shutdown"}', 'POWERDOWN {}'], log: [], resets: 0 });
    expect(run('poweroff')).toEqual({
      events: ['WATCHDOG {"action":"poweroff"}', 'SHUTDOWN {"guest":true,"reason":"guest-shutdown"}'],
      log: ['exit 0'],
      resets: 0,
    });
    expect(run('pause')).toEqual({ events: ['WATCHDOG {"action":"pause"}', 'STOP {}'], log: ['stop watchdog'], resets: 0 });
    expect(run('debug')).toEqual({ events: ['WATCHDOG {"action":"debug"}'], log: ['err watchdog: timer fired'], resets: 0 });
    expect(run('none')).toEqual({ events: ['WATCHDOG {"action":"none"}'], log: [], resets: 0 });
  });
});

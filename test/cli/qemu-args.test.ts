// hvmdev-system-x86_64's command line: what libqtest and QEMU's device tests pass is accepted; what
// hvmdev cannot honour is refused with one line naming the option.
import { describe, expect, it } from 'vitest';
import { parseQemuArgs } from '../../src/cli/qemu-args.js';
import { rtcStartTime } from '../../src/cli/qemu-system.js';

const LIBQTEST = (extra: string) =>
  `-qtest unix:/tmp/qtest-1.sock -qtest-log /dev/null -chardev socket,path=/tmp/qtest-1.qmp,id=char0 -mon chardev=char0,mode=control -display none ${extra} -accel qtest`
    .split(' ')
    .filter((w) => w !== '');

describe('hvmdev-system-x86_64 arguments', () => {
  it("libqtest's command line: the qtest and QMP sockets, defaults of QEMU's pc", () => {
    expect(parseQemuArgs(LIBQTEST('-rtc clock=vm'))).toEqual({
      qtest: { kind: 'unix', path: '/tmp/qtest-1.sock' },
      qtestLog: null,
      qmp: '/tmp/qtest-1.qmp',
      machine: 'pc',
      vcpus: 1,
      ramBytes: null,
      rtcBase: 'utc',
      paused: false,
      pciTestdevs: [],
      ich9NoReboot: null,
      extendedTsegMbytes: null,
      smbaseSmram: null,
      machineVersion: null,
      firmware: null,
      watchdogAction: 'reset',
      notes: [],
    });
  });

  it('every option the issue lists', () => {
    const inv = parseQemuArgs(
      LIBQTEST(
        '-machine pc-i440fx-7.2,accel=qtest -smp 2 -m 512M -rtc base=2006-06-17T16:01:21,clock=vm -device pci-testdev -device pci-testdev,addr=05.3 -nodefaults -no-user-config -S -serial none -monitor none -parallel none -global ICH9-LPC.noreboot=false -global e1000.mac=1',
      ).concat(['-qtest-log', '/tmp/log']),
    );
    expect(inv).toMatchObject({ machine: 'pc', vcpus: 2, ramBytes: 512 * 2 ** 20, rtcBase: '2006-06-17T16:01:21', paused: true, qtestLog: '/tmp/log' });
    expect(inv.pciTestdevs).toEqual([
      { device: 2, fn: 0 },
      { device: 5, fn: 3 },
    ]);
    // ICH9-LPC.noreboot is the TCO watchdog's strap (modelled); e1000 is not.
    expect(inv.ich9NoReboot).toBe(false);
    expect(inv.notes).toEqual(['-global e1000.mac=1 ignored: hvmdev does not model e1000']);
    expect(parseQemuArgs(['-M', 'q35', '-m', '128', '-rtc', 'base=localtime']).machine).toBe('q35');
    // Without addr=, pci-testdev takes QEMU's first free slot: 02 on pc (01 is PIIX3), 01 on q35.
    expect(parseQemuArgs(['-device', 'pci-testdev', '-M', 'q35', '-device', 'pci-testdev', '-nographic']).pciTestdevs).toEqual([
      { device: 1, fn: 0 },
      { device: 2, fn: 0 },
    ]);
    expect(() => parseQemuArgs(['-M', 'q35', '-device', 'pci-testdev,addr=1f.4'])).toThrow(/PCI address already in use/);
    expect(parseQemuArgs(['-machine', 'pc-q35-7.2', '-m', 'size=1G', '-qtest', 'stdio']).ramBytes).toBe(2 ** 30);
    expect(parseQemuArgs(['-rtc', 'base=utc']).notes).toEqual(['-rtc base=utc: the RTC follows the virtual clock (as clock=vm)']);
  });

  it('what cannot be honoured: one line naming the option', () => {
    const refused: [string, RegExp][] = [
      ['-machine isapc', /^-machine isapc: machine type 'isapc' not modelled \(hvmdev has pc and q35\)$/],
      ['-machine pc,smm=on', /^-machine pc,smm=on: property 'smm=on' not supported$/],
      ['-accel kvm', /^-accel kvm: not supported \(hvmdev-system-x86_64 accepts only -accel qtest\)$/],
      ['-device e1000', /^-device e1000: device 'e1000' not modelled \(hvmdev has pci-testdev\)$/],
      ['-device pci-testdev,addr=20.0', /addr must be SS\[\.F\]/],
      ['-device pci-testdev,addr=2 -device pci-testdev,addr=02.0', /PCI address already in use/],
      ['-rtc base=utc,clock=host', /clock=host not supported \(hvmdev's RTC follows the virtual clock: clock=vm\)/],
      ['-global mc146818rtc.lost_tick_policy=slew', /property 'lost_tick_policy' of mc146818rtc is not supported by hvmdev/],
      ['-kernel bzImage', /^-kernel bzImage: direct kernel loading is not modelled/],
      ['-drive file=disk.img,if=ide', /^-drive file=disk.img,if=ide: only if=pflash,format=raw,file=FILE is supported/],
      ['-drive if=pflash,format=raw,file=x,unit=1', /'unit=1' not supported \(one raw pflash image, unit 0\)/],
      ['-bios a.bin -pflash b.bin', /^-pflash b.bin: only one firmware image/],
      ['-object memory-backend-ram,id=m', /^-object: option not supported by hvmdev-system-x86_64/],
      ['-m 8G', /hvmdev models 1 MiB to 4 GiB of RAM/],
      ['-smp 0', /CPU count must be 1 to 128/],
      ['-mon chardev=x,mode=readline', /only mode=control/],
      ['-mon chardev=nope,mode=control', /no -chardev with id=nope/],
      ['-chardev socket,path=/x,id=a,server=on', /'server=on' not supported/],
      ['-qtest tcp:1234', /only unix:PATH and stdio/],
      ['-display gtk', /accepts only -display none/],
      ['-smp', /^-smp: requires an argument$/],
      ['disk.img', /unexpected argument/],
    ];
    for (const [args, message] of refused) expect(() => parseQemuArgs(args.split(' ')), args).toThrow(message);
  });

  it('-rtc base=utc/localtime start at the host time; a date starts there', () => {
    const io = { now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 600), localOffsetMinutes: () => 90 };
    expect(rtcStartTime('utc', io)).toBe('2026-01-02T03:04:05');
    expect(rtcStartTime('localtime', io)).toBe('2026-01-02T04:34:05');
    expect(rtcStartTime('2006-06-17T16:01:21', io)).toBe('2006-06-17T16:01:21');
  });

  it('-watchdog-action and the ICH9 noreboot strap (tco-test)', () => {
    const inv = parseQemuArgs(['-machine', 'q35', '-global', 'ICH9-LPC.noreboot=on', '-watchdog-action', 'pause']);
    expect(inv).toMatchObject({ ich9NoReboot: true, watchdogAction: 'pause' });
    for (const action of ['reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none']) {
      expect(parseQemuArgs(['-watchdog-action', action]).watchdogAction).toBe(action);
    }
    expect(() => parseQemuArgs(['-watchdog-action', 'inject-nmi'])).toThrow(
      '-watchdog-action inject-nmi: not supported (hvmdev performs reset, shutdown, poweroff, pause, debug, none)',
    );
    expect(() => parseQemuArgs(['-global', 'ICH9-LPC.noreboot=maybe'])).toThrow('-global ICH9-LPC.noreboot=maybe: expected on or off');
  });

  it('machine versions and the MCH properties QEMU tests set (q35-test)', () => {
    expect(parseQemuArgs(['-M', 'pc-q35-4.1']).machineVersion).toEqual([4, 1]);
    expect(parseQemuArgs(['-machine', 'pc-i440fx-7.2,accel=qtest']).machineVersion).toEqual([7, 2]);
    expect(parseQemuArgs(['-M', 'q35', '-global', 'mch.extended-tseg-mbytes=16', '-global', 'mch.smbase-smram=off'])).toMatchObject({
      extendedTsegMbytes: 16,
      smbaseSmram: false,
      notes: [],
    });
    expect(() => parseQemuArgs(['-global', 'mch.extended-tseg-mbytes=4096'])).toThrow('-global mch.extended-tseg-mbytes=4096: expected 0 to 4095 (MiB)');
  });

  it('firmware: -bios, a raw pflash drive, -pflash', () => {
    expect(parseQemuArgs(['-bios', '/tmp/bios.bin']).firmware).toEqual({ kind: 'bios', path: '/tmp/bios.bin' });
    expect(parseQemuArgs(['-drive', 'if=pflash,format=raw,file=/tmp/f.fd,readonly=on']).firmware).toEqual({ kind: 'pflash', path: '/tmp/f.fd' });
    expect(parseQemuArgs(['-pflash', 'f.fd']).firmware).toEqual({ kind: 'pflash', path: 'f.fd' });
    expect(parseQemuArgs([]).firmware).toBeNull();
  });
});

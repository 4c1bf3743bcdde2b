// QEMU 7.2 behaviours the qemu profiles follow as named parameters (src/devices/rtc/rtc-params.ts,
// src/devices/pci/params.ts), where the Xen profiles keep the datasheet's / Xen's: QEMU's own
// qtests (rtc-test, i440fx-test) depend on them.
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { QtestSession } from '../../src/qtest/session.js';

function session(profile: 'qemu-pc' | 'xen-hvm') {
  const s = new QtestSession(createPlatform({ profile, ramBytes: 1 << 20 }));
  return (line: string) => s.handle(line).join(' | ');
}

function rtc(run: (l: string) => string) {
  return {
    write: (reg: number, v: number) => (run(`outb 0x70 ${reg}`), run(`outb 0x71 ${v}`)),
    read: (reg: number) => (run(`outb 0x70 ${reg}`), run(`inb 0x71`)),
  };
}

describe('RTC formatSwitch: a DM or 24/12-hour switch of register B', () => {
  const setup = (profile: 'qemu-pc' | 'xen-hvm') => {
    const run = session(profile);
    const r = rtc(run);
    r.write(0x0a, 0x76); // divider in reset while setting the time (BCD, 24 h)
    r.write(4, 0x13);
    r.write(2, 0x34);
    r.write(0, 0x56);
    r.write(0x0a, 0x26);
    return r;
  };

  it("qemu-pc ('converted'): the same time in the new format, as QEMU encodes it on read", () => {
    const r = setup('qemu-pc');
    r.write(0x0b, 0x06); // binary, 24 h
    expect([r.read(4), r.read(2), r.read(0), r.read(9), r.read(0x32)]).toEqual(['OK 0x000d', 'OK 0x0022', 'OK 0x0038', 'OK 0x0014', 'OK 0x0014']);
    r.write(0x0b, 0x04); // binary, 12 h: 13:xx is 1 PM
    expect(r.read(4)).toBe('OK 0x0081');
    r.write(0x0b, 0x02); // back to BCD, 24 h
    expect([r.read(4), r.read(2), r.read(0)]).toEqual(['OK 0x0013', 'OK 0x0034', 'OK 0x0056']);
    // With SET on, the registers are the guest's: no conversion.
    r.write(0x0b, 0x82);
    r.write(0x0b, 0x86);
    expect(r.read(4)).toBe('OK 0x0013');
  });

  it("xen-hvm ('raw', datasheet and Xen): the bytes stay, now read in the new format", () => {
    const r = setup('xen-hvm');
    r.write(0x0b, 0x06);
    expect([r.read(4), r.read(2), r.read(0)]).toEqual(['OK 0x0013', 'OK 0x0034', 'OK 0x0056']);
  });
});

describe('RTC periodicRateChange: the next periodic tap after a rate change', () => {
  const run8HzThen2Hz = (profile: 'qemu-pc' | 'xen-hvm') => {
    const run = session(profile);
    const r = rtc(run);
    for (const l of ['outb 0x43 0x30', 'outb 0x40 1', 'outb 0x40 0', 'clock_step 10000']) run(l); // PIT silent
    r.write(0x0a, 0x2d); // 8 Hz: a tap every 4096 cycles (125 ms)
    r.write(0x0b, 0x42); // PIE
    const first = run('clock_step');
    r.read(0x0c);
    run('clock_step 30000000');
    r.write(0x0a, 0x2f); // 2 Hz (500 ms)
    const second = run('clock_step');
    r.read(0x0c);
    r.write(0x0a, 0x2d);
    const third = run('clock_step');
    return [first, second, third];
  };

  it("qemu-pc ('from-last-interrupt', QEMU's periodic_timer_update): the new period counts from the last tap", () => {
    expect(run8HzThen2Hz('qemu-pc')).toEqual(['OK 125000000', 'OK 625000000', 'OK 750000000']);
  });

  it("xen-hvm ('divider-chain', datasheet): taps stay on the divider chain", () => {
    expect(run8HzThen2Hz('xen-hvm')).toEqual(['OK 125000000', 'OK 500000000', 'OK 625000000']);
  });
});

describe('PCI configAddressLowBits: CONFIG_ADDRESS bits 1:0 and the data port offset', () => {
  const pci = (profile: 'qemu-pc' | 'xen-pvh-dom0') => {
    const s = new QtestSession(createPlatform({ profile, ramBytes: 1 << 20 }));
    return (line: string) => s.handle(line).join(' | ');
  };

  it("qemu-pc ('or-offset', QEMU's config_reg | (addr & 3)): libqos's outl 0xcf8 REG; inw 0xcfc reads at REG", () => {
    const run = pci('qemu-pc');
    const at = (reg: number, read: string) => (run(`outl 0xcf8 ${0x80000000 | reg}`), run(read));
    expect(at(0x02, 'inw 0xcfc')).toBe('OK 0x1237'); // device ID
    expect(at(0x0a, 'inw 0xcfc')).toBe('OK 0x0600'); // class
    expect(at(0x0e, 'inb 0xcfc')).toBe('OK 0x0000'); // header type
    expect(at(0x00, 'inw 0xcfe')).toBe('OK 0x1237'); // the port offset still selects
    expect(at(0x01, 'inb 0xcfe')).toBe('OK 0x0012'); // 1 | 2 = 3: the device ID's high byte
    // A write lands where a read looks: PIIX3 PIRQRC[C] (00:01.0 config 0x62, reset 0x80).
    run('outl 0xcf8 0x80000862');
    run('outb 0xcfc 0x0b');
    expect(at(0x860, 'inl 0xcfc')).toBe('OK 0x800b8080');
  });

  it("xen-pvh-dom0 ('ignored', PCI spec and Xen): bits 1:0 do not move the access", () => {
    const run = pci('xen-pvh-dom0');
    run('outl 0xcf8 0x80000002');
    expect(run('inw 0xcfc')).toBe('OK 0x8086');
    expect(run('inw 0xcfe')).toBe('OK 0x1237');
  });
});

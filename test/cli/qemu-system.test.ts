// hvmdev-system-x86_64 as libqtest drives it (test/cli/qemu-libqtest.ts): argv, sockets, QMP,
// SIGTERM and exit status; then the scenarios of QEMU 7.2's rtc-test (MC146818 through the qtest
// protocol, one process for all of them as rtc-test does, `-rtc clock=vm`, IO-APIC inputs intercepted).
// The scenarios are written here from what rtc-test checks; none of its code is used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibqtestClient } from './qemu-libqtest.js';

const SEC = 1_000_000_000;
const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_DM = 0x04;
const B_24H = 0x02;
const C_AF = 0x20;
const C_PF = 0x40;
const A_UIP = 0x80;
/** 8 cycles of the 32.768 kHz time base, in whole ns (the UIP window before an update). */
const UIP_NS = Math.floor((8 * SEC) / 32768);
const RTC_IRQ = 8;

describe('hvmdev-system-x86_64 started as libqtest starts QEMU', () => {
  it('connects both sockets, answers QMP, and exits 0 on SIGTERM', async () => {
    const q = await LibqtestClient.start('-machine pc,accel=qtest -nodefaults -S -device pci-testdev,addr=04.0');
    try {
      expect(await q.qmp({ execute: 'query-status' })).toEqual({ return: { status: 'prelaunch', singlestep: false, running: false } });
      expect(await q.qmp({ execute: 'query-version', id: 'v' })).toEqual({ return: { qemu: { major: 7, minor: 2, micro: 0 }, package: 'hvmdev' }, id: 'v' });
      expect(await q.qmp({ execute: 'device_add' })).toEqual({ error: { class: 'CommandNotFound', desc: 'The command device_add has not been found' } });
      // pci-testdev at 04.0, as -device ... addr=04.0 asks.
      expect(await q.cmd('outl 0xcf8 0x80002000')).toBe('OK');
      expect(await q.cmd('inl 0xcfc')).toBe('OK 0x51b36');
      // system_reset: the RTC's registers return to power-on (B = 0x02).
      await q.outb(0x70, REG_B);
      await q.outb(0x71, 0x06);
      expect(await q.qmp({ execute: 'system_reset' })).toEqual({ return: {} });
      expect(await q.qmpMessage()).toMatchObject({ event: 'RESET', data: { guest: false, reason: 'host-qmp-system-reset' } });
      await q.outb(0x70, REG_B);
      expect(await q.inb(0x71)).toBe(0x02);
    } finally {
      expect(await q.quit()).toEqual({ code: 0, signal: null });
    }
  }, 30_000);

  it('QMP quit: the reply, a SHUTDOWN event, exit status 0', async () => {
    const q = await LibqtestClient.start('');
    expect(await q.qmp({ execute: 'quit' })).toEqual({ return: {} });
    expect(await q.qmpMessage()).toMatchObject({ event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } });
    expect(await q.exited).toEqual({ code: 0, signal: null });
  }, 30_000);

  it("-M pc-q35-5.0 (lpc-ich9-test's scenario): ICH9 LPC PMBASE/ACPI_CNTL place the PM block; MCH and ECAM answer", async () => {
    const q = await LibqtestClient.start('-M pc-q35-5.0 -nographic -monitor none -serial none');
    try {
      expect(await q.cmd('outl 0xcf8 0x8000f840')).toBe('OK');
      expect(await q.cmd('outl 0xcfc 0x5d00')).toBe('OK');
      expect(await q.cmd('outl 0xcf8 0x8000f844')).toBe('OK');
      expect(await q.cmd('outl 0xcfc 0xeb')).toBe('OK');
      expect(await q.cmd('outw 0x5d02 0x205d')).toBe('OK');
      expect(await q.cmd('inw 0x5d02')).toBe('OK 0x205d'); // PM1_EN reads back as QEMU's (pm/pm-ich9.out)
      expect(await q.cmd('clock_step 1000000000')).toBe('OK 1000000000');
      expect(await q.cmd('inl 0x5d08')).toBe('OK 0x369e99'); // 3579545 ticks in 1 s
      expect(await q.cmd('outl 0xcf8 0x80000060')).toBe('OK');
      expect(await q.cmd('outl 0xcfc 0xb0000001')).toBe('OK');
      expect(await q.cmd('readl 0xb00f8000')).toBe('OK 0x0000000029188086');
    } finally {
      expect(await q.quit()).toEqual({ code: 0, signal: null });
    }
  }, 30_000);

  it('an option hvmdev cannot honour: one line naming it, exit 1', async () => {
    const q = LibqtestClient.start('-machine isapc');
    await expect(q).rejects.toThrow(
      /exited before connecting \(1\): hvmdev-system-x86_64: -machine isapc: machine type 'isapc' not modelled \(hvmdev has pc and q35\)\n$/,
    );
  }, 30_000);
});

describe("QEMU 7.2 rtc-test's scenarios through hvmdev-system-x86_64", () => {
  let q: LibqtestClient;
  const read = async (reg: number) => {
    await q.outb(0x70, reg);
    return q.inb(0x71);
  };
  const write = async (reg: number, value: number) => {
    await q.outb(0x70, reg);
    await q.outb(0x71, value);
  };
  const bcd = (v: number) => (v >> 4) * 10 + (v & 15);
  /** Sets hours/minutes/seconds with the divider held in reset, in register B mode `mode`. */
  const setTime = async (mode: number, h: number, m: number, s: number) => {
    await write(REG_B, mode);
    await write(REG_A, 0x76);
    await write(4, h);
    await write(2, m);
    await write(0, s);
    await write(REG_A, 0x26);
  };
  const time = async () => [await read(4), await read(2), await read(0)];
  /** Hours, minutes, seconds, day, month, year, century (one command at a time, as libqtest sends them). */
  const dateTime = async () => {
    const values: number[] = [];
    for (const reg of [4, 2, 0, 7, 8, 9, 0x32]) values.push(await read(reg));
    return values;
  };
  const setDateBcd = async () => {
    for (const [reg, v] of [
      [4, 0x02],
      [2, 0x04],
      [0, 0x58],
      [9, 0x11],
      [0x32, 0x20],
      [8, 0x02],
      [7, 0x02],
    ] as const)
      await write(reg, v);
  };

  beforeAll(async () => {
    q = await LibqtestClient.start('-rtc clock=vm');
    expect(await q.cmd('irq_intercept_in ioapic')).toBe('OK');
  }, 30_000);
  afterAll(async () => {
    expect(await q.quit()).toEqual({ code: 0, signal: null });
  });

  it('check-time bcd/dec: the RTC starts at the host UTC time (within 2 s)', async () => {
    for (const mode of [B_24H, B_24H | B_DM]) {
      await write(REG_B, mode);
      const before = Date.now();
      const conv = mode & B_DM ? (v: number) => v : bcd;
      const [h, m, s, d, mo, y] = (await dateTime()).map(conv) as [number, number, number, number, number, number];
      const rtc = Date.UTC(2000 + y, mo - 1, d, h, m, s);
      expect(Math.abs(rtc - before)).toBeLessThanOrEqual(3000);
    }
  });

  it('alarm/interrupt: an alarm 2 s ahead (hours and minutes "don\'t care") raises IRQ 8 and sets AF', async () => {
    await write(REG_B, B_24H | B_DM);
    expect(q.irqLevel[RTC_IRQ]).toBe(false);
    await read(REG_C);
    await write(1, ((await read(0)) + 2) % 60);
    await write(3, 0xc0);
    await write(5, 0xc0);
    await write(REG_B, (await read(REG_B)) | B_AIE);
    for (let i = 0; i < 4 && !q.irqLevel[RTC_IRQ]; i++) await q.clockStep(SEC);
    expect(q.irqLevel[RTC_IRQ]).toBe(true);
    expect((await read(REG_C)) & C_AF).toBe(C_AF);
    expect(await read(REG_C)).toBe(0);
  });

  it('alarm/am-pm: a 12-hour alarm at 2 PM fires when 1:59 PM rolls over', async () => {
    await write(3, 0xc0);
    await write(1, 0xc0);
    await write(REG_B, 0);
    await write(REG_A, 0x76);
    await write(5, 0x82);
    await write(4, 0x81);
    await write(2, 0x59);
    await write(0, 0x00);
    await read(REG_C);
    await write(REG_A, 0x26);
    await q.clockStep(60 * SEC);
    expect(await read(4)).toBe(0x82);
    expect((await read(REG_C)) & C_AF).toBe(C_AF);
  });

  it('basic dec-24h, bcd-24h, dec-12h, bcd-12h: seconds, minute, hour and AM/PM roll over', async () => {
    const cases: [number, [number, number, number], number, [number, number, number]][] = [
      [B_24H | B_DM, [9, 59, 0], SEC, [9, 59, 1]],
      [B_24H | B_DM, [9, 59, 0], 60 * SEC, [10, 0, 0]],
      [B_24H | B_DM, [23, 59, 0], 60 * SEC, [0, 0, 0]],
      [B_24H, [0x09, 0x59, 0x00], 60 * SEC, [0x10, 0x00, 0x00]],
      [B_24H, [0x23, 0x59, 0x00], 60 * SEC, [0x00, 0x00, 0x00]],
      [B_DM, [0x81, 59, 0], 60 * SEC, [0x82, 0, 0]],
      [B_DM, [0x8c, 59, 59], SEC, [0x81, 0, 0]],
      [B_DM, [0x0c, 59, 59], SEC, [0x01, 0, 0]],
      [B_DM, [0x0b, 59, 59], SEC, [0x8c, 0, 0]],
      [B_DM, [0x8b, 59, 59], SEC, [0x0c, 0, 0]],
      [0, [0x09, 0x59, 0x59], 60 * SEC, [0x10, 0x00, 0x59]],
      [0, [0x12, 0x59, 0x59], SEC, [0x01, 0x00, 0x00]],
      [0, [0x92, 0x59, 0x59], SEC, [0x81, 0x00, 0x00]],
      [0, [0x11, 0x59, 0x59], SEC, [0x92, 0x00, 0x00]],
      [0, [0x91, 0x59, 0x59], SEC, [0x12, 0x00, 0x00]],
    ];
    for (const [mode, start, step, end] of cases) {
      await setTime(mode, ...start);
      await q.clockStep(step);
      expect(await time(), `mode ${mode} from ${start} + ${step / SEC} s`).toEqual(end);
    }
  });

  it('set-year 20xx and 1980: year and century read back as written', async () => {
    for (const [year, century] of [
      [0x11, 0x20],
      [0x80, 0x20],
      [0x80, 0x19],
    ] as const) {
      await write(REG_B, B_24H);
      await write(REG_A, 0x76);
      await setDateBcd();
      await write(9, year);
      await write(0x32, century);
      await write(REG_A, 0x26);
      const [h, m, s, d, mo, y, c] = await dateTime();
      expect([h, m, d, mo, y, c]).toEqual([0x02, 0x04, 0x02, 0x02, year, century]);
      expect(s).toBeGreaterThanOrEqual(0x58);
    }
  });

  it('update/register_b_set_flag: SET freezes the time; clearing it lets it run', async () => {
    if ((await read(REG_A)) & A_UIP) await q.clockStep(UIP_NS + SEC / 5);
    expect((await read(REG_A)) & A_UIP).toBe(0);
    await write(REG_B, B_24H | B_SET);
    await setDateBcd();
    const frozen = [0x02, 0x04, 0x58, 0x02, 0x02, 0x11, 0x20];
    expect(await dateTime()).toEqual(frozen);
    await q.clockStep(SEC);
    expect(await dateTime()).toEqual(frozen);
    await write(REG_B, (await read(REG_B)) & ~B_SET);
    expect(await dateTime()).toEqual(frozen);
    await q.clockStep(SEC);
    expect(await dateTime()).toEqual([0x02, 0x04, 0x59, 0x02, 0x02, 0x11, 0x20]);
  });

  it('update/divider-reset: the first update ends 500 ms after the divider leaves reset, UIP 244 µs before', async () => {
    await write(REG_B, B_24H);
    await write(REG_A, 0x76);
    await setDateBcd();
    await q.clockStep(SEC);
    expect(await dateTime()).toEqual([0x02, 0x04, 0x58, 0x02, 0x02, 0x11, 0x20]);
    await write(REG_A, 0x26);
    await q.clockStep(SEC / 2 - UIP_NS - 1);
    expect((await read(REG_A)) & A_UIP).toBe(0);
    await q.clockStep(1);
    expect((await read(REG_A)) & A_UIP).toBe(A_UIP);
    await q.clockStep(UIP_NS);
    expect((await read(REG_A)) & A_UIP).toBe(0);
    expect(await dateTime()).toEqual([0x02, 0x04, 0x59, 0x02, 0x02, 0x11, 0x20]);
  });

  it('update/uip-stuck: moving a pending alarm away does not leave UIP set', async () => {
    await write(REG_B, B_24H);
    await write(REG_A, 0x76);
    await setDateBcd();
    await write(REG_A, 0x26);
    await read(REG_C);
    await q.clockStep(SEC / 2);
    expect((await read(REG_A)) & A_UIP).toBe(0);
    await write(5, 0x02);
    await write(3, 0xc0);
    await write(1, 0xc0);
    await q.clockStep(SEC - UIP_NS / 2);
    expect((await read(REG_A)) & A_UIP).toBe(A_UIP);
    await write(5, 0x03);
    await q.clockStep(UIP_NS);
    expect((await read(REG_A)) & A_UIP).toBe(0);
  });

  it('misc/fuzz-registers: 1000 random writes and reads of registers 0-15 are answered', async () => {
    let x = 0x2545f491;
    for (let i = 0; i < 1000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      await write((x >>> 0) % 16, (x >>> 8) & 0xff);
      await read((x >>> 0) % 16);
    }
    expect(await q.cmd('endianness')).toBe('OK little');
  });

  it('periodic/interrupt: 50 rounds of 8 Hz then 2 Hz take 50 x 625 ms (within 0.5 s), a rate change keeping its phase', async () => {
    await write(REG_B, (await read(REG_B)) & ~(B_PIE | B_AIE | B_UIE));
    await write(REG_A, 13);
    await write(REG_B, (await read(REG_B)) | B_PIE);
    const start = await q.clockStep();
    let now = start;
    const waitPeriodic = async () => {
      while (!q.irqLevel[RTC_IRQ]) now = await q.clockStep();
      expect((await read(REG_C)) & C_PF).toBe(C_PF);
    };
    for (let i = 0; i < 50; i++) {
      await write(REG_A, 13);
      await waitPeriodic();
      await write(REG_A, 15);
      await waitPeriodic();
    }
    const expected = (50 * (4096 + 16384) * SEC) / 32768;
    expect(Math.abs(now - start - expected)).toBeLessThanOrEqual(SEC / 2);
  }, 60_000);
});

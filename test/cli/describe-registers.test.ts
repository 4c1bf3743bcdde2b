// `hvmdev describe --registers` prints the register tables the devices use (issue 13: describe reads
// the register tables), as text and in --json.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { registerTableText } from '../../src/device-model/register-map.js';
import { LAPIC_REGISTERS } from '../../src/devices/lapic/registers.js';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('hvmdev describe --registers', () => {
  it('prints the LAPIC table after the bus map; without the option nothing changes', async () => {
    const plain = await run('describe', '--profile', 'xen-hvm');
    const r = await run('describe', '--profile', 'xen-hvm', '--registers');
    expect(r.code).toBe(0);
    expect(r.out.startsWith(plain.out)).toBe(true);
    expect(plain.out).not.toMatch(/Registers of/);
    expect(r.out).toContain(`\nRegisters of lapic: local APIC page (xAPIC offset; x2APIC MSR = 0x800 + offset/16)\n${registerTableText(LAPIC_REGISTERS)}`);
    expect(r.out).toMatch(/\n {2}0x3E0 +TDCR +32 +0x00000000 +0x0000000B +0x0000000B +bits 0, 1, 3: divide by 2 at reset\n/);
  });

  it("prints the HPET and IO-APIC tables of the platform's own instances (their parameters)", async () => {
    const xen = (await run('describe', '--profile', 'xen-hvm', '--registers')).out;
    expect(xen).toMatch(/\nRegisters of hpet: hpet \(offset in the 1 KiB window\)\n/);
    expect(xen).toMatch(/\n {2}0x000 +GCAP_ID +64 +0x00F424008086A201 /);
    expect(xen).toMatch(/\nRegisters of ioapic: ioapic0 indirect registers \(IOREGSEL index\)\n/);
    expect(xen).toMatch(/\n {2}0x001 +Version +32 +0x002F0011 /);
    const qemu = (await run('describe', '--profile', 'qemu-pc', '--registers')).out;
    expect(qemu).toMatch(/\n {2}0x000 +GCAP_ID +64 +0x009896808086A201 /); // 10 ns period
    expect(qemu).toMatch(/\n {2}0x001 +Version +32 +0x00170020 /);
    expect(qemu).toMatch(/\n {2}0x000 +IOREGSEL +32 +0x00000000 +0x000000FF +0x000000FF /);
  });

  it('--json carries the same rows with hex masks', async () => {
    const r = await run('describe', '--profile', 'xen-hvm', '--registers', '--json');
    const j = JSON.parse(r.out) as { registers: Record<string, { registers: { name: string; offset: number; writeMask: string; reset: string | null }[] }[]> };
    const lapic = j.registers.lapic![0]!.registers;
    expect(lapic.length).toBe(LAPIC_REGISTERS.length);
    expect(lapic.find((x) => x.name === 'TDCR')).toMatchObject({ offset: 0x3e0, writeMask: '0xb', reset: '0x0' });
    expect(lapic.find((x) => x.name === 'ID')!.reset).toBe(null);
    const plain = JSON.parse((await run('describe', '--profile', 'xen-hvm', '--json')).out) as object;
    expect('registers' in plain).toBe(false);
  });
});

// IPI destination resolution through a real 4-vCPU platform (createPlatform, xen-hvm profile: APIC
// IDs 0, 2, 4, 6). Every ICR is written by the guest's sender vCPU through the MMIO bus (or the
// x2APIC MSRs) and the result is read back from each receiver's IRR — so the LAPIC, the router and
// the platform wiring are all exercised. Expected sets come from the SDM's rules (Vol. 3A §11.6.2
// physical/logical flat/cluster, §11.6.1 shorthands, §11.12.9–10 x2APIC), written out here
// independently of src/devices/lapic/destination.ts.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { replayTranscript } from '../../src/qtest/transcript.js';
import type { Platform } from '../../src/platform/platform.js';
import type { Lapic } from '../../src/devices/lapic/lapic.js';

const APIC = 0xfee00000;
const VECTOR = 0x61;
const ALL = [0, 1, 2, 3];

function platform(profile: 'xen-hvm' | 'qemu-pc' = 'xen-hvm') {
  const p = createPlatform({ profile, vcpus: 4, ramBytes: 0 });
  const rd = (vcpu: number, off: number) => p.mmio.read(APIC + off, 4, accessContext(vcpu));
  const wr = (vcpu: number, off: number, value: number) => p.mmio.write(APIC + off, 4, value >>> 0, accessContext(vcpu));
  const lapic = (vcpu: number) => p.vcpus[vcpu]!.devices.get('lapic') as Lapic;
  for (const v of ALL) wr(v, 0xf0, 0x1ff); // software-enable, spurious vector 0xFF
  /** vCPUs whose IRR holds `vector`; each then takes and EOIs it, so the next case starts clean. */
  const receivers = (vector = VECTOR) => {
    const got: number[] = [];
    for (const v of ALL) {
      // xAPIC: the IRR word through the MMIO window; x2APIC: the same word through its MSR.
      const l = lapic(v);
      const word = l.x2apicMode ? Number((l.readMsr(0x820 + (vector >>> 5)) as { value: bigint }).value) : rd(v, 0x200 + (vector >>> 5) * 0x10);
      if ((word >>> (vector & 31)) & 1) got.push(v);
      for (let k = l.acknowledge(); k !== null; k = l.acknowledge()) {
        if (l.x2apicMode) l.writeMsr(0x80b, 0n);
        else wr(v, 0xb0, 0);
      }
    }
    return got;
  };
  /** xAPIC ICR send from `sender`: high half first (destination in bits 31:24), then the low half. */
  const send = (sender: number, low: number, dest = 0) => {
    wr(sender, 0x310, dest << 24);
    wr(sender, 0x300, low);
  };
  return { p, rd, wr, lapic, receivers, send };
}

const SHORTHAND = { none: 0, self: 0x40000, all: 0x80000, allButSelf: 0xc0000 } as const;

describe('4 vCPUs, xAPIC: every shorthand from every sender', () => {
  for (const sender of ALL) {
    it(`sender vCPU ${sender}: self, all, all-but-self (destination field ignored)`, () => {
      const t = platform();
      t.send(sender, SHORTHAND.self | VECTOR, 0x00);
      expect(t.receivers()).toEqual([sender]);
      t.send(sender, SHORTHAND.all | VECTOR, 0x02);
      expect(t.receivers()).toEqual(ALL);
      t.send(sender, SHORTHAND.allButSelf | 0x800 | VECTOR, 0xff); // logical bit too: still ignored
      expect(t.receivers()).toEqual(ALL.filter((v) => v !== sender));
    });
  }
});

describe('4 vCPUs, xAPIC: no shorthand, every 8-bit destination', () => {
  it('physical: APIC ID 2 × vCPU, 0xFF broadcast (sender included), anything else nobody', () => {
    const t = platform();
    for (let dest = 0; dest <= 0xff; dest++) {
      const expected = dest === 0xff ? ALL : ALL.filter((v) => 2 * v === dest);
      t.send(1, VECTOR, dest);
      expect(t.receivers(), `destination 0x${dest.toString(16)}`).toEqual(expected);
    }
  });

  it('logical flat (DFR 0xFFFFFFFF): every MDA reaches the vCPUs sharing a bit with their LDR', () => {
    const t = platform();
    const ldr = [0x01, 0x06, 0x10, 0x80]; // vCPU 1 answers two bits
    ALL.forEach((v) => t.wr(v, 0xd0, ldr[v]! << 24));
    for (let mda = 0; mda <= 0xff; mda++) {
      t.send(3, 0x800 | VECTOR, mda);
      expect(t.receivers(), `MDA 0x${mda.toString(16)}`).toEqual(ALL.filter((v) => (ldr[v]! & mda) !== 0));
    }
  });

  it('logical cluster (DFR 0x0FFFFFFF): same cluster nibble and a common member bit', () => {
    const t = platform();
    const ldr = [0x11, 0x12, 0x21, 0x2c];
    ALL.forEach((v) => {
      t.wr(v, 0xe0, 0x0fffffff);
      t.wr(v, 0xd0, ldr[v]! << 24);
    });
    for (let mda = 0; mda <= 0xff; mda++) {
      t.send(0, 0x800 | VECTOR, mda);
      const expected = ALL.filter((v) => ldr[v]! >>> 4 === mda >>> 4 && (ldr[v]! & mda & 0xf) !== 0);
      expect(t.receivers(), `MDA 0x${mda.toString(16)}`).toEqual(expected);
    }
  });

  it('a rewritten xAPIC ID is what physical destinations match', () => {
    const t = platform();
    t.wr(2, 0x20, 0x33000000);
    t.send(0, VECTOR, 0x33);
    expect(t.receivers()).toEqual([2]);
    t.send(0, VECTOR, 0x04);
    expect(t.receivers()).toEqual([]);
  });
});

describe('4 vCPUs, x2APIC (IDs 0, 2, 4, 6; LDR cluster 0, member bits 1 << ID)', () => {
  const x2 = () => {
    const t = platform();
    for (const v of ALL) expect(t.lapic(v).writeMsr(0x1b, 0xfee00c00n | (v === 0 ? 0x100n : 0n)).kind).toBe('ok');
    const icr = (sender: number, low: number, dest: number) =>
      expect(t.lapic(sender).writeMsr(0x830, (BigInt(dest >>> 0) << 32n) | BigInt(low)).kind).toBe('ok');
    return { ...t, icr };
  };

  it('physical: 32-bit IDs; 0xFFFFFFFF is the broadcast; 0xFF is just an ID', () => {
    const t = x2();
    const cases: [number, number[]][] = [
      [0, [0]],
      [2, [1]],
      [4, [2]],
      [6, [3]],
      [1, []],
      [0xff, []],
      [0x100, []],
      [0x10002, []],
      [0xffffffff, ALL],
    ];
    for (const [dest, expected] of cases) {
      t.icr(2, VECTOR, dest);
      expect(t.receivers(), `destination 0x${dest.toString(16)}`).toEqual(expected);
    }
  });

  it('logical: cluster in bits 31:16 must match, then any common member bit', () => {
    const t = x2();
    for (let mask = 0; mask <= 0xff; mask++) {
      t.icr(1, 0x800 | VECTOR, mask);
      expect(t.receivers(), `0x${mask.toString(16)}`).toEqual(ALL.filter((v) => ((1 << (2 * v)) & mask) !== 0));
      t.icr(1, 0x800 | VECTOR, 0x10000 | mask); // cluster 1 does not exist
      expect(t.receivers()).toEqual([]);
    }
    t.icr(1, 0x800 | VECTOR, 0xffffffff);
    expect(t.receivers()).toEqual(ALL);
  });

  it('shorthands and SELF_IPI', () => {
    const t = x2();
    t.icr(3, SHORTHAND.allButSelf | VECTOR, 0);
    expect(t.receivers()).toEqual([0, 1, 2]);
    t.icr(3, SHORTHAND.all | VECTOR, 0x12345);
    expect(t.receivers()).toEqual(ALL);
    expect(t.lapic(2).writeMsr(0x83f, BigInt(VECTOR)).kind).toBe('ok');
    expect(t.receivers()).toEqual([2]);
  });

  it("the IO-APIC's 8-bit 0xFF still broadcasts to x2APIC-mode LAPICs", () => {
    const t = x2();
    t.p.mmio.write(0xfec00000, 4, 0x10 + 2 * 10, accessContext(0));
    t.p.mmio.write(0xfec00010, 4, VECTOR, accessContext(0));
    t.p.mmio.write(0xfec00000, 4, 0x11 + 2 * 10, accessContext(0));
    t.p.mmio.write(0xfec00010, 4, 0xff000000, accessContext(0));
    t.p.irq.isaLine(10).raise();
    expect(t.receivers()).toEqual(ALL);
  });
});

describe('4 vCPUs: every delivery mode', () => {
  it('lowest priority: lowest PPR wins, ties round-robin after the previous winner (Xen)', () => {
    const t = platform();
    [0x30, 0x10, 0x10, 0x20].forEach((tpr, v) => t.wr(v, 0x80, tpr));
    const wins: number[][] = [];
    for (let k = 0; k < 4; k++) {
      t.send(0, 0x100 | VECTOR, 0xff); // physical broadcast, lowest priority
      wins.push(t.receivers());
    }
    expect(wins).toEqual([[1], [2], [1], [2]]);
    t.wr(1, 0x80, 0x40);
    t.wr(2, 0x80, 0x40);
    t.send(0, 0x100 | VECTOR, 0xff);
    expect(t.receivers()).toEqual([3]);
    t.send(0, SHORTHAND.allButSelf | 0x100 | VECTOR, 0); // shorthands arbitrate too
    expect(t.receivers()).toEqual([3]);
  });

  it('lowest priority never picks a software-disabled LAPIC', () => {
    const t = platform();
    [0x00, 0x50, 0x40, 0x30].forEach((tpr, v) => t.wr(v, 0x80, tpr));
    t.wr(0, 0xf0, 0xff);
    t.send(2, 0x100 | VECTOR, 0xff);
    expect(t.receivers()).toEqual([3]);
  });

  it('NMI reaches every named vCPU, INIT resets them, SIPI starts only those waiting', () => {
    const t = platform();
    ALL.forEach((v) => t.wr(v, 0xd0, (1 << v) << 24));
    t.send(0, 0x800 | 0x400, 0x0a); // NMI, logical vCPUs 1 and 3
    expect(ALL.map((v) => t.lapic(v).takeNmi())).toEqual([false, true, false, true]);
    t.wr(2, 0x80, 0x70);
    t.send(0, SHORTHAND.allButSelf | 0x4500, 0); // INIT assert to 1, 2, 3
    expect(ALL.map((v) => t.lapic(v).takeInit())).toEqual([false, true, true, true]);
    expect(t.rd(2, 0x80)).toBe(0); // INIT reset the TPR
    expect(t.rd(2, 0xf0)).toBe(0xff); // and software-disabled the APIC
    expect(t.rd(2, 0x20)).toBe(0x04000000); // the ID survives
    t.send(0, SHORTHAND.all | 0x4699, 0); // SIPI vector 0x99 to everyone: the BSP is not waiting
    expect(ALL.map((v) => t.lapic(v).takeSipi())).toEqual([-1, 0x99, 0x99, 0x99]);
  });

  it('SMI: Xen ignores guest SMIs; qemu-pc sets SMI pending', () => {
    const xen = platform('xen-hvm');
    xen.send(0, SHORTHAND.all | 0x200, 0);
    expect(ALL.map((v) => xen.lapic(v).takeSmi())).toEqual([false, false, false, false]);
    const qemu = platform('qemu-pc');
    qemu.send(0, 0x200, 0x02); // physical APIC ID 2 = vCPU 2 under QEMU
    expect(ALL.map((v) => qemu.lapic(v).takeSmi())).toEqual([false, false, true, false]);
  });

  it('ExtINT IPIs are not supported by the SDM: nothing becomes pending anywhere', () => {
    const t = platform();
    t.send(0, SHORTHAND.all | 0x700 | VECTOR, 0);
    expect(ALL.map((v) => t.lapic(v).hasPendingInterrupt())).toEqual([false, false, false, false]);
  });

  it('fixed IPI with an illegal vector: send-illegal on the sender, nothing delivered anywhere', () => {
    const t = platform();
    t.send(1, SHORTHAND.all | 0x0e, 0);
    expect(ALL.map((v) => t.lapic(v).hasPendingInterrupt())).toEqual([false, false, false, false]);
    ALL.forEach((v) => t.wr(v, 0x280, 0));
    expect(ALL.map((v) => t.rd(v, 0x280))).toEqual([0, 0x20, 0, 0]);
  });

  it('level-triggered fixed IPIs are accepted as edge: TMR stays clear, EOI is not broadcast', () => {
    const t = platform();
    t.send(0, 0xc000 | VECTOR, 0x06); // level, assert
    expect(t.rd(3, 0x180 + (VECTOR >>> 5) * 0x10)).toBe(0);
    expect(t.receivers()).toEqual([3]);
  });
});

describe('through the qtest front-end (vcpu / inta extensions)', () => {
  it('vCPU 3 sends all-but-self; each vCPU takes the vector with inta', () => {
    const s = new QtestSession(createPlatform({ profile: 'xen-hvm', vcpus: 4, ramBytes: 0 }) as Platform);
    installExtensions(s);
    const lines = ['> vcpu 0', 'OK'];
    for (const v of ALL) lines.push(`> vcpu ${v}`, 'OK', '> writel 0xfee000f0 0x1ff', 'OK');
    lines.push('> writel 0xfee00300 0xc0042', 'OK');
    for (const v of ALL) lines.push(`> vcpu ${v}`, 'OK', '> inta', v === 3 ? 'OK none' : 'OK 0x42');
    expect(replayTranscript(s, lines.join('\n') + '\n')).toEqual([]);
  });
});

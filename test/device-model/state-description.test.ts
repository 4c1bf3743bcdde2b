// The state-description framework (src/device-model/state-description.ts): compiled snapshot and
// apply, the check's precise refusals, fields added in a later version, and the platform's
// two-step restore (every device checks before any applies; no rollback copy).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../src/device-model/snapshot.js';
import { readU64Halves, refuseField, StateDescription, u64Json, u64Value } from '../../src/device-model/state-description.js';
import { bool, enumOf, int, ints, nullable, struct, structs, text, u8, u16, u64, u64s } from '../../src/device-model/state-fields.js';
import { createPlatform } from '../../src/platform/create-platform.js';

const INNER = new StateDescription('inner', 1, { a: u8(), b: bool() });
const OUTER = new StateDescription(
  'outer',
  2,
  {
    n: int(0, (max: number) => max),
    word: u16(),
    kind: enumOf(['x', 'y'] as const),
    label: text(4),
    big: u64(),
    bigs: u64s(2),
    list: ints(3, -1, 1),
    one: struct(INNER),
    many: structs(2, INNER),
    maybe: nullable(u8()),
    late: u8().added(2, 7),
    derived: int(0, 100).computed((o: { n: number }) => o.n * 2),
  },
  (s) => {
    if (s.word === 1 && s.kind === 'y') refuseField('word', 'word 1 is never of kind y');
  },
);

function live() {
  return {
    n: 3,
    word: 0x1234,
    kind: 'x' as 'x' | 'y',
    label: 'ab',
    big: 0x1_0000_0001n,
    bigs: new Uint32Array([1, 2, 3, 4]),
    list: new Int8Array([1, 0, -1]),
    one: { a: 5, b: true },
    many: [
      { a: 1, b: false },
      { a: 2, b: true },
    ],
    maybe: null as number | null,
    late: 9,
  };
}

describe('StateDescription', () => {
  it('snapshots a live object into fresh plain data that shares nothing with it', () => {
    const o = live();
    const s = OUTER.snapshot(o);
    expect(s).toEqual({
      n: 3,
      word: 0x1234,
      kind: 'x',
      label: 'ab',
      big: [1, 1],
      bigs: [1, 2, 3, 4],
      list: [1, 0, -1],
      one: { a: 5, b: true },
      many: [
        { a: 1, b: false },
        { a: 2, b: true },
      ],
      maybe: null,
      late: 9,
      derived: 6,
    });
    expect(s.list).not.toBe(o.list);
    expect(s.one).not.toBe(o.one);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('applies a checked state in place: arrays and nested structs keep their identity', () => {
    const o = live();
    const list = o.list;
    const one = o.one;
    const s = OUTER.check({ ...OUTER.snapshot(live()), n: 2, list: [0, 0, 1], one: { a: 9, b: false }, big: [0xff, 0], bigs: [9, 8, 7, 6] }, 'dev', 5);
    const bigs = o.bigs;
    OUTER.apply(o, s);
    expect(o.bigs).toBe(bigs);
    expect([...o.bigs]).toEqual([9, 8, 7, 6]);
    expect(o.list).toBe(list);
    expect(o.one).toBe(one);
    expect([...o.list]).toEqual([0, 0, 1]);
    expect(o.one).toEqual({ a: 9, b: false });
    expect(o.n).toBe(2);
    expect(o.big).toBe(0xffn);
  });

  it('refuses with device id, field path, value and what is allowed', () => {
    const good = OUTER.snapshot(live());
    const refusal = (patch: object, ctx = 5) => {
      try {
        OUTER.check({ ...good, ...patch }, 'dev0', ctx);
      } catch (e) {
        expect(e).toBeInstanceOf(SnapshotError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ word: 70000 })).toBe('dev0.word: expected an integer in [0, 65535] (u16), got 70000');
    expect(refusal({ n: 6 })).toBe('dev0.n: expected an integer in [0, 5], got 6');
    expect(refusal({ n: 6 }, 6)).toBe('accepted');
    expect(refusal({ kind: 'z' })).toBe('dev0.kind: expected one of x, y, got "z"');
    expect(refusal({ label: 'abcde' })).toBe('dev0.label: expected a string of at most 4 characters, got "abcde"');
    expect(refusal({ big: '0xff' })).toBe('dev0.big: expected a 64-bit value as [low, high] u32 halves, got "0xff"');
    expect(refusal({ big: [1, 2, 3] })).toBe('dev0.big: expected a 64-bit value as [low, high] u32 halves, got an array of 3');
    expect(refusal({ big: [2 ** 32, 0] })).toBe('dev0.big[0]: expected the low half, an integer in [0, 4294967295] (u32), got 4294967296');
    expect(refusal({ big: [0, -1] })).toBe('dev0.big[1]: expected the high half, an integer in [0, 4294967295] (u32), got -1');
    expect(refusal({ big: [0xffff_ffff, 0xffff_ffff] })).toBe('accepted');
    expect(refusal({ bigs: [1, 2, 3] })).toBe('dev0.bigs: expected an array of 4 u32 halves (2 64-bit values, low then high), got an array of 3');
    expect(refusal({ bigs: [1, 2, 3, 0.5] })).toBe('dev0.bigs[3]: expected an integer in [0, 4294967295] (u32), got 0.5');
    expect(refusal({ list: [1, 2, 0] })).toBe('dev0.list[1]: expected an integer in [-1, 1], got 2');
    // biome-ignore lint/suspicious/noSparseArray: a hole is refused like a missing value
    expect(refusal({ list: [1, , 0] })).toBe('dev0.list[1]: expected an integer in [-1, 1], got undefined');
    expect(refusal({ one: { a: 1 } })).toBe('dev0.one.b: missing');
    expect(
      refusal({
        many: [
          { a: 1, b: true },
          { a: 256, b: true },
        ],
      }),
    ).toBe('dev0.many[1].a: expected an integer in [0, 255] (u8), got 256');
    expect(refusal({ many: [{ a: 1, b: true }] })).toBe('dev0.many: expected an array of 2 objects (inner), got an array of 1');
    expect(refusal({ maybe: 3 })).toBe('accepted');
    expect(refusal({ maybe: -3 })).toBe('dev0.maybe: expected an integer in [0, 255] (u8), got -3');
    expect(refusal({ word: 1, kind: 'y' })).toBe('dev0.word: word 1 is never of kind y');
    expect(refusal({ n: undefined })).toBe('dev0.n: expected a value, got undefined');
    expect(() => OUTER.check(null, 'dev0', 5)).toThrow(new SnapshotError('dev0: expected an object, got null'));
  });

  it('reads a field added in a later version as its fallback when an older snapshot lacks it', () => {
    const { late: _late, ...old } = OUTER.snapshot(live());
    const s = OUTER.check(old, 'dev', 5);
    expect(OUTER.valueOf(s, 'late')).toBe(7);
    const o = live();
    OUTER.apply(o, s);
    expect(o.late).toBe(7);
    const { n: _n, ...missing } = OUTER.snapshot(live());
    expect(() => OUTER.check(missing, 'dev', 5)).toThrow(new SnapshotError('dev.n: missing'));
  });

  it('the compiled type test and the field-by-field walk agree on any value of any field (property)', () => {
    const good = OUTER.snapshot(live());
    const odd = fc.oneof(
      fc.constantFrom<unknown>(
        undefined,
        null,
        true,
        0,
        -1,
        1,
        0.5,
        255,
        256,
        65536,
        Number.NaN,
        Infinity,
        '',
        'x',
        'y',
        'abcde',
        '0x1',
        '0xg',
        [],
        [1, 0, -1],
        [1, 2],
        [2 ** 32, 0],
        [0, -1],
        [0, 0.5],
        [1, 2, 3, 4],
        [1, 2, 3, -4],
        {},
      ),
      fc.record({ a: fc.integer({ min: -1, max: 256 }), b: fc.boolean() }),
      fc.array(fc.record({ a: fc.integer({ min: 0, max: 255 }), b: fc.boolean() }), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(good)), odd, fc.boolean(), (key, value, drop) => {
        const v: Record<string, unknown> = { ...good, [key]: value };
        if (drop) delete v[key];
        let walked = true;
        try {
          OUTER['refuseTypes'](v, 5); // the walk alone (it names what is wrong)
        } catch {
          walked = false;
        }
        expect(OUTER.typesAccept(v, 5)).toBe(walked);
        const rulesRefuse = v.word === 1 && v.kind === 'y';
        if (walked && rulesRefuse) expect(() => OUTER.check(v, 'dev', 5)).toThrow(SnapshotError);
        if (!walked) expect(() => OUTER.check(v, 'dev', 5)).toThrow(SnapshotError);
      }),
      { numRuns: 400 },
    );
  });

  it('u64 values and their [low, high] halves convert exactly both ways, as do version-1 texts (property)', () => {
    const halves = new Uint32Array(2);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const hi = Number(v >> 32n);
        const lo = Number(v & 0xffff_ffffn);
        expect(u64Json(v)).toEqual([lo, hi]);
        expect(u64Value([lo, hi])).toBe(v);
        for (const t of ['0x' + v.toString(16), v.toString(), '0x' + v.toString(16).padStart(16, '0')]) {
          expect(readU64Halves(t, halves)).toBe(true);
          expect([halves[0], halves[1]]).toEqual([lo, hi]);
        }
      }),
    );
    for (const t of ['0x1' + '0'.repeat(16), '18446744073709551616', '0x', '0xg', '-1', '', 1]) expect(readU64Halves(t, halves)).toBe(false);
  });

  it('reads a version-1 part: u64 texts become halves (nested ones too), a bad text stays for the check to refuse', () => {
    const v1 = { ...OUTER.snapshot(live()), big: '0x100000002', bigs: ['0x400000003', '5'] };
    const up = OUTER.upgradeVersion1(v1) as Record<string, unknown>;
    expect(up).toEqual({ ...v1, big: [2, 1], bigs: [3, 4, 5, 0] });
    expect(v1.big).toBe('0x100000002'); // the input is never changed
    expect(INNER.upgradeVersion1(v1)).toBe(v1); // nothing to convert: the same object
    expect(() => OUTER.check(OUTER.upgradeVersion1({ ...v1, big: '0xzz' }), 'dev0', 5)).toThrow(
      new SnapshotError('dev0.big: expected a 64-bit value as [low, high] u32 halves, got "0xzz"'),
    );
    const WRAP = new StateDescription('wrap', 1, { inner: struct(new StateDescription('pair', 1, { v: u64() })), maybe: nullable(u64()) });
    expect(WRAP.upgradeVersion1({ inner: { v: '18446744073709551615' }, maybe: null })).toEqual({ inner: { v: [0xffff_ffff, 0xffff_ffff] }, maybe: null });
    expect(WRAP.upgradeVersion1({ inner: { v: '0' }, maybe: '0x5' })).toEqual({ inner: { v: [0, 0] }, maybe: [5, 0] });
  });
});

describe('Platform.restore in two steps', () => {
  it('takes no snapshot of its own and leaves every device untouched when the last one refuses', () => {
    const p = createPlatform({ profile: 'xen-hvm', vcpus: 2, ramBytes: 0 });
    p.ports.write(0x43, 1, 0x34);
    p.ports.write(0x40, 1, 0x10);
    p.ports.write(0x40, 1, 0x20);
    p.clock.advance(123_456);
    const good = JSON.parse(JSON.stringify(p.snapshot())) as { devices: Record<string, Record<string, unknown>> };
    const ids = [...p.devices.keys()];
    const lastId = ids[ids.length - 1]!;
    const bad = JSON.parse(JSON.stringify(good)) as typeof good;
    bad.devices.pit!.speakerData = !good.devices.pit!.speakerData; // a change an earlier device would apply
    bad.devices[lastId] = { ...bad.devices[lastId], bogus: 1, [Object.keys(good.devices[lastId]!)[0]!]: { not: 'a value' } };
    let snapshots = 0;
    // Every part's snapshot: the devices' own, and the state groups' (the LAPICs' one part).
    const parts = [...p.devices.values()].flatMap((d) => (d.stateGroup === undefined ? [d] : [d, d.stateGroup]));
    for (const d of parts) {
      const take = d.snapshot.bind(d);
      d.snapshot = () => {
        snapshots++;
        return take();
      };
    }
    const before = JSON.stringify(good);
    p.clock.advance(1000);
    const moved = JSON.parse(JSON.stringify(p.snapshot())) as object;
    snapshots = 0;
    expect(() => p.restore(bad)).toThrow(SnapshotError);
    expect(snapshots).toBe(0);
    expect(JSON.parse(JSON.stringify(p.snapshot()))).toEqual(moved);
    snapshots = 0;
    p.restore(good);
    expect(snapshots).toBe(0);
    expect(JSON.stringify(p.snapshot())).toBe(before);
    expect(snapshots).toBe(Object.keys(good.devices).length);
  });
});

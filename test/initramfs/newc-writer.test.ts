// The newc cpio writer: exact bytes against the format (buffer-format.rst), a reader written here
// from the same description reading back what the writer wrote, and refusals.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InitramfsError, writeNewc, type InitramfsEntry } from '../../src/initramfs/newc-writer.js';
import { BUSYBOX_STATIC, NO_GUESTS_REASON } from '../vmm/loaders/guest-files.js';

const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);

interface ReadEntry {
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  rdev: [number, number];
  name: string;
  data: Uint8Array;
}

/** Reads a newc archive back: 110-byte header, name padded to 4, data padded to 4, to TRAILER!!!. */
function readNewc(a: Uint8Array): ReadEntry[] {
  const out: ReadEntry[] = [];
  let at = 0;
  for (;;) {
    expect(at % 4).toBe(0);
    const h = text(a.subarray(at, at + 110));
    expect(h.slice(0, 6)).toBe('070701');
    const f = (i: number) => parseInt(h.slice(6 + 8 * i, 14 + 8 * i), 16);
    const namesize = f(11);
    const filesize = f(6);
    const name = text(a.subarray(at + 110, at + 110 + namesize - 1));
    expect(a[at + 110 + namesize - 1]).toBe(0);
    const dataAt = (at + 110 + namesize + 3) & ~3;
    if (name === 'TRAILER!!!') {
      expect(dataAt).toBe(a.length);
      return out;
    }
    out.push({ ino: f(0), mode: f(1), nlink: f(4), mtime: f(5), rdev: [f(9), f(10)], name, data: a.subarray(dataAt, dataAt + filesize) });
    at = (dataAt + filesize + 3) & ~3;
  }
}

describe('newc archive bytes', () => {
  it('one file: header fields as 8 upper-case hex digits, name and data padded to 4, then the trailer', () => {
    const a = writeNewc([{ type: 'file', path: '/init', data: 'hi\n', mode: 0o755 }]);
    const expected =
      '070701' +
      '00000001' +
      '000081ED' +
      '00000000' +
      '00000000' +
      '00000001' +
      '00000000' +
      '00000003' +
      '00000000'.repeat(4) +
      '00000005' +
      '00000000' +
      'init\0' +
      '\0' + // 110 + 5 = 115 → 116
      'hi\n' +
      '\0' + // 3 → 4
      '070701' +
      '00000000'.repeat(4) +
      '00000001' +
      '00000000'.repeat(6) +
      '0000000B' +
      '00000000' +
      'TRAILER!!!\0' +
      '\0\0\0'; // 110 + 11 = 121 → 124
    expect(a.length).toBe(244);
    expect(text(a)).toBe(expected);
  });

  it('directories, symlinks and character devices carry their type bits, link target and rdev', () => {
    const a = writeNewc(
      [
        { type: 'dir', path: 'dev' },
        { type: 'char', path: 'dev/console', major: 5, minor: 1 },
        { type: 'symlink', path: 'sh', target: 'bin/busybox' },
      ],
      { mtime: 0x5f5e100 },
    );
    const r = readNewc(a);
    expect(r.map((e) => [e.ino, e.mode.toString(8), e.nlink, e.mtime, e.rdev, e.name, text(e.data)])).toEqual([
      [1, '40755', 2, 0x5f5e100, [0, 0], 'dev', ''],
      [2, '20600', 1, 0x5f5e100, [5, 1], 'dev/console', ''],
      [3, '120777', 1, 0x5f5e100, [0, 0], 'sh', 'bin/busybox'],
    ]);
  });

  it('any set of files reads back name for name and byte for byte, every entry 4-byte aligned', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z0-9_]{1,12}$/), fc.uint8Array({ maxLength: 40 })), { selector: (t) => t[0], maxLength: 8 }),
        (files) => {
          const entries: InitramfsEntry[] = files.map(([path, data]) => ({ type: 'file', path, data }));
          const r = readNewc(writeNewc(entries));
          expect(r.map((e) => e.name)).toEqual(files.map((f) => f[0]));
          r.forEach((e, i) => expect([...e.data]).toEqual([...files[i]![1]]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses empty, dot-dot and duplicate paths, the trailer name, bad modes and out-of-range fields', () => {
    const bad: InitramfsEntry[][] = [
      [{ type: 'dir', path: '' }],
      [{ type: 'dir', path: 'a/../b' }],
      [
        { type: 'dir', path: 'a' },
        { type: 'dir', path: '/a' },
      ],
      [{ type: 'file', path: 'TRAILER!!!', data: '' }],
      [{ type: 'dir', path: 'a', mode: 0o10000 }],
      [{ type: 'char', path: 'c', major: -1, minor: 0 }],
      [{ type: 'symlink', path: 's', target: '' }],
    ];
    for (const entries of bad) expect(() => writeNewc(entries)).toThrow(InitramfsError);
    expect(() => writeNewc([], { mtime: 2 ** 32 })).toThrow(InitramfsError);
  });
});

describe.skipIf(BUSYBOX_STATIC === null)(`an /init with busybox${BUSYBOX_STATIC === null ? ` (skipped: ${NO_GUESTS_REASON})` : ''}`, () => {
  it('bin/busybox is the shared binary byte for byte, bin/sh links to it, /init is executable', () => {
    const busybox = new Uint8Array(readFileSync(BUSYBOX_STATIC!));
    const a = writeNewc([
      { type: 'dir', path: 'bin' },
      { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
      { type: 'symlink', path: 'bin/sh', target: 'busybox' },
      { type: 'dir', path: 'dev' },
      { type: 'char', path: 'dev/console', major: 5, minor: 1 },
      { type: 'file', path: 'init', data: '#!/bin/sh\nexec /bin/busybox sh\n', mode: 0o755 },
    ]);
    const r = readNewc(a);
    const bb = r.find((e) => e.name === 'bin/busybox')!;
    expect(bb.data.length).toBe(busybox.length);
    expect(Buffer.compare(Buffer.from(bb.data), Buffer.from(busybox))).toBe(0);
    expect(r.find((e) => e.name === 'init')!.mode).toBe(0o100755);
    expect(text(r.find((e) => e.name === 'bin/sh')!.data)).toBe('busybox');
  });
});

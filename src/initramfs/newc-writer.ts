// An initramfs as the Linux kernel unpacks it (Documentation/driver-api/early-userspace/
// buffer-format.rst; init/initramfs.c): a "newc" cpio archive. Each entry is a 110-byte ASCII
// header — magic "070701", then 13 fields of 8 hex digits: ino, mode, uid, gid, nlink, mtime,
// filesize, devmajor, devminor, rdevmajor, rdevminor, namesize (with the NUL), check (0) — the name
// and its NUL padded to a multiple of 4 bytes, then the data padded to a multiple of 4. The archive
// ends with an entry named "TRAILER!!!".
import { HvmdevError } from '../errors/hvmdev-error.js';

export class InitramfsError extends HvmdevError {}

/** File type bits of st_mode (POSIX <sys/stat.h>). */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export const NEWC_MAGIC = '070701';
export const NEWC_HEADER_BYTES = 110;
export const NEWC_TRAILER = 'TRAILER!!!';

export type InitramfsEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly type: 'file'; readonly path: string; readonly data: Uint8Array | string; readonly mode?: number }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string }
  | { readonly type: 'char'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

export interface NewcOptions {
  /** mtime of every entry, seconds since the epoch (default 0, so the archive is reproducible). */
  readonly mtime?: number;
}

const enc = new TextEncoder();

/** The archive's bytes. Paths are relative ("init", "bin/sh"); a leading "/" is dropped. */
export function writeNewc(entries: readonly InitramfsEntry[], options: NewcOptions = {}): Uint8Array {
  const mtime = options.mtime ?? 0;
  checkField('mtime', mtime);
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    size += b.length;
  };
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const name = e.path.replace(/^\/+/, '');
    if (name === '' || name.includes('\0') || name.split('/').some((c) => c === '' || c === '.' || c === '..')) {
      throw new InitramfsError(`entry ${i}: path '${e.path}' must be a relative path without empty, '.' or '..' components or NUL`);
    }
    if (name === NEWC_TRAILER) throw new InitramfsError(`entry ${i}: '${NEWC_TRAILER}' is the archive's end marker, not a file name`);
    if (seen.has(name)) throw new InitramfsError(`entry ${i}: '${name}' appears twice`);
    seen.add(name);
    let mode: number;
    let data: Uint8Array = new Uint8Array(0);
    let rdev: [number, number] = [0, 0];
    switch (e.type) {
      case 'dir':
        mode = S_IFDIR | permissions(e.mode ?? 0o755, i);
        break;
      case 'file':
        mode = S_IFREG | permissions(e.mode ?? 0o644, i);
        data = typeof e.data === 'string' ? enc.encode(e.data) : e.data;
        break;
      case 'symlink':
        if (e.target === '') throw new InitramfsError(`entry ${i}: symlink '${name}' has an empty target`);
        mode = S_IFLNK | 0o777;
        data = enc.encode(e.target);
        break;
      case 'char':
        mode = S_IFCHR | permissions(e.mode ?? 0o600, i);
        checkField(`entry ${i} major`, e.major);
        checkField(`entry ${i} minor`, e.minor);
        rdev = [e.major, e.minor];
        break;
    }
    push(entry(i + 1, mode, e.type === 'dir' ? 2 : 1, mtime, name, data, rdev));
  });
  push(entry(0, 0, 1, 0, NEWC_TRAILER, new Uint8Array(0), [0, 0]));
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function entry(ino: number, mode: number, nlink: number, mtime: number, name: string, data: Uint8Array, rdev: [number, number]): Uint8Array {
  const nameBytes = enc.encode(name);
  const fields = [ino, mode, 0, 0, nlink, mtime, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length + 1, 0];
  const header = NEWC_MAGIC + fields.map((f) => f.toString(16).toUpperCase().padStart(8, '0')).join('');
  const namePart = pad4(NEWC_HEADER_BYTES + nameBytes.length + 1);
  const out = new Uint8Array(namePart + pad4(data.length));
  out.set(enc.encode(header), 0);
  out.set(nameBytes, NEWC_HEADER_BYTES);
  out.set(data, namePart);
  return out;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function permissions(mode: number, i: number): number {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new InitramfsError(`entry ${i}: mode 0o${mode.toString(8)} must be permission bits 0–0o7777`);
  return mode;
}

function checkField(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InitramfsError(`${what} ${v} must fit the 8 hex digits of a newc field (0 … 0xFFFFFFFF)`);
}

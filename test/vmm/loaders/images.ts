// Small Multiboot images built in the test: an ELF32 with chosen program headers, an a.out-kludge
// binary, and helpers to read the information structure back.

export const MB_MAGIC = 0x1badb002;

export function mbHeader(flags: number, aout?: { header: number; load: number; loadEnd: number; bssEnd: number; entry: number }): Uint8Array {
  const words = [MB_MAGIC, flags >>> 0, (-(MB_MAGIC + flags) >>> 0) & 0xffffffff];
  if (aout) words.push(aout.header, aout.load, aout.loadEnd, aout.bssEnd, aout.entry);
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

export interface Seg {
  type?: number;
  paddr: number;
  vaddr?: number;
  data: Uint8Array;
  memSize?: number;
}

/** An ELF32 i386 executable with these segments; the Multiboot header sits in the first segment's data. */
export function elf32(entry: number, segs: Seg[], patch?: (dv: DataView) => void): Uint8Array {
  const ehsize = 52,
    phentsize = 32;
  const phoff = ehsize;
  let off = phoff + phentsize * segs.length;
  const offsets = segs.map((s) => {
    const o = off;
    off += s.data.length;
    return o;
  });
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 3, true); // EM_386
  dv.setUint32(20, 1, true);
  dv.setUint32(24, entry, true);
  dv.setUint32(28, phoff, true);
  dv.setUint16(40, ehsize, true);
  dv.setUint16(42, phentsize, true);
  dv.setUint16(44, segs.length, true);
  segs.forEach((s, i) => {
    const p = phoff + i * phentsize;
    dv.setUint32(p, s.type ?? 1, true);
    dv.setUint32(p + 4, offsets[i]!, true);
    dv.setUint32(p + 8, s.vaddr ?? s.paddr, true);
    dv.setUint32(p + 12, s.paddr, true);
    dv.setUint32(p + 16, s.data.length, true);
    dv.setUint32(p + 20, s.memSize ?? s.data.length, true);
    out.set(s.data, offsets[i]!);
  });
  patch?.(dv);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function cString(ram: Uint8Array, addr: number): string {
  let end = addr;
  while (ram[end] !== 0) end++;
  return new TextDecoder().decode(ram.subarray(addr, end));
}

export interface MbInfo {
  flags: number;
  memLower: number;
  memUpper: number;
  cmdline: string;
  mods: { start: number; end: number; string: string }[];
  mmap: { base: bigint; length: bigint; type: number; size: number }[];
  bootLoaderName: string;
}

export function readMbInfo(ram: Uint8Array, addr: number): MbInfo {
  const dv = new DataView(ram.buffer, ram.byteOffset);
  const u32 = (o: number) => dv.getUint32(o, true);
  const mods = Array.from({ length: u32(addr + 20) }, (_, i) => {
    const p = u32(addr + 24) + 16 * i;
    return { start: u32(p), end: u32(p + 4), string: cString(ram, u32(p + 8)) };
  });
  const mmap: MbInfo['mmap'] = [];
  const mmapAddr = u32(addr + 48);
  for (let p = mmapAddr; p < mmapAddr + u32(addr + 44); ) {
    const size = u32(p);
    mmap.push({ size, base: dv.getBigUint64(p + 4, true), length: dv.getBigUint64(p + 12, true), type: u32(p + 20) });
    p += size + 4;
  }
  return {
    flags: u32(addr),
    memLower: u32(addr + 4),
    memUpper: u32(addr + 8),
    cmdline: cString(ram, u32(addr + 16)),
    mods,
    mmap,
    bootLoaderName: cString(ram, u32(addr + 64)),
  };
}

/** Whether every byte of `b` is `value` (a plain loop: fast on megabytes). */
export function allBytes(b: Uint8Array, value: number): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== value) return false;
  return true;
}

/** Byte-equal (Buffer.equals: fast on large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

// The guest page walk of the x86emu completion (src/vmm/kvm/guest-page-walk.ts) against hand-built
// 4-level tables: translations of 4 KiB, 2 MiB and 1 GiB pages, the #PF error codes of SDM Vol. 3A
// §4.7 for each rights violation, and the accessed/dirty flags of §4.8.
import { describe, expect, it } from 'vitest';
import { ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE, GuestPageWalker, WALK_FAULT, WALK_UNSUPPORTED } from '../../../src/vmm/kvm/guest-page-walk.js';

const P = 1n,
  RW = 2n,
  US = 4n,
  A = 0x20n,
  D = 0x40n,
  PS = 0x80n,
  NX = 1n << 63n;
const CR0_PG_PE = 0x8000_0001;
const CR0_WP = 1 << 16;
const CR4_PAE = 1 << 5;
const CR4_SMEP = 1 << 20;
const CR4_SMAP = 1 << 21;
const EFER_LMA_NXE = (1 << 10) | (1 << 11);

const PML4 = 0x1000,
  PDPT = 0x2000,
  PD = 0x3000,
  PT = 0x4000;

/** RAM with PML4[0] → PDPT[0] → PD; PD[0] → PT (4 KiB pages), PD[1] a 2 MiB page; PDPT[1] a 1 GiB page. */
function build(leaf4k: bigint, pd1: bigint = 0x60_0000n | P | RW | PS, upper: bigint = P | RW | US) {
  const ram = new Uint8Array(0x10000);
  const dv = new DataView(ram.buffer);
  dv.setBigUint64(PML4, BigInt(PDPT) | upper, true);
  dv.setBigUint64(PDPT, BigInt(PD) | upper, true);
  dv.setBigUint64(PDPT + 8, 0x8000_0000n | P | RW | PS, true); // 1 GiB at 2 GiB
  dv.setBigUint64(PD, BigInt(PT) | upper, true);
  dv.setBigUint64(PD + 8, pd1, true);
  dv.setBigUint64(PT + 5 * 8, leaf4k, true); // linear 0x5000
  const w = new GuestPageWalker(ram);
  w.load(CR0_PG_PE | CR0_WP, PML4, CR4_PAE, EFER_LMA_NXE, 0, 0);
  return { ram, dv, w };
}

describe('guest page walk (4-level paging)', () => {
  it('translates 4 KiB, 2 MiB and 1 GiB pages and sets accessed/dirty on the entries used', () => {
    const { dv, w } = build(0x9000n | P | RW);
    expect(w.translate(0x5123, 0, ACCESS_READ)).toBe(0x9123);
    expect(dv.getBigUint64(PT + 5 * 8, true) & (A | D)).toBe(A);
    expect(dv.getBigUint64(PML4, true) & A).toBe(A);
    expect(w.translate(0x5123, 0, ACCESS_WRITE)).toBe(0x9123);
    expect(dv.getBigUint64(PT + 5 * 8, true) & (A | D)).toBe(A | D);
    expect(w.translate(0x23_4567, 0, ACCESS_READ)).toBe(0x63_4567); // PD[1]: 2 MiB page at 6 MiB
    expect(w.translate(0x4123_4567, 0, ACCESS_READ)).toBe(0x8123_4567); // PDPT[1]: 1 GiB page at 2 GiB
  });

  it('a high-half address (above 2^53 as a double) walks the right entries', () => {
    const { dv, w } = build(0x9000n | P | RW);
    dv.setBigUint64(PML4 + 511 * 8, BigInt(PDPT) | P | RW, true);
    // 0xffffffff80005000 → PML4[511], PDPT[510]: not present yet
    expect(w.translate(0x8000_5000, 0xffff_ffff, ACCESS_READ)).toBe(WALK_FAULT);
    dv.setBigUint64(PDPT + 510 * 8, BigInt(PD) | P | RW, true);
    expect(w.translate(0x8000_5010, 0xffff_ffff, ACCESS_READ)).toBe(0x9010);
  });

  it('not present: error code W/U/I by the access, P clear', () => {
    const { w } = build(0n);
    expect(w.translate(0x5000, 0, ACCESS_READ)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(0);
    expect(w.translate(0x5000, 0, ACCESS_WRITE)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(2);
    expect(w.translate(0x5000, 0, ACCESS_FETCH)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(0x10);
    w.load(CR0_PG_PE | CR0_WP, PML4, CR4_PAE, EFER_LMA_NXE, 3, 0);
    expect(w.translate(0x5000, 0, ACCESS_WRITE)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(6);
  });

  it('read-only page: a supervisor write faults only with CR0.WP, a user write always', () => {
    const { dv, w } = build(0x9000n | P | US);
    expect(w.translate(0x5000, 0, ACCESS_WRITE)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(3);
    expect(dv.getBigUint64(PT + 5 * 8, true) & (A | D)).toBe(0n); // a failed walk sets no flag
    w.load(CR0_PG_PE, PML4, CR4_PAE, EFER_LMA_NXE, 0, 0);
    expect(w.translate(0x5000, 0, ACCESS_WRITE)).toBe(0x9000);
    w.load(CR0_PG_PE, PML4, CR4_PAE, EFER_LMA_NXE, 3, 0);
    expect(w.translate(0x5000, 0, ACCESS_WRITE)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(7);
  });

  it('a supervisor page is out of reach at CPL 3 (U/S clear at any level)', () => {
    const { w } = build(0x9000n | P | RW | US, undefined, P | RW);
    w.load(CR0_PG_PE | CR0_WP, PML4, CR4_PAE, EFER_LMA_NXE, 3, 0);
    expect(w.translate(0x5000, 0, ACCESS_READ)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(5);
  });

  it('NX faults a fetch only with EFER.NXE', () => {
    const { w } = build(0x9000n | P | RW | NX);
    expect(w.translate(0x5000, 0, ACCESS_READ)).toBe(0x9000);
    expect(w.translate(0x5000, 0, ACCESS_FETCH)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(0x11);
    w.load(CR0_PG_PE | CR0_WP, PML4, CR4_PAE, 1 << 10, 0, 0);
    expect(w.translate(0x5000, 0, ACCESS_FETCH)).toBe(0x9000);
  });

  it('SMEP faults a supervisor fetch from a user page; SMAP a supervisor data access unless RFLAGS.AC', () => {
    const { w } = build(0x9000n | P | RW | US);
    w.load(CR0_PG_PE | CR0_WP, PML4, CR4_PAE | CR4_SMEP | CR4_SMAP, EFER_LMA_NXE, 0, 0);
    expect(w.translate(0x5000, 0, ACCESS_FETCH)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(0x11);
    expect(w.translate(0x5000, 0, ACCESS_READ)).toBe(WALK_FAULT);
    expect(w.errorCode).toBe(1);
    w.load(CR0_PG_PE | CR0_WP, PML4, CR4_PAE | CR4_SMEP | CR4_SMAP, EFER_LMA_NXE, 0, 1 << 18);
    expect(w.translate(0x5000, 0, ACCESS_WRITE)).toBe(0x9000);
  });

  it('paging off is the identity; 32-bit and PAE paging are left to the caller', () => {
    const { w } = build(0n);
    w.load(1, 0, 0, 0, 0, 0);
    expect(w.translate(0x1234_5678, 0, ACCESS_WRITE)).toBe(0x1234_5678);
    w.load(CR0_PG_PE, PML4, CR4_PAE, 0, 0, 0);
    expect(w.translate(0x5000, 0, ACCESS_READ)).toBe(WALK_UNSUPPORTED);
  });

  it('a table outside guest RAM is reported (as not present)', () => {
    const { dv, w } = build(0n);
    dv.setBigUint64(PD, 0x4000_0000n | P | RW, true);
    expect(w.translate(0x5000, 0, ACCESS_READ)).toBe(WALK_FAULT);
    expect(w.tableOutsideRam).toBe(true);
  });
});

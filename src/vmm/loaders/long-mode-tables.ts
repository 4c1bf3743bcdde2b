// The page tables and GDT a loader leaves for a 64-bit entry (Linux boot protocol, "64-bit Boot
// Protocol": paging on, the kernel, boot_params and command line identity-mapped; a GDT with
// __BOOT_CS = 0x10 a 64-bit code segment and __BOOT_DS = 0x18 a flat data segment).
// The first 4 GiB are identity-mapped with 2 MiB pages (SDM Vol. 3A §4.5, "4-Level Paging"):
// one PML4 → one PDPT → four page directories. The kernel replaces them with its own at once.
import { LoaderError } from './loader-error.js';

const PAGE = 4096;
const PTE_PRESENT = 1n;
const PTE_WRITABLE = 2n;
const PDE_LARGE = 1n << 7n; // PS: a 2 MiB page
const TWO_MIB = 0x200000n;
const GIB = 0x40000000;

/** GDT entries by selector / 8: null, null, __BOOT_CS (0x10), __BOOT_DS (0x18). */
const GDT_ENTRIES = [
  0n,
  0n,
  0x00af9b000000ffffn, // code: base 0, limit 0xFFFFF pages, present, DPL 0, execute/read, accessed, L = 1, G = 1
  0x00cf93000000ffffn, // data: base 0, limit 4 GiB, present, DPL 0, read/write, accessed, D/B = 1, G = 1
];
export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;
export const GDT_BYTES = GDT_ENTRIES.length * 8;
/** Bytes of page tables written: PML4, PDPT and one page directory per GiB mapped. */
export const IDENTITY_MAP_GIB = 4;
export const PAGE_TABLE_BYTES = (2 + IDENTITY_MAP_GIB) * PAGE;

export interface LongModeTables {
  readonly cr3: number;
  readonly gdtBase: number;
  readonly gdtLimit: number;
}

/** Writes the GDT at `gdtAt` and the page tables at `tablesAt` (4 KiB aligned) into `ram`. */
export function writeLongModeTables(ram: Uint8Array, gdtAt: number, tablesAt: number): LongModeTables {
  if (tablesAt % PAGE !== 0) throw new LoaderError('bad-option', `page tables at 0x${tablesAt.toString(16)} must be 4 KiB aligned`);
  if (tablesAt + PAGE_TABLE_BYTES > ram.length || gdtAt + GDT_BYTES > ram.length) {
    throw new LoaderError('outside-ram', 'the boot page tables and GDT do not fit in RAM');
  }
  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  GDT_ENTRIES.forEach((e, i) => dv.setBigUint64(gdtAt + 8 * i, e, true));
  ram.fill(0, tablesAt, tablesAt + PAGE_TABLE_BYTES);
  const pml4 = tablesAt;
  const pdpt = tablesAt + PAGE;
  dv.setBigUint64(pml4, BigInt(pdpt) | PTE_PRESENT | PTE_WRITABLE, true);
  for (let g = 0; g < IDENTITY_MAP_GIB; g++) {
    const pd = tablesAt + (2 + g) * PAGE;
    dv.setBigUint64(pdpt + 8 * g, BigInt(pd) | PTE_PRESENT | PTE_WRITABLE, true);
    for (let i = 0; i < 512; i++) {
      const phys = BigInt(g * GIB) + BigInt(i) * TWO_MIB;
      dv.setBigUint64(pd + 8 * i, phys | PTE_PRESENT | PTE_WRITABLE | PDE_LARGE, true);
    }
  }
  return { cr3: pml4, gdtBase: gdtAt, gdtLimit: GDT_BYTES - 1 };
}

// Guest-linear → guest-physical through the guest's own 4-level page tables in guest RAM (SDM Vol. 3A
// §4.5 "4-Level Paging", §4.6 "Access Rights", §4.7 "Page-Fault Exceptions", §4.8 "Accessed and
// Dirty Flags"), for the instructions hvmdev completes with src/x86emu when the host's KVM could
// not (pvm-host.ts). KVM_TRANSLATE tells neither the access rights nor the page-fault error code, and
// costs an ioctl per page; this walk does what the CPU does for a data access or a fetch: it checks
// present, R/W (with CR0.WP), U/S, NX (with EFER.NXE), SMEP and SMAP, sets the accessed and dirty
// flags of a translation it uses, and on a violation gives the #PF error code to inject.
// Not modelled: reserved-bit checks (PFEC.RSVD), protection keys, 32-bit and PAE paging (the walker
// says so and the caller falls back to KVM_TRANSLATE, which has no rights to check).

/** Kinds of access (how the translation is used). */
export const ACCESS_READ = 0,
  ACCESS_WRITE = 1,
  ACCESS_FETCH = 2;

/** #PF error code bits (SDM Vol. 3A §4.7). */
export const PFEC_PRESENT = 1,
  PFEC_WRITE = 2,
  PFEC_USER = 4,
  PFEC_FETCH = 16;

/** translate()'s result when it cannot walk this paging mode (32-bit or PAE paging). */
export const WALK_UNSUPPORTED = -2;
/** translate()'s result on a page fault: errorCode says which. */
export const WALK_FAULT = -1;

const CR0_WP = 1 << 16;
const CR0_PG = 1 << 31;
const CR4_PAE = 1 << 5;
const CR4_SMEP = 1 << 20;
const CR4_SMAP = 1 << 21;
const EFER_NXE = 1 << 11;
const EFER_LMA = 1 << 10;
const RFLAGS_AC = 1 << 18;

const P = 1,
  RW = 2,
  US = 4,
  A = 1 << 5,
  D = 1 << 6,
  PS = 1 << 7;
/** NX is bit 63 of an entry: bit 31 of its high half. */
const NX_HI = 0x8000_0000;
const TWO32 = 0x1_0000_0000;

export class GuestPageWalker {
  private readonly mem: DataView;
  cr0 = 0;
  cr4 = 0;
  efer = 0;
  /** CR3's table address (bits 51:12) as a plain number. */
  cr3 = 0;
  /** The access is made at CPL 3 (a user-mode access, SDM §4.6). */
  user = false;
  /** RFLAGS.AC: with CR4.SMAP, lets a supervisor data access reach a user page. */
  ac = false;
  /** The #PF error code of the last translate() that returned WALK_FAULT. */
  errorCode = 0;
  /** The last walk met a paging-structure entry outside guest RAM (reported as not present). */
  tableOutsideRam = false;

  constructor(private readonly ram: Uint8Array) {
    this.mem = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  }

  /** Takes the paging controls from the vCPU's registers (low 32 bits of CR0/CR4/EFER/RFLAGS). */
  load(cr0: number, cr3: number, cr4: number, efer: number, cpl: number, rflags: number): void {
    this.cr0 = cr0;
    this.cr3 = cr3 - (cr3 % 4096);
    this.cr4 = cr4;
    this.efer = efer;
    this.user = cpl === 3;
    this.ac = (rflags & RFLAGS_AC) !== 0;
  }

  /**
   * The physical address of linear (linLo, linHi) (uint32 halves, either signedness), WALK_FAULT
   * with `errorCode` set, or WALK_UNSUPPORTED. Paging off: the linear address is the physical one.
   */
  translate(linLo: number, linHi: number, access: number): number {
    linLo >>>= 0;
    linHi >>>= 0;
    this.tableOutsideRam = false;
    if ((this.cr0 & CR0_PG) === 0) return linHi * TWO32 + linLo;
    if ((this.efer & EFER_LMA) === 0 || (this.cr4 & CR4_PAE) === 0) return WALK_UNSUPPORTED;
    const nxe = (this.efer & EFER_NXE) !== 0;
    const fetchBit = access === ACCESS_FETCH && (nxe || (this.cr4 & CR4_SMEP) !== 0) ? PFEC_FETCH : 0;
    const baseCode = (access === ACCESS_WRITE ? PFEC_WRITE : 0) | (this.user ? PFEC_USER : 0) | fetchBit;
    const idx0 = ((linHi >>> 7) & 0x1ff) * 8; // bits 47:39
    const idx1 = (((linHi & 0x7f) << 2) | (linLo >>> 30)) * 8; // bits 38:30
    const idx2 = ((linLo >>> 21) & 0x1ff) * 8; // bits 29:21
    const idx3 = ((linLo >>> 12) & 0x1ff) * 8; // bits 20:12
    // Entry addresses of the walk, kept to set the accessed (and dirty) flags once it succeeds.
    const at0 = this.cr3 + idx0;
    const e0 = this.entry(at0);
    if (e0 < 0) return this.fault(baseCode);
    let rw = e0 & RW;
    let us = e0 & US;
    let nx = this.hi(at0) & NX_HI;
    const at1 = this.frame(at0) + idx1;
    const e1 = this.entry(at1);
    if (e1 < 0) return this.fault(baseCode);
    rw &= e1;
    us &= e1;
    nx |= this.hi(at1) & NX_HI;
    let leaf = at1;
    let phys: number;
    let at2 = -1;
    let at3 = -1;
    if ((e1 & PS) !== 0) {
      phys = this.frameHi(at1) * TWO32 + ((this.mem.getUint32(at1, true) & 0xc000_0000) >>> 0) + (linLo & 0x3fff_ffff);
    } else {
      at2 = this.frame(at1) + idx2;
      const e2 = this.entry(at2);
      if (e2 < 0) return this.fault(baseCode);
      rw &= e2;
      us &= e2;
      nx |= this.hi(at2) & NX_HI;
      leaf = at2;
      if ((e2 & PS) !== 0) {
        phys = this.frameHi(at2) * TWO32 + ((this.mem.getUint32(at2, true) & 0xffe0_0000) >>> 0) + (linLo & 0x1f_ffff);
      } else {
        at3 = this.frame(at2) + idx3;
        const e3 = this.entry(at3);
        if (e3 < 0) return this.fault(baseCode);
        rw &= e3;
        us &= e3;
        nx |= this.hi(at3) & NX_HI;
        leaf = at3;
        phys = this.frame(at3) + (linLo & 0xfff);
      }
    }
    if (!this.permitted(access, rw !== 0, us !== 0, nxe && nx !== 0)) return this.fault(baseCode | PFEC_PRESENT);
    // SDM §4.8: the accessed flag of every entry used, the dirty flag of the page written.
    this.setFlag(at0, A);
    this.setFlag(at1, A);
    if (at2 >= 0) this.setFlag(at2, A);
    if (at3 >= 0) this.setFlag(at3, A);
    if (access === ACCESS_WRITE) this.setFlag(leaf, D);
    return phys;
  }

  /** SDM Vol. 3A §4.6: whether this access may use a translation with these combined rights. */
  private permitted(access: number, writable: boolean, userPage: boolean, noExec: boolean): boolean {
    if (this.user) {
      if (!userPage) return false;
      if (access === ACCESS_WRITE) return writable;
      if (access === ACCESS_FETCH) return !noExec;
      return true;
    }
    if (access === ACCESS_FETCH) return !noExec && !(userPage && (this.cr4 & CR4_SMEP) !== 0);
    if (userPage && (this.cr4 & CR4_SMAP) !== 0 && !this.ac) return false;
    if (access === ACCESS_WRITE && !writable) return (this.cr0 & CR0_WP) === 0;
    return true;
  }

  private fault(code: number): number {
    this.errorCode = code;
    return WALK_FAULT;
  }

  /** The low half of the present entry at `at`, or −1 (not present, or outside RAM). */
  private entry(at: number): number {
    if (at + 8 > this.ram.length) {
      this.tableOutsideRam = true;
      return -1;
    }
    const lo = this.mem.getUint32(at, true);
    return (lo & P) === 0 ? -1 : lo & 0x7fff_ffff;
  }

  private hi(at: number): number {
    return this.mem.getUint32(at + 4, true);
  }

  private frameHi(at: number): number {
    return this.mem.getUint32(at + 4, true) & 0xf_ffff;
  }

  /** Bits 51:12 of the entry at `at`: the next table's (or a 4 KiB page's) address. */
  private frame(at: number): number {
    return this.frameHi(at) * TWO32 + ((this.mem.getUint32(at, true) & 0xffff_f000) >>> 0);
  }

  private setFlag(at: number, flag: number): void {
    const b = this.mem.getUint8(at);
    if ((b & flag) === 0) this.mem.setUint8(at, b | flag);
  }
}

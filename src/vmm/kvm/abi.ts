// The /dev/kvm ABI for x86-64 Linux as the kernel's <linux/kvm.h> defines it: ioctl numbers, exit
// reasons, capabilities and the struct layouts this VMM reads and writes. test/vmm/kvm/abi.test.ts
// compiles a C program against the host's headers and checks every value here against it.

const KVMIO = 0xae;
const IOC_WRITE = 1;
const IOC_READ = 2;
/** Linux's _IOC(dir, type, nr, size) encoding (asm-generic/ioctl.h). */
function ioc(dir: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (KVMIO << 8) | nr) >>> 0;
}
const io = (nr: number) => ioc(0, nr, 0);
const ior = (nr: number, size: number) => ioc(IOC_READ, nr, size);
const iow = (nr: number, size: number) => ioc(IOC_WRITE, nr, size);
const iowr = (nr: number, size: number) => ioc(IOC_READ | IOC_WRITE, nr, size);

/** Struct sizes (bytes). */
export const SIZEOF = Object.freeze({
  userspaceMemoryRegion: 32,
  regs: 144,
  sregs: 312,
  segment: 24,
  cpuid2: 8,
  cpuidEntry2: 40,
  msrs: 8,
  msrEntry: 16,
  msrFilter: 392,
  msrFilterRange: 24,
  enableCap: 104,
  vcpuEvents: 64,
  translation: 24,
  fpu: 416,
  kvmRunMin: 2352,
});

export const KVM = Object.freeze({
  GET_API_VERSION: io(0x00),
  CREATE_VM: io(0x01),
  CHECK_EXTENSION: io(0x03),
  GET_VCPU_MMAP_SIZE: io(0x04),
  GET_SUPPORTED_CPUID: iowr(0x05, SIZEOF.cpuid2),
  CREATE_VCPU: io(0x41),
  SET_USER_MEMORY_REGION: iow(0x46, SIZEOF.userspaceMemoryRegion),
  SET_TSS_ADDR: io(0x47),
  SET_IDENTITY_MAP_ADDR: iow(0x48, 8),
  RUN: io(0x80),
  GET_REGS: ior(0x81, SIZEOF.regs),
  SET_REGS: iow(0x82, SIZEOF.regs),
  GET_SREGS: ior(0x83, SIZEOF.sregs),
  SET_SREGS: iow(0x84, SIZEOF.sregs),
  TRANSLATE: iowr(0x85, SIZEOF.translation),
  INTERRUPT: iow(0x86, 4),
  GET_MSRS: iowr(0x88, SIZEOF.msrs),
  SET_MSRS: iow(0x89, SIZEOF.msrs),
  SET_SIGNAL_MASK: iow(0x8b, 4),
  GET_FPU: ior(0x8c, SIZEOF.fpu),
  SET_FPU: iow(0x8d, SIZEOF.fpu),
  SET_CPUID2: iow(0x90, SIZEOF.cpuid2),
  NMI: io(0x9a),
  GET_VCPU_EVENTS: ior(0x9f, SIZEOF.vcpuEvents),
  SET_VCPU_EVENTS: iow(0xa0, SIZEOF.vcpuEvents),
  ENABLE_CAP: iow(0xa3, SIZEOF.enableCap),
  GET_TSC_KHZ: io(0xa3),
  X86_SET_MSR_FILTER: iow(0xc6, SIZEOF.msrFilter),
});

export const KVM_API_VERSION = 12;

export const CAP = Object.freeze({
  USER_MEMORY: 3,
  EXT_CPUID: 7,
  NR_VCPUS: 9,
  VCPU_EVENTS: 41,
  GET_TSC_KHZ: 61,
  MAX_VCPUS: 66,
  SYNC_REGS: 74,
  IMMEDIATE_EXIT: 136,
  X86_USER_SPACE_MSR: 188,
  X86_MSR_FILTER: 189,
});

export const MSR_EXIT_REASON = Object.freeze({ INVAL: 1, UNKNOWN: 2, FILTER: 4 });
export const MSR_FILTER = Object.freeze({ DEFAULT_ALLOW: 0, READ: 1, WRITE: 2 });

export const EXIT = Object.freeze({
  UNKNOWN: 0,
  EXCEPTION: 1,
  IO: 2,
  HYPERCALL: 3,
  DEBUG: 4,
  HLT: 5,
  MMIO: 6,
  IRQ_WINDOW_OPEN: 7,
  SHUTDOWN: 8,
  FAIL_ENTRY: 9,
  INTR: 10,
  SET_TPR: 11,
  INTERNAL_ERROR: 17,
  SYSTEM_EVENT: 24,
  X86_RDMSR: 29,
  X86_WRMSR: 30,
});

export const INTERNAL_ERROR = Object.freeze({ EMULATION: 1, SIMUL_EX: 2, DELIVERY_EV: 3 });
export const SYSTEM_EVENT = Object.freeze({ SHUTDOWN: 1, RESET: 2 });
export const IO_DIRECTION = Object.freeze({ IN: 0, OUT: 1 });

/** Byte offsets in the mmapped struct kvm_run. */
export const RUN = Object.freeze({
  requestInterruptWindow: 0,
  immediateExit: 1,
  exitReason: 8,
  readyForInterruptInjection: 12,
  ifFlag: 13,
  flags: 14,
  cr8: 16,
  apicBase: 24,
  kvmValidRegs: 288,
  kvmDirtyRegs: 296,
  /** struct kvm_sync_regs: kvm_regs, kvm_sregs, kvm_vcpu_events. */
  syncRegs: 304,
  syncEvents: 304 + 144 + 312,
  // exit union at 32
  ioDirection: 32,
  ioSize: 33,
  ioPort: 34,
  ioCount: 36,
  ioDataOffset: 40,
  mmioPhysAddr: 32,
  mmioData: 40,
  mmioLen: 48,
  mmioIsWrite: 52,
  internalSuberror: 32,
  internalNdata: 36,
  internalData: 40,
  msrError: 32,
  msrReason: 40,
  msrIndex: 44,
  msrData: 48,
  systemEventType: 32,
  failEntryReason: 32,
  exceptionVector: 32,
});

/** struct kvm_regs: 18 u64 in this order. */
export const REGS_ORDER = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rsp',
  'rbp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'rip',
  'rflags',
] as const;

/** struct kvm_sregs offsets: 8 segments (cs ds es fs gs ss tr ldt) of 24 bytes, then the tables. */
export const SREGS = Object.freeze({
  cs: 0,
  ds: 24,
  es: 48,
  fs: 72,
  gs: 96,
  ss: 120,
  tr: 144,
  ldt: 168,
  gdt: 192,
  idt: 208,
  cr0: 224,
  cr2: 232,
  cr3: 240,
  cr4: 248,
  cr8: 256,
  efer: 264,
  apicBase: 272,
  interruptBitmap: 280,
});
/** struct kvm_segment field offsets. */
export const SEGMENT = Object.freeze({ base: 0, limit: 8, selector: 12, type: 14, present: 15, dpl: 16, db: 17, s: 18, l: 19, g: 20, avl: 21, unusable: 22 });

/** struct kvm_vcpu_events offsets (the parts this VMM uses). */
export const VCPU_EVENTS = Object.freeze({
  exceptionInjected: 0,
  exceptionNr: 1,
  exceptionHasErrorCode: 2,
  exceptionPending: 3,
  exceptionErrorCode: 4,
  interruptInjected: 8,
  interruptNr: 9,
  interruptSoft: 10,
  interruptShadow: 11,
  nmiInjected: 12,
  nmiPending: 13,
  nmiMasked: 14,
  flags: 20,
});
export const VCPUEVENT_VALID = Object.freeze({ NMI_PENDING: 1, SIPI_VECTOR: 2, SHADOW: 4 });
/** kvm_run.kvm_valid_regs / kvm_dirty_regs bits (KVM_CAP_SYNC_REGS). */
export const SYNC_X86 = Object.freeze({ REGS: 1, SREGS: 2, EVENTS: 4 });

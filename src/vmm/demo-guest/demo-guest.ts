// The guest `npm start` boots: a Multiboot (a.out kludge) image generated here. It enters in 32-bit
// protected mode (the Multiboot state), builds an identity map of the low 4 GiB with 2 MiB pages and
// switches to 64-bit mode, where the rest runs (hosts whose KVM emulates guest kernel code, like
// PVM, handle 64-bit guests; PVM fails IRET in 32-bit mode). Like a small firmware it finds the ACPI PM timer (Xen's fixed block at 0x1F40,
// else a PIIX4's, enabled through PCI configuration at 0x600), then programs each platform timer,
// takes its interrupts and prints over COM1 what it measured against the PM timer:
//   PIT through the 8259 (ExtINT via LAPIC LINT0) and through the IO-APIC, the LAPIC timer
//   (calibrated, then periodic), the HPET (legacy replacement, periodic), the RTC's periodic
//   interrupt, and the PM timer's own overflow SCI (24-bit timers; a 32-bit one overflows every
//   20 minutes and is not waited for). It also reads the RTC date and the memory size from CMOS.
// Then it powers off (ACPI PM1a_CNT.SLP_EN) and, where there is no PM1 control register (Xen),
// writes 0 to isa-debug-exit. Any unexpected exception or vector prints FAIL and writes 1 there.
import { CC, DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, ESP, FS, GS, SS, X86Asm, type Reg } from './x86-asm.js';

export const DEMO_LOAD_ADDRESS = 0x100000;
/** After the image (its 'end' label, 4 KiB aligned): PML4, PDPT, four page directories, the stack. */
const PML4 = 0x0000,
  PDPT = 0x1000,
  PD = 0x2000,
  STACK_TOP = 0x8000,
  BSS_BYTES = STACK_TOP;
const CODE32 = 0x08,
  DATA = 0x10,
  CODE64 = 0x18;
const COM1 = 0x3f8;
const LAPIC = 0xfee00000;
const IOAPIC = 0xfec00000;
const HPET = 0xfed00000;
const PM_HZ = 3_579_545;
const TEN_MS_PM = 35_795;
const TIMEOUT_PM = PM_HZ; // one second per test
/** Records kept per test (PM timer readings, one per interrupt). */
const MAX_RECORDS = 40;

export const DEMO_VECTOR = { PIT_PIC: 0x20, LAPIC_TIMER: 0x30, PIT_IOAPIC: 0x31, HPET: 0x32, RTC: 0x33, PM_SCI: 0x34, WATCHDOG: 0x35, SPURIOUS: 0xff } as const;

export interface DemoGuest {
  /** The Multiboot image (load it with loadMultiboot). */
  readonly image: Uint8Array;
  readonly entry: number;
  /** Addresses of the labels (tests, debugging). */
  readonly symbols: ReadonlyMap<string, number>;
  /** Start addresses of every instruction (tests decode the image along them). */
  readonly instructionStarts: readonly number[];
  /** Where code ends and data (GDT, IDT, variables, strings) begins. */
  readonly dataStart: number;
}

export function buildDemoGuest(): DemoGuest {
  const a = new X86Asm(DEMO_LOAD_ADDRESS);
  const strings = new Map<string, string>();
  const str = (text: string): string => {
    let name = strings.get(text);
    if (name === undefined) {
      name = `str${strings.size}`;
      strings.set(text, name);
    }
    return name;
  };
  const print = (text: string) => a.movImm(ESI, str(text)).call('puts');
  const printDec = (r: Reg) => (r === EAX ? a : a.mov(EAX, r)).call('putdec');
  let uniq = 0;
  const local = (n: string) => `${n}.${uniq++}`;

  // Multiboot header (a.out kludge: flags bit 16; bit 1 asks for memory information).
  const flags = 0x00010002;
  a.label('header')
    .dd(0x1badb002)
    .dd(flags)
    .dd(-(0x1badb002 + flags) >>> 0);
  a.dd('header').dd('header').dd(0).dd({ label: 'end', add: BSS_BYTES }).dd('start');

  // --- entry (32-bit): our GDT, flat segments, page tables, long mode -------------------------
  const end = (add: number) => ({ label: 'end', add });
  a.label('start').cli().cld();
  a.lgdt('gdtr').farJmp(CODE32, 'reload').label('reload');
  a.movImm(EAX, DATA);
  for (const s of [DS, ES, FS, GS, SS] as const) a.movSreg(s, EAX);
  a.movImm(ESP, end(STACK_TOP));
  // Four page directories of 2 MiB pages (present, writable, PS) map 0–4 GiB one to one.
  a.movImm(EDI, end(PD))
    .movImm(EAX, 0x83)
    .movImm(ECX, 4 * 512);
  a.label('pd_fill').storeAt(EDI, 0, EAX).aluImm('add', EDI, 8).aluImm('add', EAX, 0x200000).aluImm('sub', ECX, 1).jcc(CC.NE, 'pd_fill');
  for (let i = 0; i < 4; i++) a.storeImm(end(PDPT + 8 * i), end(PD + 0x1000 * i + 3));
  a.storeImm(end(PML4), end(PDPT + 3));
  a.movFromCr(EAX, 4).aluImm('or', EAX, 0x20).movToCr(4, EAX); // CR4.PAE
  a.movImm(EAX, end(PML4)).movToCr(3, EAX);
  a.movImm(ECX, 0xc0000080).rdmsr().aluImm('or', EAX, 0x100).wrmsr(); // EFER.LME
  a.movFromCr(EAX, 0).aluImm('or', EAX, 0x80000000).movToCr(0, EAX); // CR0.PG: long mode is active
  a.farJmp(CODE64, 'long64');

  // --- 64-bit mode from here on ----------------------------------------------------------------
  a.label('long64').mode(64);
  a.movImm(EAX, DATA);
  for (const s of [DS, ES, SS] as const) a.movSreg(s, EAX);
  a.movImm(ESP, end(STACK_TOP));
  a.lidt('idtr');
  print('hvmdev demo guest: entered by the Multiboot loader in 32-bit protected mode, now in 64-bit mode\n');

  // --- CMOS: the RTC date and the memory size the board wrote to NVRAM ---------------------
  const cmos = (index: number) => a.movImm(EAX, index).outImm(0x70, 1).inImm(0x71, 1).aluImm('and', EAX, 0xff);
  print('CMOS: RTC ');
  for (const [index, sep] of [
    [0x32, ''],
    [0x09, '-'],
    [0x08, '-'],
    [0x07, ' '],
    [0x04, ':'],
    [0x02, ':'],
    [0x00, ''],
  ] as const) {
    cmos(index).call('putbcd');
    if (sep !== '') print(sep);
  }
  print(', memory ');
  cmos(0x35).shl(EAX, 8).mov(EBX, EAX);
  cmos(0x34).alu('or', EAX, EBX).shr(EAX, 4).aluImm('add', EAX, 16);
  printDec(EAX);
  print(' MiB (NVRAM bytes 0x34/0x35 + 16 MiB)\n');

  // --- the PM timer: Xen's fixed block, else enable the PIIX4's at 0x600 --------------------
  const pmFound = local('pm');
  a.storeImm('pmBase', 0x1f40).storeImm('pmMask', 0xffffffff).storeImm('pmBits', 32);
  a.movImm(EDX, 0x1f48).inDx(4).aluImm('cmp', EAX, 0xffffffff).jcc(CC.NE, pmFound);
  // PIIX4 function 00:01.3: PMBA (0x40) = 0x600, PMREGMISC (0x80) bit 0 = I/O space on.
  a.movImm(EAX, 0x80000b40).movImm(EDX, 0xcf8).outDx(4).movImm(EAX, 0x601).movImm(EDX, 0xcfc).outDx(4);
  a.movImm(EAX, 0x80000b80).movImm(EDX, 0xcf8).outDx(4).movImm(EAX, 1).movImm(EDX, 0xcfc).outDx(1);
  a.storeImm('pmBase', 0x600).storeImm('pmMask', 0xffffff).storeImm('pmBits', 24);
  a.label(pmFound);
  a.load(EAX, 'pmBase').aluImm('add', EAX, 8).store('pmTmr', EAX);
  a.mov(EDX, EAX).inDx(4).aluImm('cmp', EAX, 0xffffffff);
  a.jcc(CC.E, 'no_pm_timer');
  print('PM timer: port 0x');
  a.load(EAX, 'pmTmr').call('puthex16');
  print(', ');
  a.load(EAX, 'pmBits');
  printDec(EAX);
  print('-bit, 3579545 Hz: the reference for what follows\n');

  // Devices above 2 GiB are reached through EBP (an absolute disp32 would be sign-extended).
  const mmioStore = (addr: number, v: number | { label: string; add: number }) => a.movImm(EBP, addr).storeImmAt(EBP, 0, v);
  const mmioStoreReg = (addr: number, r: Reg) => a.movImm(EBP, addr).storeAt(EBP, 0, r);
  const mmioLoad = (r: Reg, addr: number) => a.movImm(EBP, addr).loadAt(r, EBP, 0);

  const MASKED = 0x10000,
    LEVEL = 0x8000;

  // --- LAPIC on, LINT0 as ExtINT (virtual wire), the 8259s at vectors 0x20/0x28 ----------------
  mmioStore(LAPIC + 0xf0, 0x100 | DEMO_VECTOR.SPURIOUS);
  mmioStore(LAPIC + 0x80, 0);
  mmioStore(LAPIC + 0x350, 0x700);
  mmioStore(LAPIC + 0x360, 0x400);

  // --- LAPIC timer: calibrate against 10 ms of PM timer. From here on it is also the watchdog:
  // while the guest waits for a device's interrupts it fires every 50 ms (vector 0x35), so a device
  // that never interrupts ends in a FAIL line instead of a guest halted for good.
  // Each reading pairs the LAPIC's current count with the PM timer, retried until both came
  // within 50 µs (a host that deschedules the vCPU between the two reads would skew the ratio).
  const cal = local('cal');
  const lapicReading = (pm: string, count: string) => {
    const again = local('reading');
    a.label(again).call('pm_now').store(pm, EAX);
    mmioLoad(EBX, LAPIC + 0x390).store(count, EBX);
    a.call('pm_now').load(ECX, pm).alu('sub', EAX, ECX).load(ECX, 'pmMask').alu('and', EAX, ECX);
    a.aluImm('cmp', EAX, 179).jcc(CC.A, again);
  };
  mmioStore(LAPIC + 0x3e0, 0x0b);
  mmioStore(LAPIC + 0x320, MASKED | DEMO_VECTOR.LAPIC_TIMER);
  mmioStore(LAPIC + 0x380, 0xffffffff);
  lapicReading('t0', 'c0');
  a.label(cal).call('pm_now').load(ECX, 't0').alu('sub', EAX, ECX).load(ECX, 'pmMask').alu('and', EAX, ECX);
  a.aluImm('cmp', EAX, TEN_MS_PM).jcc(CC.B, cal);
  lapicReading('t1', 'c1');
  // Counts per 10 ms = (c0 − c1) × 35795 / (t1 − t0).
  a.load(EAX, 'c0').load(ECX, 'c1').alu('sub', EAX, ECX).movImm(ECX, TEN_MS_PM).mul(ECX);
  a.load(ECX, 't1').load(EBX, 't0').alu('sub', ECX, EBX).load(EBX, 'pmMask').alu('and', ECX, EBX).div(ECX).store('lapicTen', EAX);
  print('LAPIC timer: ');
  a.movImm(EDX, 0).movImm(ECX, 10).div(ECX);
  printDec(EAX);
  print(' kHz (divide by 1, counted over 10 ms of PM timer)\n');
  a.load(EAX, 'lapicTen').movImm(ECX, 5).mul(ECX).store('watchdogCount', EAX);

  // --- the 8259s (vectors 0x20/0x28, only IRQ0 unmasked) and the PIT ---------------------------
  for (const [port, v] of [
    [0x20, 0x11],
    [0xa0, 0x11],
    [0x21, 0x20],
    [0xa1, 0x28],
    [0x21, 0x04],
    [0xa1, 0x02],
    [0x21, 0x01],
    [0xa1, 0x01],
    [0x21, 0xfe],
    [0xa1, 0xff],
  ] as const) {
    a.movImm(EAX, v).outImm(port, 1);
  }
  // PIT channel 0, mode 2 (rate generator), binary, count 11932: 100 Hz.
  a.movImm(EAX, 0x34)
    .outImm(0x43, 1)
    .movImm(EAX, 11932 & 0xff)
    .outImm(0x40, 1)
    .movImm(EAX, 11932 >> 8)
    .outImm(0x40, 1);
  // Records `n` interrupts of `vector` (an interrupt of another source still in flight from the
  // previous test is taken but not recorded).
  const startRecording = (n: number, vector: number) => {
    a.storeImm('recVector', vector)
      .storeImm('recPtr', 'records')
      .storeImm('recEnd', { label: 'records', add: 4 * n });
  };
  const takeInterrupts = (what: string, count: number, vector: number) => {
    startRecording(count + 1, vector);
    a.movImm(ESI, str(what))
      .movImm(EDI, count + 1)
      .call('wait_records');
    print(what);
    a.movImm(EAX, count).call('report');
  };
  takeInterrupts('PIT via the 8259 (IRQ0, ExtINT, vector 0x20)', 10, DEMO_VECTOR.PIT_PIC);
  a.movImm(EAX, 0xff).outImm(0x21, 1);
  mmioStore(LAPIC + 0x350, 0x10000); // LINT0 masked

  const redirect = (pin: number, low: number) => {
    mmioStore(IOAPIC, 0x11 + 2 * pin);
    mmioStore(IOAPIC + 0x10, 0); // destination APIC 0
    mmioStore(IOAPIC, 0x10 + 2 * pin);
    mmioStore(IOAPIC + 0x10, low);
  };
  redirect(2, DEMO_VECTOR.PIT_IOAPIC);
  takeInterrupts('PIT via the IO-APIC (pin 2, vector 0x31)', 10, DEMO_VECTOR.PIT_IOAPIC);
  redirect(2, MASKED);

  // --- LAPIC timer, periodic at the calibrated count (the watchdog is this timer: off) -------
  a.storeImm('watchdogCount', 0);
  mmioStore(LAPIC + 0x320, 0x20000 | DEMO_VECTOR.LAPIC_TIMER);
  a.load(EAX, 'lapicTen');
  mmioStoreReg(LAPIC + 0x380, EAX);
  takeInterrupts('LAPIC timer, periodic at that count (vector 0x30)', 10, DEMO_VECTOR.LAPIC_TIMER);
  mmioStore(LAPIC + 0x380, 0);
  mmioStore(LAPIC + 0x320, MASKED);
  a.load(EAX, 'lapicTen').movImm(ECX, 5).mul(ECX).store('watchdogCount', EAX);

  // --- HPET: capabilities, then timer 0 periodic 10 ms in legacy replacement (IRQ0 → pin 2) --
  print('HPET: ');
  mmioLoad(EAX, HPET).shr(EAX, 8).aluImm('and', EAX, 0x1f).aluImm('add', EAX, 1);
  printDec(EAX);
  print(' timers, period ');
  mmioLoad(EAX, HPET + 4).store('hpetPeriod', EAX);
  printDec(EAX);
  print(' fs (');
  a.movImm(EDX, 0x38d7e).movImm(EAX, 0xa4c68000).load(ECX, 'hpetPeriod').div(ECX); // 10^15 fs / period
  printDec(EAX);
  print(' Hz)\n');
  mmioStore(HPET + 0x10, 0);
  mmioStore(HPET + 0xf0, 0);
  mmioStore(HPET + 0xf4, 0);
  // Timer 0: 32-bit mode, periodic, interrupt enabled. HPET 1.0a §2.3.9.2.2: with Tn_VAL_SET_CNF the
  // first comparator write sets the accumulator (the first match) and the second the period. QEMU
  // takes one write for both; Xen (xen/arch/x86/hvm/hpet.c) and the datasheet need the two.
  mmioStore(HPET + 0x100, 0x100 | 0x40 | 0x08 | 0x04);
  a.movImm(EDX, 0x918).movImm(EAX, 0x4e72a000).load(ECX, 'hpetPeriod').div(ECX); // 10 ms = 10^13 fs
  mmioStoreReg(HPET + 0x108, EAX);
  mmioStoreReg(HPET + 0x108, EAX);
  redirect(2, DEMO_VECTOR.HPET);
  mmioStore(HPET + 0x10, 0x3); // ENABLE_CNF | LEG_RT_CNF
  takeInterrupts('HPET timer 0, periodic 10 ms, legacy replacement via IO-APIC pin 2 (vector 0x32)', 10, DEMO_VECTOR.HPET);
  mmioStore(HPET + 0x10, 0);
  redirect(2, MASKED);

  // --- RTC periodic interrupt: 1024 Hz (register A rate 6), IRQ8 → IO-APIC pin 8 -------------
  a.movImm(EAX, 0x0a).outImm(0x70, 1).movImm(EAX, 0x26).outImm(0x71, 1);
  cmos(0x0b).aluImm('or', EAX, 0x40).mov(EBX, EAX).movImm(EAX, 0x0b).outImm(0x70, 1).mov(EAX, EBX).outImm(0x71, 1);
  // Unmask first, then read register C: IRQ8 may have risen while the pin was masked, and an
  // edge-triggered pin needs it to fall before the next periodic flag raises it again.
  redirect(8, DEMO_VECTOR.RTC);
  cmos(0x0c);
  takeInterrupts('RTC periodic interrupt, 1024 Hz via IO-APIC pin 8 (vector 0x33)', 32, DEMO_VECTOR.RTC);
  cmos(0x0b).aluImm('and', EAX, 0xbf).mov(EBX, EAX).movImm(EAX, 0x0b).outImm(0x70, 1).mov(EAX, EBX).outImm(0x71, 1);
  redirect(8, MASKED);
  cmos(0x0c);

  // --- PM timer overflow SCI (TMR_STS when the top bit toggles): IO-APIC pin 9, level -------
  const pm32 = local('pm32');
  const pmDone = local('pmdone');
  a.load(EAX, 'pmBits').aluImm('cmp', EAX, 24).jcc(CC.NE, pm32);
  a.load(EDX, 'pmBase').movImm(EAX, 0xffff).outDx(2); // clear PM1a_STS
  a.aluImm('add', EDX, 2).movImm(EAX, 1).outDx(2); // PM1a_EN.TMR_EN
  a.aluImm('add', EDX, 2).movImm(EAX, 1).outDx(2); // PM1a_CNT.SCI_EN
  redirect(9, LEVEL | DEMO_VECTOR.PM_SCI);
  startRecording(1, DEMO_VECTOR.PM_SCI);
  a.movImm(ESI, str('PM timer SCI'))
    .movImm(EDI, 1)
    .storeImm('timeout', 3 * PM_HZ)
    .call('wait_records_timeout');
  redirect(9, MASKED);
  print('PM timer overflow SCI via IO-APIC pin 9 (vector 0x34, level): TMR_STS set at PM_TMR 0x');
  a.load(EAX, 'records').call('puthex32');
  print('\n');
  a.jmp(pmDone);
  a.label(pm32);
  print('PM timer overflow SCI: a 32-bit PM timer sets TMR_STS every 1200 s, not waited for\n');
  a.label(pmDone);

  // --- done: ACPI power-off, else isa-debug-exit ---------------------------------------------
  print('demo: every timer interrupted as programmed; powering off\n');
  a.load(EDX, 'pmBase').aluImm('add', EDX, 4).movImm(EAX, 0x2000).outDx(2); // PM1a_CNT: SLP_TYP 0 | SLP_EN
  a.movImm(EAX, 0).outImm(0xf4, 4);
  a.label('halt').cli().hlt().jmp('halt');

  a.label('no_pm_timer');
  print('FAIL: no ACPI PM timer found');
  a.jmp('fail');

  // --- subroutines ---------------------------------------------------------------------------
  // wait_records: ESI = what, EDI = records wanted; waits with HLT until the handlers stored them.
  a.label('wait_records').storeImm('timeout', TIMEOUT_PM);
  a.label('wait_records_timeout');
  a.call('pm_now').store('waitStart', EAX);
  a.mov(EAX, EDI).shl(EAX, 2).aluImm('add', EAX, 'records').store('waitEnd', EAX);
  a.label('wait_loop').cli().load(EAX, 'recPtr').load(ECX, 'waitEnd').alu('cmp', EAX, ECX).jcc(CC.AE, 'wait_done');
  a.call('pm_now').load(ECX, 'waitStart').alu('sub', EAX, ECX).load(ECX, 'pmMask').alu('and', EAX, ECX);
  a.load(ECX, 'timeout').alu('cmp', EAX, ECX).jcc(CC.A, 'wait_timeout');
  a.load(EAX, 'watchdogCount').test(EAX, EAX).jcc(CC.E, 'wait_sleep');
  mmioStore(LAPIC + 0x320, DEMO_VECTOR.WATCHDOG);
  a.load(EAX, 'watchdogCount');
  mmioStoreReg(LAPIC + 0x380, EAX);
  a.label('wait_sleep').sti().hlt().jmp('wait_loop');
  a.label('wait_done').call('watchdog_off').ret();
  a.label('wait_timeout').call('watchdog_off').push(ESI);
  print('FAIL: timed out waiting for interrupts: ');
  a.pop(ESI).call('puts').jmp('fail');

  // report: EAX = intervals; prints ": N interrupts, U us apart" from records[0] and records[N].
  a.label('report').mov(EDI, EAX);
  print(': ');
  a.mov(EAX, EDI).call('putdec');
  print(' interrupts, ');
  a.mov(EAX, EDI).shl(EAX, 2).aluImm('add', EAX, 'records').loadAt(EAX, EAX, 0).load(ECX, 'records').alu('sub', EAX, ECX);
  a.load(ECX, 'pmMask').alu('and', EAX, ECX);
  a.movImm(ECX, 1_000_000).mul(ECX).movImm(ECX, PM_HZ).div(ECX); // µs for all intervals
  a.movImm(EDX, 0).div(EDI);
  a.call('putdec');
  print(' us apart\n');
  a.ret();

  // pm_now: EAX = PM_TMR.
  a.label('pm_now').push(EDX).load(EDX, 'pmTmr').inDx(4).pop(EDX).ret();

  // record: ECX = vector; if it is the one being recorded, stores PM_TMR at recPtr (while below
  // recEnd) and advances it. Clobbers EAX, EBX, EDX.
  a.label('record').load(EAX, 'recVector').alu('cmp', ECX, EAX).jcc(CC.NE, 'record_full');
  a.load(EBX, 'recPtr').load(EAX, 'recEnd').alu('cmp', EBX, EAX).jcc(CC.AE, 'record_full');
  a.call('pm_now').storeAt(EBX, 0, EAX).aluImm('add', EBX, 4).store('recPtr', EBX);
  a.label('record_full').ret();

  // puts: prints the NUL-terminated string at ESI.
  a.label('puts').push(EAX);
  a.label('puts_loop').lodsb().aluImm('and', EAX, 0xff).jcc(CC.E, 'puts_done').call('putc').jmp('puts_loop');
  a.label('puts_done').pop(EAX).ret();
  // putc: AL to COM1 once THR is empty (LSR bit 5).
  a.label('putc')
    .push(EDX)
    .push(EAX)
    .movImm(EDX, COM1 + 5);
  a.label('putc_wait').inDx(1).aluImm('and', EAX, 0x20).jcc(CC.E, 'putc_wait');
  a.pop(EAX).movImm(EDX, COM1).outDx(1).pop(EDX).ret();
  // putdec: EAX in decimal.
  a.label('putdec').pushAll().movImm(ECX, 10).movImm(EBX, 0);
  a.label('putdec_div').movImm(EDX, 0).div(ECX).push(EDX).aluImm('add', EBX, 1).test(EAX, EAX).jcc(CC.NE, 'putdec_div');
  a.label('putdec_out').pop(EAX).aluImm('add', EAX, 0x30).call('putc').aluImm('sub', EBX, 1).jcc(CC.NE, 'putdec_out');
  a.popAll().ret();
  // putbcd: AL as two BCD digits; puthex16 / puthex32: EAX as 4 / 8 hex digits.
  a.label('putbcd').push(EAX).shr(EAX, 4).aluImm('and', EAX, 0xf).aluImm('add', EAX, 0x30).call('putc');
  a.pop(EAX).push(EAX).aluImm('and', EAX, 0xf).aluImm('add', EAX, 0x30).call('putc').pop(EAX).ret();
  a.label('puthex16').pushAll().shl(EAX, 16).movImm(ECX, 4).jmp('puthex_loop');
  a.label('puthex32').pushAll().movImm(ECX, 8);
  a.label('puthex_loop').rol(EAX, 4).push(EAX).aluImm('and', EAX, 0xf).aluImm('cmp', EAX, 10).jcc(CC.B, 'puthex_digit');
  a.aluImm('add', EAX, 0x61 - 0x30 - 10);
  a.label('puthex_digit').aluImm('add', EAX, 0x30).call('putc').pop(EAX).aluImm('sub', ECX, 1).jcc(CC.NE, 'puthex_loop');
  a.popAll().ret();

  // watchdog_off: stops the LAPIC timer if it is the watchdog. Clobbers EAX.
  a.label('watchdog_off').load(EAX, 'watchdogCount').test(EAX, EAX).jcc(CC.E, 'watchdog_off_done');
  mmioStore(LAPIC + 0x380, 0);
  a.label('watchdog_off_done').ret();

  a.label('lapic_eoi').push(EBP);
  mmioStore(LAPIC + 0xb0, 0);
  a.pop(EBP).ret();

  // --- interrupt and exception entry points -------------------------------------------------
  const handlers = new Map<number, string>();
  const timerHandler = (vector: number, body: () => void) => {
    const name = `isr_${vector.toString(16)}`;
    a.label(name).pushAll().movImm(ECX, vector).call('record');
    body();
    a.popAll().iret();
    handlers.set(vector, name);
  };
  timerHandler(DEMO_VECTOR.PIT_PIC, () => a.movImm(EAX, 0x20).outImm(0x20, 1));
  timerHandler(DEMO_VECTOR.PIT_IOAPIC, () => a.call('lapic_eoi'));
  timerHandler(DEMO_VECTOR.LAPIC_TIMER, () => a.call('lapic_eoi'));
  timerHandler(DEMO_VECTOR.HPET, () => a.call('lapic_eoi'));
  timerHandler(DEMO_VECTOR.RTC, () => a.movImm(EAX, 0x0c).outImm(0x70, 1).inImm(0x71, 1).call('lapic_eoi'));
  timerHandler(DEMO_VECTOR.WATCHDOG, () => a.call('lapic_eoi'));
  timerHandler(DEMO_VECTOR.PM_SCI, () => a.load(EDX, 'pmBase').movImm(EAX, 1).outDx(2).call('lapic_eoi'));
  // Spurious vectors (LAPIC 0xFF, the 8259s' IRQ7 / IRQ15) need no EOI.
  a.label('isr_spurious').iret();
  for (const v of [DEMO_VECTOR.SPURIOUS, 0x27, 0x2f]) handlers.set(v, 'isr_spurious');
  for (let v = 0; v < 256; v++) {
    if (handlers.has(v)) continue;
    const name = `stub_${v}`;
    a.label(name)
      .pushImm(v)
      .jmp(v < 32 ? 'fatal_exception' : 'fatal_interrupt');
    handlers.set(v, name);
  }
  a.label('fatal_exception');
  print('\nFAIL: exception ');
  a.pop(EAX).call('putdec').jmp('fail');
  a.label('fatal_interrupt');
  print('\nFAIL: unexpected interrupt vector ');
  a.pop(EAX).call('putdec').jmp('fail');
  a.label('fail');
  print('\n');
  a.movImm(EAX, 1).outImm(0xf4, 4).jmp('halt');

  // --- data ----------------------------------------------------------------------------------
  const dataStart = a.here;
  a.align(8).label('gdt').dd(0).dd(0);
  a.dd(0x0000ffff).dd(0x00cf9a00); // 0x08: 32-bit code, base 0, 4 GiB
  a.dd(0x0000ffff).dd(0x00cf9200); // 0x10: data, base 0, 4 GiB
  a.dd(0x0000ffff).dd(0x00af9a00); // 0x18: 64-bit code (L = 1)
  a.label('gdtr')
    .dw(4 * 8 - 1)
    .dd('gdt');
  a.align(16)
    .label('idt')
    .zeros(256 * 16);
  a.label('idtr')
    .dw(256 * 16 - 1)
    .dd('idt')
    .dd(0);
  a.align(4);
  for (const v of [
    'pmBase',
    'pmTmr',
    'pmMask',
    'pmBits',
    'watchdogCount',
    'recVector',
    'recPtr',
    'recEnd',
    'waitStart',
    'waitEnd',
    'timeout',
    't0',
    't1',
    'c0',
    'c1',
    'lapicTen',
    'hpetPeriod',
  ])
    a.label(v).dd(0);
  a.label('records').zeros(4 * MAX_RECORDS);
  for (const [text, name] of strings) a.label(name).asciz(text);
  a.align(4096).label('end');

  const image = a.link();
  // IDT: 64-bit interrupt gates (type 0xE, present, DPL 0, IST 0) to the 64-bit code selector.
  const idt = a.address('idt') - DEMO_LOAD_ADDRESS;
  const dv = new DataView(image.buffer);
  for (let v = 0; v < 256; v++) {
    const target = a.address(handlers.get(v)!);
    dv.setUint32(idt + 16 * v, ((CODE64 << 16) | (target & 0xffff)) >>> 0, true);
    dv.setUint32(idt + 16 * v + 4, ((target & 0xffff0000) | 0x8e00) >>> 0, true);
    dv.setUint32(idt + 16 * v + 8, 0, true); // offset bits 63:32
  }
  const symbols = new Map<string, number>();
  for (const name of ['header', 'start', 'long64', 'gdt', 'idt', 'records', 'end', 'fail', 'halt', ...handlers.values()]) symbols.set(name, a.address(name));
  return { image, entry: a.address('start'), symbols, instructionStarts: a.instructionStarts, dataStart };
}

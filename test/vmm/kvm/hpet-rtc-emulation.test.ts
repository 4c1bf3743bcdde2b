// Linux's RTC emulation on HPET timer 1 (arch/x86/kernel/hpet.c hpet_rtc_timer_init /
// hpet_rtc_timer_reinit), reproduced by a small 64-bit ring-0 guest (64-bit: this PVM host's
// emulator fails a 32-bit IRET in ring 0, and x86emu does not execute IRET): legacy replacement on,
// IRQ 8 through IO-APIC pin 8, timer 1 one-shot in 32-bit mode at counter + 1/64 s, and a handler
// that reads the counter, re-arms 1/64 s on (again until ahead of the counter, as Linux does, which
// counts each extra step as a lost RTC interrupt) and EOIs. With the guest idle in HLT, the time
// from each match to the handler's counter read is the VMM's part (noticing the deadline, waking
// the halted vCPU, injecting) plus the host's: how long the VMM's thread, runnable, waited for a
// CPU. Under Linux on this PVM host the rest was the guest's own ticks (docs/vmm.md, "The HPET's
// RTC emulation").
// What is asserted is the VMM's part: each lag less the time its thread, runnable, waited for a
// CPU after the match (run_delay of /proc/thread-self/schedstat, sampled at each step of the run
// loop and at the handler's OUT just before its counter read), median under a quarter of the
// period. A thread asleep past the match is not runnable, so a VMM that sleeps through the deadline
// keeps its whole lateness, while a loaded host's CPU queue no longer counts against it. The median, not the
// maximum: a single late wake-up (a timer slack, a page fault) is not the VMM's design.
import { openSync, readSync, closeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Hpet } from '../../../src/devices/hpet/hpet.js';
import { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { writeLongModeTables } from '../../../src/vmm/loaders/long-mode-tables.js';
import { abs32, LONG_CODE, LONG_GDT, LONG_TABLES } from './long-mode-guest.js';
import { stopOnPortF4 } from './test-exit-port.js';

announceKvmSkip('HPET RTC-emulation latency test');

const HANDLER = LONG_CODE + 0x1000;
const IDTR = 0x3110;
const IDT = 0x4000;
const CMP_COPY = 0x5000;
const INDEX = 0x5008;
const LAGS = 0x5100;
const STACK_TOP = 0x8000;
const VECTOR = 0x38;
const PERIODS = 16;
/** The handler's OUT just before it reads the counter: the test samples the VMM thread's scheduler delay there. */
const READ_PORT = 0x80;

const HPET = 0xfed00000;
const IOAPIC = 0xfec00000;
const LAPIC = 0xfee00000;

// 64-bit code: MMIO through a base register (an absolute disp32 would sign-extend past 4 GiB),
// RAM through [disp32] with a SIB byte (a plain disp32 is RIP-relative in 64-bit mode).
const movRsiImm = (off: number, imm: number) => [0xc7, 0x86, ...abs32(off), ...abs32(imm)]; // mov dword [rsi+off], imm
const movRdiImm = (off: number, imm: number) => [0xc7, 0x87, ...abs32(off), ...abs32(imm)]; // mov dword [rdi+off], imm

function guest(delta: number): number[] {
  return [
    0xbc,
    ...abs32(STACK_TOP), //                    mov esp, STACK_TOP
    0x0f,
    0x01,
    0x1c,
    0x25,
    ...abs32(IDTR), //       lidt [IDTR]
    0xb0,
    0xff,
    0xe6,
    0x21,
    0xe6,
    0xa1, //           mov al, 0xff; out 0x21, al; out 0xa1, al (8259s masked)
    0xbf,
    ...abs32(LAPIC), //                        mov edi, LAPIC
    ...movRdiImm(0xf0, 0x1ff), //                    SVR: software-enabled
    0xbf,
    ...abs32(IOAPIC), //                       mov edi, IOAPIC
    ...movRdiImm(0x00, 0x21), //                     IOREGSEL: RTE 8 high
    ...movRdiImm(0x10, 0), //                        destination APIC 0
    ...movRdiImm(0x00, 0x20), //                     IOREGSEL: RTE 8 low
    ...movRdiImm(0x10, VECTOR), //                   VECTOR, fixed, edge, unmasked
    0xbe,
    ...abs32(HPET), //                         mov esi, HPET
    ...movRsiImm(0x10, 3), //                  GEN_CONF: ENABLE_CNF | LEG_RT_CNF
    0x8b,
    0x86,
    ...abs32(0xf0), //                   mov eax, [rsi+0xF0]   (hpet_rtc_timer_init: counter)
    0x05,
    ...abs32(delta), //                        arm: add eax, delta
    0x89,
    0x04,
    0x25,
    ...abs32(CMP_COPY), //         mov [CMP_COPY], eax
    0x89,
    0x86,
    ...abs32(0x128), //                  mov [rsi+0x128], eax  (T1 comparator)
    ...movRsiImm(0x120, 0x104), //             T1 CONF: 32-bit mode, interrupt enabled, edge, one-shot
    // Unlike Linux's hpet_rtc_timer_init, the first arm is checked as the handler's re-arm is: a
    // host that keeps the VMM's thread off its CPU for more than 1/64 s between the counter read
    // and this enable leaves the comparator behind the counter, and a 32-bit one-shot then first
    // matches at the wrap (xen-hvm: 68.7 s, past this test's bound; seen once in npm test at load 15).
    0x8b,
    0x8e,
    ...abs32(0xf0), //                   mov ecx, [rsi+0xF0]
    0x29,
    0xc1, //                                   sub ecx, eax
    0x79,
    0xda, //                                   jns arm (the add above) while not ahead of the counter
    0xfb, //                                         sti
    0xf4, //                                   idle: hlt
    0xeb,
    0xfd, //                                   jmp idle
  ];
}

function handler(delta: number): number[] {
  return [
    0x50,
    0x53,
    0x51,
    0x56,
    0x57, //                 push rax, rbx, rcx, rsi, rdi
    0xbe,
    ...abs32(HPET), //                         mov esi, HPET
    0xe6,
    READ_PORT, //                              out READ_PORT, al     (the test samples the VMM thread's run delay)
    0x8b,
    0x86,
    ...abs32(0xf0), //                   mov eax, [rsi+0xF0]   (counter)
    0x2b,
    0x04,
    0x25,
    ...abs32(CMP_COPY), //         sub eax, [CMP_COPY]   (ticks since the match)
    0x8b,
    0x1c,
    0x25,
    ...abs32(INDEX), //            mov ebx, [INDEX]
    0x89,
    0x04,
    0x9d,
    ...abs32(LAGS), //             mov [LAGS + rbx*4], eax
    0xff,
    0xc3, //                                   inc ebx
    0x89,
    0x1c,
    0x25,
    ...abs32(INDEX), //            mov [INDEX], ebx
    0x8b,
    0x04,
    0x25,
    ...abs32(CMP_COPY), //         mov eax, [CMP_COPY]
    0x05,
    ...abs32(delta), //                 rearm: add eax, delta        (hpet_rtc_timer_reinit)
    0x89,
    0x04,
    0x25,
    ...abs32(CMP_COPY), //         mov [CMP_COPY], eax
    0x89,
    0x86,
    ...abs32(0x128), //                  mov [rsi+0x128], eax  (T1 comparator)
    0x8b,
    0x8e,
    ...abs32(0xf0), //                   mov ecx, [rsi+0xF0]
    0x29,
    0xc1, //                                   sub ecx, eax
    0x79,
    0xe4, //                                   jns rearm             (not ahead of the counter yet)
    0xbf,
    ...abs32(LAPIC), //                        mov edi, LAPIC
    ...movRdiImm(0xb0, 0), //                        EOI
    0x83,
    0xfb,
    PERIODS, //                          cmp ebx, PERIODS
    0x75,
    0x04, //                                   jne done
    0x89,
    0xd8, //                                   mov eax, ebx
    0xe7,
    0xf4, //                                   out 0xf4, eax         (the test's exit)
    0x5f,
    0x5e,
    0x59,
    0x5b,
    0x58, //           done: pop rdi, rsi, rcx, rbx, rax
    0x48,
    0xcf, //                                   iretq
  ];
}

/** A 64-bit interrupt gate for VECTOR (the loader's GDT has the 64-bit code segment at 0x10). */
function writeIdt(dv: DataView): void {
  const gate = IDT + VECTOR * 16;
  dv.setUint16(gate, HANDLER & 0xffff, true);
  dv.setUint16(gate + 2, 0x10, true);
  dv.setUint16(gate + 4, 0x8e00, true); // IST 0; present, DPL 0, 64-bit interrupt gate
  dv.setUint16(gate + 6, HANDLER >>> 16, true);
  dv.setUint32(gate + 8, 0, true);
  dv.setUint16(IDTR, 256 * 16 - 1, true);
  dv.setBigUint64(IDTR + 2, BigInt(IDT), true);
}

/** An fd of /proc/thread-self/schedstat (cpu ns, run-delay ns, timeslices), or −1 without it. */
function schedstatOfThisThread(): number {
  try {
    return openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return -1;
  }
}

/** The VMM's thread sleeps `ms` right after the first write of timer 1's comparator (a host stall there). */
function stallAfterFirstComparatorWrite(hpet: Hpet, ms: number): void {
  const write = hpet.write.bind(hpet);
  let first = true;
  hpet.write = (offset, size, value, ctx) => {
    write(offset, size, value, ctx);
    if (first && offset === 0x128) {
      first = false;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    }
  };
}

describe.skipIf(KVM_SKIP_REASON !== null)('HPET timer 1 as Linux emulates the RTC interrupt with it, on KVM', () => {
  // The third run keeps the VMM's thread off its CPU for 20 ms right after the guest's first
  // comparator write, as a loaded host can: the guest's checked first arm still gets every period.
  for (const [profile, stallMs] of [
    ['xen-hvm', 0],
    ['qemu-pc', 0],
    ['xen-hvm', 20],
  ] as const) {
    it(`${profile}: the VMM's part of each match-to-handler lag of the idle guest is well within one 64 Hz period${stallMs > 0 ? `, with a ${stallMs} ms host stall after the first arm` : ''}`, async () => {
      const vm = Vm.create({ profile, vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 20 });
      try {
        stopOnPortF4(vm);
        if (stallMs > 0) stallAfterFirstComparatorWrite(vm.platform.devices.get('hpet') as Hpet, stallMs);
        // The VMM thread's scheduler delay (ns a runnable thread waited for a CPU), with host time:
        // sampled at each step of the run loop (the platform clock brought up to host time) and at
        // the handler's OUT. One vCPU: the run loop and its exits are on this thread.
        // Without schedstats (CONFIG_SCHED_INFO) the delay reads 0: the whole lag is asserted.
        const schedstat = schedstatOfThisThread();
        const statBuf = Buffer.alloc(128);
        const sample = () => {
          const n = schedstat < 0 ? 0 : readSync(schedstat, statBuf, 0, statBuf.length, 0);
          return { ns: performance.now() * 1e6, runDelay: n === 0 ? 0 : Number(statBuf.toString('latin1', 0, n).split(' ')[1]) };
        };
        const steps: { ns: number; runDelay: number }[] = [];
        const reads: { ns: number; runDelay: number }[] = [];
        const clock = vm.platform.clock;
        const advanceTo = clock.advanceTo.bind(clock);
        clock.advanceTo = (t: number) => {
          steps.push(sample());
          return advanceTo(t);
        };
        vm.platform.ports.register(READ_PORT, 1, { read: () => 0, write: () => void reads.push(sample()) }, { owner: 'test' });
        const tickNs = (vm.platform.devices.get('hpet') as Hpet).tickNs;
        const delta = Math.floor(1e9 / 64 / tickNs); // hpet_default_delta: 1/64 s of counter ticks
        const dv = new DataView(vm.ram.buffer, vm.ram.byteOffset, vm.ram.byteLength);
        const tables = writeLongModeTables(vm.ram, LONG_GDT, LONG_TABLES);
        writeIdt(dv);
        vm.ram.set(guest(delta), LONG_CODE);
        vm.ram.set(handler(delta), HANDLER);
        vm.setBootState({ mode: 'long64', rip: LONG_CODE, regs: {}, longMode: tables });
        let reason: unknown;
        try {
          reason = await vm.run();
        } finally {
          if (schedstat >= 0) closeSync(schedstat);
        }
        expect(reason).toEqual({ kind: 'debug-exit', code: PERIODS });
        expect(reads.length).toBe(PERIODS);
        const lagsNs = Array.from({ length: PERIODS }, (_, i) => dv.getInt32(LAGS + 4 * i, true) * tickNs);
        // A lag can be negative: under the xen profile's comparatorBehind rule a comparator written
        // less than 1/1024 s behind the counter fires at once (xen/arch/x86/hvm/hpet.c), so when the
        // re-arm loop's first step lands just behind, an interrupt is already pending as it steps on.
        const vmmNs = lagsNs.map((lag, i) => {
          const read = reads[i]!;
          const match = read.ns - lag;
          if (lag <= 0) return lag;
          // The thread's first step at or after the match, and the one before it: the thread woke
          // (at most once) between the two and waited for a CPU just before the first. Of that
          // wait, what fell after the match is the host's; so is every wait from there to the read.
          let k = steps.findIndex((s) => s.ns >= match);
          if (k < 0 || steps[k]!.ns > read.ns) k = -1;
          if (k <= 0) return lag - (k === 0 ? read.runDelay - steps[0]!.runDelay : 0);
          const first = steps[k]!;
          const wake = Math.min(first.runDelay - steps[k - 1]!.runDelay, first.ns - match);
          return lag - wake - (read.runDelay - first.runDelay);
        });
        const ms = (xs: number[]) => xs.map((x) => Math.round(x / 1e4) / 100).join(', ');
        const median = [...vmmNs].sort((a, b) => a - b)[PERIODS / 2]!;
        console.log(`[hpet-rtc] ${profile} VMM part ${ms(vmmNs)} | lags ${ms(lagsNs)}`);
        expect(median, `VMM's part in ms: ${ms(vmmNs)}; whole lags in ms: ${ms(lagsNs)}`).toBeLessThan((delta * tickNs) / 4);
        expect(vm.stats().injected[VECTOR]).toBe(PERIODS);
      } finally {
        vm.close();
      }
    }, 30_000);
  }
});

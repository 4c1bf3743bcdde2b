// The kernel command line of the Linux boot test, each option with why (docs/vmm.md lists them too).
export const LINUX_TEST_CMDLINE_PARTS: readonly [string, string][] = [
  ['console=ttyS0', 'the kernel log on the 16550A at 0x3F8, where the test reads it'],
  ['earlyprintk=serial,ttyS0,115200', 'the log from setup_arch on, before the 8250 driver binds (progress from the first minute)'],
  ['apic=verbose', 'the APIC timer calibration and IO-APIC routing lines the criteria read'],
  ['rodata=off', 'skips mark_rodata_ro() and its W+X page-table walk (minutes of emulated ring-0 code on PVM)'],
  ['cryptomgr.notests', 'skips the crypto self-tests (the RSA ones take minutes here)'],
  ['init_on_alloc=0', 'Debian zeroes every allocated page by default; that memset is emulated instruction by instruction here'],
  ['mitigations=off', 'no speculative-execution mitigations to set up or patch in (none matter for a boot test)'],
  ['printk.time=1', 'timestamps: the guest-side time of each step'],
  [
    'nowatchdog',
    'no soft-lockup detector: guest ring 0 runs at a small fraction of real time here, so a long non-preemptible init step would be reported as "BUG: soft lockup" (a forbidden line) though nothing is stuck',
  ],
  [
    'highres=off',
    'the tick in low-resolution mode (the clock event device stays the LAPIC timer, TSC-deadline when offered): with high-resolution timers the handler re-runs the queue up to three times when expiring timers keep it busy, and at this host\'s emulated speed each run takes milliseconds, so the kernel logs "hrtimer: interrupt took N ns" (a forbidden line) though the timer fired on time',
  ],
  [
    'clearcpuid=ssse3',
    "Linux's SSSE3 BLAKE2s (the RNG) is ~830 SSE instructions per block, each an exit and an x86emu completion on PVM (2 million in a boot); without SSSE3 the kernel uses its generic C BLAKE2s. Hiding SSSE3 in KVM_SET_CPUID2 does not reach the guest on PVM",
  ],
  ['noxsave', "PVM's instruction emulator fails XRSTOR in ring 0 (a boot stopped in the FPU setup there); FXSAVE/FXRSTOR work"],
  [
    'rcupdate.rcu_cpu_stall_timeout=300',
    'RCU reports a CPU that has not passed a quiescent state for 21 s of guest time (the default); guest ring 0 runs at a small fraction of real time here, so a long init step on one CPU was reported as a stall by the other (a 2-vCPU boot, then an NMI backtrace of every CPU). 300 s, the largest value the kernel takes, still reports a CPU that is really stuck',
  ],
  [
    'preempt=full',
    "Debian builds voluntary preemption (CONFIG_PREEMPT_DYNAMIC, default voluntary): a kernel thread runs until it reaches a scheduling point. A 2-vCPU qemu-pc boot had /init's initcalls blocked for over 700 s (until stopped): acpi_purge_cached_objects() -> kmem_cache_shrink() waits for SLUB's flush work on every CPU, and CPU 0 was running the unbound ftrace weak-function check (kernel/trace/ftrace.c ftrace_check_work_func: a kallsyms lookup for each of 40,521 ftrace records under ftrace_lock, no cond_resched), minutes of emulated ring 0 here, so the flush work queued on CPU 0 waited for all of it (traced in docs/vmm.md). With full preemption the woken flush work preempts the check and the initcalls go on while it runs",
  ],
  [
    'rtc_cmos.use_acpi_alarm=1',
    'rtc_cmos takes its alarm through the ACPI RTC fixed event instead of emulating the RTC interrupt on HPET timer 1 (drivers/rtc/rtc-cmos.c use_hpet_alarm; what Linux picks by itself on Intel boards with a 2015+ DMI BIOS date). That emulation (arch/x86/kernel/hpet.c hpet_rtc_timer_reinit) logs "hpet: Lost N RTC interrupts" when its handler reads the counter more than one 15.6 ms period after timer 1\'s match; traced here, the match reached the LAPIC in 0.05 ms and the guest then ran LAPIC-timer ticks (vector 0xEC, above IRQ 8\'s 0x22) of ~3.7 ms each of emulated ring 0, 4 ms apart, before taking it (docs/vmm.md). rtc0 is still found through PNP and hpet0 still reports IRQs 2, 8, 0',
  ],
];

export const LINUX_TEST_CMDLINE = LINUX_TEST_CMDLINE_PARTS.map(([o]) => o).join(' ');

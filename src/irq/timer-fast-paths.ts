// The shortcuts the platform timers' interrupt path takes (issue 14), behind one switch so that a
// differential test can build a platform with them and one without and compare every delivery,
// register read and snapshot. Each shortcut computes what the general code computes, with fewer
// steps: the fabric's per-GSI controller input (no walk over the IO-APIC ranges), the PIT's CLK
// edge of a timer that fires on time (no division), the HPET's periodic matches counted in plain
// numbers (no bigint per match), the LAPIC's summary words of non-empty IRR/ISR words (no scan of
// eight words per INTA, EOI or PPR), the tick acknowledgement's table of sources by vector (no
// search over the sources per INTA). The switch is read when a device is built; it never changes a
// result, only how it is computed.

/** Whether devices built from now on take the timer shortcuts (true: always, outside that test). */
export const timerFastPaths = { enabled: true };

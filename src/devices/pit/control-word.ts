// The 8254 control word (port 0x43) and read-back status byte (Intel 8254 datasheet, "Control Word
// Format", "Read-Back Command", "Status Byte"): the fields as named constants, for every file that
// decodes them.

/** SC1:SC0, bits 7:6: the counter selected; 3 is the read-back command. */
export const CW_SELECT_SHIFT = 6;
export const CW_SELECT_READ_BACK = 3;
/** RW1:RW0, bits 5:4: read/write access. 0 is the counter-latch command. */
export const CW_RW_SHIFT = 4;
export const CW_RW_MASK = 0x30;
export const PIT_RW_LATCH = 0;
/** RW1:RW0 = 01 (control word bits 5:4): the counter is read and written as its least significant byte only. */
export const PIT_RW_LSB = 1;
/** RW1:RW0 = 10: the counter is read and written as its most significant byte only (the low byte is 0). */
export const PIT_RW_MSB = 2;
/** RW1:RW0 = 11: the counter is read and written as two bytes, least significant first (8254 datasheet "Control Word Format"). */
export const PIT_RW_WORD = 3;
/** M2:M0, bits 3:1: the counter mode (6 and 7 alias 2 and 3). */
export const CW_MODE_SHIFT = 1;
export const CW_MODE_MASK = 7;
/** BCD, bit 0: count in BCD. */
export const CW_BCD = 0x01;

/** Read-back command (SC = 3): bit 5 low latches the counts, bit 4 low the status; bits 3:1 select counters 2..0. */
export const READ_BACK_NO_COUNT = 0x20;
export const READ_BACK_NO_STATUS = 0x10;
/** Bit selecting counter `n` (0–2) in a read-back command. */
export const readBackSelects = (n: number): number => 2 << n;

/** Status byte: bit 7 OUT, bit 6 NULL COUNT, bits 5:0 as the control word's. */
export const STATUS_OUT = 0x80;
export const STATUS_NULL_COUNT = 0x40;

/** Mode bits Xen stores for a counter that was never programmed (an unreachable mode value). */
export const UNPROGRAMMED_MODE_BITS = 7;

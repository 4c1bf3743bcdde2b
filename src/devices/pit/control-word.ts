// Field values of the 8254 control word and status byte that more than one file needs.

/** Read/write access field (control word bits 5:4). 0 is the counter-latch command. */
export const PIT_RW_LSB = 1;
export const PIT_RW_MSB = 2;
export const PIT_RW_WORD = 3;
/** Mode bits Xen stores for a counter that was never programmed (an unreachable mode value). */
export const UNPROGRAMMED_MODE_BITS = 7;

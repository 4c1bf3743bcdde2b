// MSR access results and Xen's x2APIC MSR tables (hvm/vlapic.c guest_rdmsr_x2apic /
// guest_wrmsr_x2apic; docs/robustness.md entries 1, 2 (XSA-108): a whitelist, #GP for everything else).
import { LAPIC_REGISTERS, lapicSlots } from './registers.js';

/**
 * Result of a RDMSR on a local APIC: the 64-bit value, #GP(0) to inject (reserved or unreadable x2APIC register,
 * x2APIC MSR outside x2APIC mode; SDM Vol. 3A §11.12.1), or `unhandled` for an MSR the APIC does not own.
 */
export type MsrReadResult =
  | { readonly kind: 'ok'; readonly value: bigint }
  | { readonly kind: 'fault'; readonly vector: 13; readonly errorCode: 0 }
  /** Not an MSR the local APIC owns: the CPU model asks its other MSR owners. */
  | { readonly kind: 'unhandled' };

/**
 * Result of a WRMSR on a local APIC: done, #GP(0) to inject (read-only or reserved register, reserved bits set,
 * an IA32_APIC_BASE transition the SDM forbids), or `unhandled` for an MSR the APIC does not own.
 */
export type MsrWriteResult = { readonly kind: 'ok' } | { readonly kind: 'fault'; readonly vector: 13; readonly errorCode: 0 } | { readonly kind: 'unhandled' };

/** The shared #GP(0) result (vector 13, error code 0) of {@link MsrReadResult} / {@link MsrWriteResult}; frozen, compare by `kind`. */
export const MSR_GP = Object.freeze({ kind: 'fault', vector: 13, errorCode: 0 } as const);
/** The shared successful {@link MsrWriteResult}; frozen. */
export const MSR_WRITE_OK = Object.freeze({ kind: 'ok' } as const);
/** The shared `unhandled` result: the MSR is not the local APIC's, so the CPU model should ask its other MSR owners. */
export const MSR_UNHANDLED = Object.freeze({ kind: 'unhandled' } as const);

/** Number of registers in the x2APIC MSR window 0x800–0xBFF. */
export const X2APIC_WINDOW = 0x400;

// The tables as flat typed arrays indexed by register: a WRMSR/RDMSR is a few array reads.
/** 1 where RDMSR may read the register. */
export const X2APIC_READABLE = new Uint8Array(X2APIC_WINDOW);
/** 1 where WRMSR may write the register. */
export const X2APIC_WRITABLE = new Uint8Array(X2APIC_WINDOW);
/** Bits a WRMSR may set in the low / high half of the value. */
export const X2APIC_WRITE_LO = new Uint32Array(X2APIC_WINDOW);
/** Bits a WRMSR may set in the high half of the value, per x2APIC register (index = MSR − 0x800); see X2APIC_WRITE_LO. */
export const X2APIC_WRITE_HI = new Uint32Array(X2APIC_WINDOW);
// From the register table's x2APIC columns. ICR: the high half is the 32-bit destination and is not
// checked; TMICT: Xen does not check the high half and keeps the low 32 bits; EOI and ESR accept only 0.
for (const r of LAPIC_REGISTERS) {
  for (const slot of lapicSlots(r)) {
    if (r.x2apicRead) X2APIC_READABLE[slot] = 1;
    if (r.x2apicWrite !== null) {
      X2APIC_WRITABLE[slot] = 1;
      X2APIC_WRITE_LO[slot] = r.x2apicWrite[0];
      X2APIC_WRITE_HI[slot] = r.x2apicWrite[1];
    }
  }
}

/** Outcome of the plain-number MSR entry points (lapicReadMsrHalves / lapicWriteMsrHalves). */
export const MSR_STATUS_OK = 0;
/** #GP(0) to the guest. */
export const MSR_STATUS_GP = 1;
/** Not an MSR the local APIC owns. */
export const MSR_STATUS_UNHANDLED = 2;

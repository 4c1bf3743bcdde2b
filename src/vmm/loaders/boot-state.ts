// What a loader leaves for the VMM: the CPU state the image expects at its first instruction.

/**
 * - `protected32`: CR0.PE = 1, paging off, CS a flat 32-bit code segment (base 0, limit 4 GiB),
 *   DS/ES/FS/GS/SS flat 32-bit data segments, EFLAGS.IF = 0, A20 on (Multiboot 0.6.96 §3.2,
 *   "Machine state"). GDTR/IDTR are undefined: the image loads its own.
 * - `long64`: 64-bit mode (CR0.PG|PE, CR4.PAE, EFER.LME|LMA) with the loader's page tables at
 *   `longMode.cr3` and its GDT at `longMode.gdtBase`; CS = 0x10 (64-bit code), DS/ES/FS/GS/SS =
 *   0x18 (flat data), as the Linux boot protocol's 64-bit entry asks (Documentation/arch/x86/boot.rst).
 * - `real16`: CR0.PE = 0; CS = DS = ES = FS = GS = SS = (rip >>> 4) & 0xF000 and IP = rip & 0xFFFF,
 *   so an entry below 64 KiB runs with all segments 0 (a boot sector at 0x7C00 sees CS:IP 0:7C00).
 * Registers not named are 0 / the VMM's reset values.
 */
export interface BootState {
  readonly mode: 'protected32' | 'long64' | 'real16';
  /** Linear (= physical) address of the first instruction. */
  readonly rip: number;
  readonly regs: { readonly eax?: number; readonly ebx?: number; readonly esp?: number; readonly esi?: number };
  /** For `long64`: where the loader put the page tables (CR3) and the GDT. */
  readonly longMode?: { readonly cr3: number; readonly gdtBase: number; readonly gdtLimit: number };
}

// FADT (ACPI 6.x §5.2.9, revision 6, 276 bytes): the PM1a event/control and PM timer blocks at the
// platform's ports, TMR_VAL_EXT per the timer width, the SCI, the RTC century index, the reset
// register, and IA-PC boot flags for what the platform lacks. Without a PM block the platform is
// hardware-reduced (HW_REDUCED_ACPI) and every fixed block is zero.
import { ByteWriter } from '../byte-writer.js';
import type { FirmwarePlatform } from '../firmware-platform.js';
import { gas, GAS_IO, GAS_MEMORY, sdt, type AcpiIds } from './sdt-header.js';

/** Bytes in the FADT hvmdev writes (revision 6). */
export const FADT_LENGTH = 276;
/** The FADT's major revision (ACPI 6.x). */
export const FADT_REVISION = 6;

/** FADT Flags (Table 5.10). */
export const FADT_FLAGS = {
  WBINVD: 1 << 0,
  PROC_C1: 1 << 2,
  FIX_RTC: 1 << 6,
  TMR_VAL_EXT: 1 << 8,
  RESET_REG_SUP: 1 << 10,
  USE_PLATFORM_CLOCK: 1 << 15,
  HW_REDUCED_ACPI: 1 << 20,
} as const;

/** IA-PC boot architecture flags (Table 5.11). */
export const IAPC_BOOT_ARCH = {
  LEGACY_DEVICES: 1 << 0,
  I8042: 1 << 1,
  VGA_NOT_PRESENT: 1 << 2,
  MSI_NOT_SUPPORTED: 1 << 3,
  CMOS_RTC_NOT_PRESENT: 1 << 5,
} as const;

/** Byte offsets of the fields the tests and the VMM care about (Table 5.9). */
export const FADT_OFFSET = {
  FIRMWARE_CTRL: 36,
  DSDT: 40,
  SCI_INT: 46,
  PM1A_EVT_BLK: 56,
  PM1A_CNT_BLK: 64,
  PM_TMR_BLK: 76,
  PM1_EVT_LEN: 88,
  PM1_CNT_LEN: 89,
  PM_TMR_LEN: 91,
  CENTURY: 108,
  IAPC_BOOT_ARCH: 109,
  FLAGS: 112,
  RESET_REG: 116,
  RESET_VALUE: 128,
  MINOR_VERSION: 131,
  X_FIRMWARE_CTRL: 132,
  X_DSDT: 140,
  X_PM1A_EVT_BLK: 148,
  X_PM1A_CNT_BLK: 172,
  X_PM_TMR_BLK: 208,
  HYPERVISOR_VENDOR: 268,
} as const;

/** The FADT Flags field for a platform: HW_REDUCED_ACPI without a PM block, TMR_VAL_EXT for a 32-bit PM timer, RESET_REG_SUP with a reset register. */
export function fadtFlags(p: FirmwarePlatform): number {
  let f = FADT_FLAGS.WBINVD | FADT_FLAGS.PROC_C1 | FADT_FLAGS.FIX_RTC;
  if (p.pm === null) f |= FADT_FLAGS.HW_REDUCED_ACPI;
  else f |= FADT_FLAGS.USE_PLATFORM_CLOCK | (p.pm.timerBits === 32 ? FADT_FLAGS.TMR_VAL_EXT : 0);
  if (p.resetRegister !== null) f |= FADT_FLAGS.RESET_REG_SUP;
  return f;
}

/** The FADT IA-PC boot architecture flags for a platform (legacy devices, 8042, VGA not present, MSI not supported, CMOS RTC not present). */
export function iapcBootArch(p: FirmwarePlatform): number {
  let f = 0;
  if (p.rtc !== null || p.uart !== null || p.pic) f |= IAPC_BOOT_ARCH.LEGACY_DEVICES;
  if (p.i8042) f |= IAPC_BOOT_ARCH.I8042;
  if (!p.vga) f |= IAPC_BOOT_ARCH.VGA_NOT_PRESENT;
  if (!(p.pci?.msi ?? p.lapicAddress !== null)) f |= IAPC_BOOT_ARCH.MSI_NOT_SUPPORTED;
  if (p.rtc === null) f |= IAPC_BOOT_ARCH.CMOS_RTC_NOT_PRESENT;
  return f;
}

/** The FADT (`FACP`) for a platform, pointing at the FACS and DSDT (guest-physical addresses below 4 GiB for the 32-bit fields). */
export function buildFadt(p: FirmwarePlatform, facsAddress: number, dsdtAddress: number, ids: AcpiIds): Uint8Array {
  const pm = p.pm;
  const w = new ByteWriter()
    .u32(facsAddress) // FIRMWARE_CTRL (X_FIRMWARE_CTRL stays 0: only one may be set)
    .u32(dsdtAddress)
    .u8(0) // reserved (INT_MODEL in ACPI 1.0)
    .u8(0) // preferred PM profile: unspecified
    .u16(pm?.sciIrq ?? 0)
    .u32(0) // SMI_CMD: none, ACPI is always enabled (SCI_EN is hardware's)
    .u8(0)
    .u8(0)
    .u8(0) // S4BIOS_REQ
    .u8(0) // PSTATE_CNT
    .u32(pm?.eventBlock ?? 0)
    .u32(0) // PM1b_EVT_BLK
    .u32(pm?.controlBlock ?? 0)
    .u32(0) // PM1b_CNT_BLK
    .u32(0) // PM2_CNT_BLK
    .u32(pm?.timerBlock ?? 0)
    .u32(0) // GPE0_BLK
    .u32(0) // GPE1_BLK
    .u8(pm ? 4 : 0) // PM1_EVT_LEN
    .u8(pm ? 2 : 0) // PM1_CNT_LEN
    .u8(0) // PM2_CNT_LEN
    .u8(pm ? 4 : 0) // PM_TMR_LEN
    .u8(0) // GPE0_BLK_LEN
    .u8(0) // GPE1_BLK_LEN
    .u8(0) // GPE1_BASE
    .u8(0) // CST_CNT
    .u16(0x65) // P_LVL2_LAT > 100: C2 not supported
    .u16(0x3e9) // P_LVL3_LAT > 1000: C3 not supported
    .u16(0) // FLUSH_SIZE
    .u16(0) // FLUSH_STRIDE
    .u8(0) // DUTY_OFFSET
    .u8(0) // DUTY_WIDTH
    .u8(0) // DAY_ALRM: the MC146818 has no day-of-month alarm
    .u8(0) // MON_ALRM
    .u8(p.rtc?.centuryIndex ?? 0)
    .u16(iapcBootArch(p))
    .u8(0)
    .u32(fadtFlags(p));
  gas(w, p.resetRegister ? GAS_IO : GAS_MEMORY, p.resetRegister ? 8 : 0, p.resetRegister ? 1 : 0, p.resetRegister?.port ?? 0);
  w.u8(p.resetRegister?.value ?? 0)
    .u16(0) // ARM_BOOT_ARCH
    .u8(0) // FADT minor version (ACPI 6.0)
    .u64(0) // X_FIRMWARE_CTRL
    .u64(dsdtAddress);
  gas(w, pm ? GAS_IO : GAS_MEMORY, pm ? 32 : 0, pm ? 2 : 0, pm?.eventBlock ?? 0); // X_PM1a_EVT_BLK
  gas(w, GAS_MEMORY, 0, 0, 0); // X_PM1b_EVT_BLK
  gas(w, pm ? GAS_IO : GAS_MEMORY, pm ? 16 : 0, pm ? 2 : 0, pm?.controlBlock ?? 0); // X_PM1a_CNT_BLK
  gas(w, GAS_MEMORY, 0, 0, 0); // X_PM1b_CNT_BLK
  gas(w, GAS_MEMORY, 0, 0, 0); // X_PM2_CNT_BLK
  gas(w, pm ? GAS_IO : GAS_MEMORY, pm ? 32 : 0, pm ? 3 : 0, pm?.timerBlock ?? 0); // X_PM_TMR_BLK
  gas(w, GAS_MEMORY, 0, 0, 0); // X_GPE0_BLK
  gas(w, GAS_MEMORY, 0, 0, 0); // X_GPE1_BLK
  gas(w, GAS_MEMORY, 0, 0, 0); // SLEEP_CONTROL_REG
  gas(w, GAS_MEMORY, 0, 0, 0); // SLEEP_STATUS_REG
  w.ascii('', 8, 0); // hypervisor vendor identity: none
  return sdt('FACP', FADT_REVISION, w.toBytes(), ids);
}

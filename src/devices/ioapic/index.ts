export {
  IOAPIC_DIRECT,
  IOAPIC_ID_MASK,
  IOAPIC_ID_SHIFT,
  IOAPIC_INDEX,
  ioapicRegisters,
  type IoapicRegisterTables,
  RTE,
  RTE_READ_ONLY,
  RTE_RESET_LOW,
  versionRegister,
  writeMaskOf,
} from './registers.js';
export {
  type HostIoapic,
  IoapicConfigError,
  type IoapicParams,
  QEMU_PC_IOAPIC_PARAMS,
  validateIoapicParams,
  XEN_IOAPIC_PARAMS,
  xenDom0IoapicParams,
} from './params.js';
export { Ioapic, IOAPIC_STATE } from './ioapic.js';

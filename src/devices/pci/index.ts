export { PciDeviceDefinitionError, PciEcamError, PciParamsError, PciRegisterError, PciSlotError } from './errors.js';
export { ConfigRegister, type ConfigRegisterSpec, ConfigSpace, type GapPolicy, type RegisterSize } from './config-space.js';
export {
  type BarDefinition,
  type BarKind,
  type CapabilityDefinition,
  checkDefinition,
  type CustomCapabilityDefinition,
  type MsiDefinition,
  type MsixDefinition,
  type PciFunctionDefinition,
  type RomDefinition,
} from './definition.js';
export {
  BAR_IO_SPACE,
  BAR_MEM_PREFETCH,
  BAR_MEM_TYPE_64,
  type BarBuses,
  type BarSpace,
  type BarWriteWhileDecoding,
  PCI_COMMAND_INTX_DISABLE,
  PCI_COMMAND_IO,
  PCI_COMMAND_MASTER,
  PCI_COMMAND_MEMORY,
  PCI_COMMAND_SERR,
  PciBar,
  ROM_ENABLE,
} from './bars.js';
export {
  type MessageSender,
  MSI_CONTROL_64BIT,
  MSI_CONTROL_ENABLE,
  MSI_CONTROL_PER_VECTOR_MASK,
  MsiCapability,
  msiCapabilityLength,
  PCI_CAP_ID_MSI,
} from './msi.js';
export {
  MSIX_CAPABILITY_LENGTH,
  MSIX_CONTROL_ENABLE,
  MSIX_CONTROL_FUNCTION_MASK,
  MSIX_ENTRY_SIZE,
  MSIX_VECTOR_MASKED,
  MsixBarHandler,
  MsixCapability,
  PCI_CAP_ID_MSIX,
} from './msix.js';
export { i440fxIntxLink, type IntxGsiRule, type IntxLinkRule, type IntxRouting, PCI_LINK_COUNT, PciInterruptRouter, xenIntxGsi, xenIntxLink } from './intx.js';
export {
  DEFAULT_COMMAND_WRITABLE,
  PCI_HEADER_MULTI_FUNCTION,
  PCI_STATUS_CAP_LIST,
  PCI_STATUS_INTERRUPT,
  PCI_STATUS_RW1C,
  type PciAddress,
  PciFunction,
  type PciFunctionServices,
} from './function.js';
export {
  CONFIG_ADDRESS_ENABLE,
  CONFIG_ADDRESS_PORT,
  CONFIG_DATA_PORT,
  type ConfigAccessTarget,
  ConfigMechanism1,
  type PlatformResetRequest,
  RCR_RESET_CPU,
  RCR_SYSTEM_RESET,
  RESET_CONTROL_PORT,
} from './mechanism1.js';
export { ECAM_BYTES_PER_BUS, EcamWindow } from './ecam.js';
export {
  checkHostParams,
  type EcamRegionSpec,
  type PciHostParams,
  QEMU_PC_PCI_HOST_PARAMS,
  QEMU_Q35_PCI_HOST_PARAMS,
  XEN_HVM_PCI_HOST_PARAMS,
  XEN_PCI_HOST_PARAMS,
} from './params.js';
export { I440FX_HOST_BRIDGE, QEMU_SUBSYSTEM } from './host-bridge.js';
export { type EcamRegion, PCI_HOST_STATE, PciHost, type PciSlot } from './host.js';
export { decodePirqRoute, PIIX3_PIRQRC, piix3Definition, Piix3IsaBridge, PIRQRC_DISABLE } from './piix3.js';
export { PIIX4_PMBA, PIIX4_PMREGMISC, Piix4Pm, piix4PmDefinition, PMBA_ADDRESS_MASK, type PmBlockPlacement, PMREGMISC_PMIOSE } from './piix4-pm.js';
export { PIIX3_IDE_CONFIG_ONLY, QemuPcChipset } from './qemu-pc-chipset.js';
export { attachPciTestdev, PCI_TESTDEV, PCI_TESTDEV_SLOT } from './testdev.js';
export {
  decodePciexbar,
  ESMRAMC,
  MCH_ESMRAMC,
  MCH_EXT_TSEG_MBYTES,
  MCH_F_SMBASE,
  MCH_SMRAM,
  type MchMemory,
  nextFSmbase,
  nextSmram,
  PCIEXBAR_ENABLE,
  Q35_MCH_PARAMS,
  Q35_PCIEXBAR,
  Q35_PCIEXBAR_RESET,
  Q35Mch,
  q35MchDefinition,
  type Q35MchParams,
  QEMU_Q35_MCH_PARAMS,
  QEMU_SMBASE_ADDR,
  QEMU_SMBASE_SIZE,
  SMRAM,
  tsegBytes,
} from './q35-mch.js';
export {
  ICH9_ACPI_EN,
  ICH9_LPC_ACPI_CNTL,
  ICH9_LPC_PIRQA_ROUT,
  ICH9_LPC_PIRQE_ROUT,
  ICH9_LPC_PMBASE,
  ICH9_LPC_RCBA,
  ICH9_PIRQ_ROUT_DISABLED,
  ICH9_PMBASE_ADDRESS_MASK,
  ICH9_RCBA_ENABLE,
  ICH9_RCBA_WRITABLE,
  ICH9_SLOT,
  Ich9Lpc,
  ich9LpcDefinition,
  QEMU_ICH9_PMBASE_WRITABLE,
} from './ich9-lpc.js';
export {
  GCS_NO_REBOOT,
  GCS_OFFSET,
  ICH9_TCO_PARAMS,
  Ich9Tco,
  type Ich9TcoParams,
  QEMU_ICH9_TCO_PARAMS,
  RCBA_LENGTH,
  SMI_BLOCK_OFFSET,
  SMI_EN,
  SMI_STS_TCO,
  TCO,
  TCO_BLOCK_LENGTH,
  TCO_BLOCK_OFFSET,
  TCO_TICK_NS,
  TCO1_CNT,
  TCO1_STS,
  TCO2_STS,
  type UnmodelledRegisterListener,
  type WatchdogRebootHandler,
} from './ich9-tco.js';
export { I440FX_PAM0, Pam, PAM_BASE, PAM_LENGTH, PAM_RE, PAM_WE, pamAttribute, Q35_MCH_PAM0 } from './pam.js';
export { RamHole } from './ram-hole.js';
export { ICH9_AHCI_CONFIG_ONLY, ICH9_SMBUS_CONFIG_ONLY, Q35Chipset } from './q35-chipset.js';
export { capabilityId, type CapabilityLayout, capabilityLength, layoutCapabilities } from './capabilities.js';

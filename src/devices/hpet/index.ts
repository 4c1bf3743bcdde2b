export { Hpet } from './hpet.js';
export {
  HpetParamError,
  QEMU_PC_HPET_PARAMS,
  QEMU_Q35_HPET_PARAMS,
  XEN_HPET_PARAMS,
  validateHpetParams,
  type HpetParams,
} from './hpet-params.js';
export { GCAP, GEN_CONF, HPET_REG, TN_CONF, hpetRegisters } from './hpet-registers.js';
export { RecordingLegacyListener } from './legacy-replacement.js';

export { Hpet } from './hpet.js';
export {
  HPET_PARAMS,
  HpetParamError,
  QEMU_PC_HPET_PARAMS,
  XEN_HPET_PARAMS,
  validateHpetParams,
  type HpetParams,
} from './hpet-params.js';
export { GCAP, GEN_CONF, HPET_REG, HPET_REGISTER_TABLE, TN_CONF } from './hpet-registers.js';
export { HPET_LEGACY_LISTENER, RecordingLegacyListener, type LegacyReplacementListener } from './legacy-replacement.js';

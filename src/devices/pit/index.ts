export { Pit, PIT_BASE_PORT, PIT_CONTROL_PORT, PIT_STATE, PORT61, SPEAKER_PORT, xenPitPeriodNs } from './pit.js';
export { checkPitParams, PitParamError, type PitParams, QEMU_PC_PIT_PARAMS, XEN_PIT_PARAMS, XEN_PV_PIT_PARAMS } from './pit-params.js';
export { PitCounter } from './counter.js';
export { PIT_RW_LSB, PIT_RW_MSB, PIT_RW_WORD, UNPROGRAMMED_MODE_BITS } from './control-word.js';

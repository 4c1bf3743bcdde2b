export { PmTimer, SCI_IRQ, pmTickTime, pmTicksAt, type SleepListener } from './pm-timer.js';
export {
  PM1_CNT,
  PM1_STS,
  PM_TIMER_HZ,
  PmParamError,
  QEMU_PC_PM_PARAMS,
  XEN_PM_PARAMS,
  validatePmParams,
  type PmParams,
} from './pm-params.js';

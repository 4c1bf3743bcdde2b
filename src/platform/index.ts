export { InvalidFlagsError, PlatformOptionError } from './errors.js';
export {
  type BoardProfile,
  DEFAULT_PROFILE,
  type DeviceParams,
  type PlatformProfile,
  PROFILE_NAMES,
  profileByName,
  type ProfileName,
  PROFILES,
} from './profiles.js';
export type { CatalogStatus, VcpuSlot } from './build-context.js';
export type { InterruptTopology } from './device-links.js';
export {
  type DeviceSummary,
  Platform,
  type PlatformDescription,
  type PlatformSnapshot,
  type RangeSummary,
  type ResetRequestListener,
  SNAPSHOT_FORMAT,
  SNAPSHOT_OLDEST_VERSION,
  SNAPSHOT_VERSION,
} from './platform.js';
export { createPlatform, MAX_VCPUS, type PlatformOptions } from './create-platform.js';
export type { TimerAcknowledgements } from './timer-acks.js';

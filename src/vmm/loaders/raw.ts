// A raw binary copied to a guest-physical address; no headers, no information structure.
import type { BootState } from './boot-state.js';
import { LoaderError } from './loader-error.js';

/**
 * Copies `image` to `at` and returns the state to enter it at `entry` (default `at`). Mode: `real16`
 * when the entry is below 1 MiB (where real-mode code can run; a boot sector at 0x7C00), else
 * `protected32`; `mode` overrides.
 */
export function loadRaw(ram: Uint8Array, image: Uint8Array, at: number, entry: number = at, mode?: BootState['mode']): BootState {
  if (!Number.isSafeInteger(at) || at < 0 || at + image.length > ram.length) {
    throw new LoaderError('outside-ram', `raw image of ${image.length} bytes at 0x${at.toString(16)} does not fit in ${ram.length} bytes of RAM`);
  }
  if (!Number.isSafeInteger(entry) || entry < 0 || entry >= ram.length) {
    throw new LoaderError('outside-ram', `entry 0x${entry.toString(16)} is outside RAM`);
  }
  const m = mode ?? (entry < 0x100000 ? 'real16' : 'protected32');
  if (m === 'real16' && entry >= 0x100000) {
    throw new LoaderError('bad-option', `real-mode entry 0x${entry.toString(16)} is above 1 MiB; real mode reaches below 0x100000`);
  }
  ram.set(image, at);
  return { mode: m, rip: entry, regs: {} };
}

// Where the shared guest binaries are (never copied into the repository): $HVMDEV_GUESTS, else the
// first `shared/guests` found beside the checkout or one of its parents (../shared/guests from
// the main checkout, ../../shared/guests from a worktree), else the workplace's /work/shared/guests
// (a clean clone elsewhere, as CI makes). The one place every guest-running test asks.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKPLACE_GUESTS = '/work/shared/guests';

function findGuestsDir(): string | null {
  const env = process.env['HVMDEV_GUESTS'];
  if (env !== undefined && existsSync(env)) return env;
  let dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, '..', 'shared', 'guests');
    if (existsSync(join(candidate, 'kvm-unit-tests'))) return resolve(candidate);
    dir = resolve(dir, '..');
  }
  return existsSync(join(WORKPLACE_GUESTS, 'kvm-unit-tests')) ? WORKPLACE_GUESTS : null;
}

export const GUESTS_DIR = findGuestsDir();
export const KVM_UNIT_TESTS_DIR = GUESTS_DIR === null ? null : join(GUESTS_DIR, 'kvm-unit-tests');
export const NO_GUESTS_REASON = 'guest binaries not found: set HVMDEV_GUESTS to the shared guests directory (../shared/guests)';

export function readKvmUnitTest(name: string): Uint8Array {
  if (KVM_UNIT_TESTS_DIR === null) throw new Error(NO_GUESTS_REASON);
  return new Uint8Array(readFileSync(join(KVM_UNIT_TESTS_DIR, `${name}.flat`)));
}

/** The test kernel's uncompressed vmlinux (gunzipped from vmlinux-6.1.0-57-amd64.gz), or null. */
export const LINUX_VMLINUX_GZ = GUESTS_DIR === null ? null : join(GUESTS_DIR, 'vmlinux-6.1.0-57-amd64.gz');
export const LINUX_BZIMAGE = GUESTS_DIR === null ? null : join(GUESTS_DIR, 'vmlinuz-6.1.0-57-amd64');
export const BUSYBOX_STATIC = GUESTS_DIR === null ? null : join(GUESTS_DIR, 'busybox-static');

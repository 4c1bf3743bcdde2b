// Where the kvm-unit-tests binaries are: the shared guests directory (never copied into the
// repository), found as every guest-running test finds it.
import { existsSync } from 'node:fs';
import { KVM_UNIT_TESTS_DIR } from '../loaders/guest-files.js';

/** The directory that holds the .flat files, or a path that does not exist when there is none. */
export const KUT = KVM_UNIT_TESTS_DIR ?? '/nonexistent/shared/guests/kvm-unit-tests';

export function kutAvailable(name: string): boolean {
  return existsSync(`${KUT}/${name}.flat`);
}

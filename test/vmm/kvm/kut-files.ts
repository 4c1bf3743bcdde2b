// Where the kvm-unit-tests binaries are (../shared/guests, never copied into the repository).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const KUT_DIR = fileURLToPath(new URL('../../../../shared/guests/kvm-unit-tests', import.meta.url));
const SHARED_FALLBACK = '/work/shared/guests/kvm-unit-tests';

/** The directory that holds the .flat files (the repository's sibling shared/, or the workplace's). */
export const KUT = existsSync(KUT_DIR) ? KUT_DIR : SHARED_FALLBACK;

export function kutAvailable(name: string): boolean {
  return existsSync(`${KUT}/${name}.flat`);
}

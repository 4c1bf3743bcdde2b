// A profile is data (issue 13): code outside the profile table never decides by a profile's name.
// Every .ts file under src/ except src/platform/profiles.ts is searched for a comparison with a
// profile's name (`=== 'xen-hvm'`, `'qemu-pc' !==`, `case 'xen-pv':`); the table's own names are the list.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROFILE_NAMES } from '../../src/platform/profiles.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const TABLE = 'platform/profiles.ts';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? tsFiles(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The comparisons with a profile name in `text`, as "line: code". */
function profileNameTests(text: string, names: readonly string[]): string[] {
  const name = names.map((n) => n.replace(/[-]/g, '\\-')).join('|');
  const re = new RegExp(`(?:[=!]==?\\s*['"\`](?:${name})['"\`])|(?:['"\`](?:${name})['"\`]\\s*[=!]==?)|(?:case\\s+['"\`](?:${name})['"\`]\\s*:)`);
  return text.split('\n').flatMap((line, i) => (re.test(line) ? [`${i + 1}: ${line.trim()}`] : []));
}

describe('profile names', () => {
  it('no file but the profile table compares anything with a profile name', () => {
    const found = tsFiles(SRC)
      .map((f) => relative(SRC, f).replaceAll('\\', '/'))
      .filter((f) => f !== TABLE)
      .flatMap((f) => profileNameTests(readFileSync(join(SRC, f), 'utf8'), PROFILE_NAMES).map((hit) => `${f}:${hit}`));
    expect(found).toEqual([]);
  });

  it('the search finds each form of such a test, and not a mere mention', () => {
    const names = ['xen-hvm', 'qemu-pc'];
    expect(profileNameTests("if (p.name === 'xen-hvm') x();", names)).toEqual(["1: if (p.name === 'xen-hvm') x();"]);
    expect(profileNameTests("const q = 'qemu-pc' !== name;", names)).toEqual(["1: const q = 'qemu-pc' !== name;"]);
    expect(profileNameTests("  case 'xen-hvm':", names)).toEqual(["1: case 'xen-hvm':"]);
    expect(profileNameTests("createPlatform({ profile: 'xen-hvm' }); // the default, 'qemu-pc' too", names)).toEqual([]);
    expect(profileNameTests("if (p.name === 'xen-hvm-extra') x();", names)).toEqual([]);
  });
});

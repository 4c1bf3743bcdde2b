// `hvmdev describe --state` prints each device's state fields from its state description (issue 13:
// one declarative description drives snapshot, check and describe), as text and in --json.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { stateFieldRows } from '../../src/device-model/state-description.js';
import { PIT_STATE } from '../../src/devices/pit/pit.js';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('hvmdev describe --state', () => {
  it('prints every device kind once with its fields; without the option nothing changes', async () => {
    const plain = await run('describe', '--profile', 'xen-hvm', '--vcpus', '4');
    const r = await run('describe', '--profile', 'xen-hvm', '--vcpus', '4', '--state');
    expect(r.code).toBe(0);
    expect(r.out.startsWith(plain.out)).toBe(true);
    expect(plain.out).not.toMatch(/State of/);
    expect(r.out).toContain('\nState of pit: i8254\n');
    expect(r.out).toContain('\nState of lapic0, lapic1, lapic2, … (4): lapic\n');
    expect(r.out).toMatch(/\n {2}channels\[3\]\.cr +u16\n/);
    expect(r.out).toMatch(/\n {2}missedTicks\.targetVcpu +int in \[0, 4095\] \(since version 2\)\n/);
    expect(r.out).toMatch(/\n {2}redirection +\* × u64 \(flat low, high u32 pairs\)\n/);
  });

  it('--json has the rows of each description', async () => {
    const r = await run('describe', '--profile', 'xen-hvm', '--state', '--json');
    const j = JSON.parse(r.out) as { state: { state: string; instances: string[]; fields: { path: string; type: string; since: number }[] }[] };
    const pit = j.state.find((t) => t.state === 'i8254')!;
    expect(pit.instances).toEqual(['pit']);
    expect(pit.fields).toEqual(stateFieldRows(PIT_STATE));
    expect(pit.fields.length).toBe(28 + 6 + 5); // channels[3].* once, six PIT fields, missedTicks.*
    expect(j.state.map((t) => t.state).sort()).toEqual(
      ['82093aa', 'acpi-pm', 'apic-bus', 'hpet', 'i8254', 'i8259a pair', 'lapic', 'mc146818', 'vga-window', 'xen-debugcon'].sort(),
    );
  });
});

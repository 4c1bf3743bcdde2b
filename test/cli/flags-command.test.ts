import { describe, expect, it } from 'vitest';
import { FLAGS_HELP, runFlagsCommand } from '../../src/cli/flags-command.js';

function run(...args: string[]) {
  let out = '';
  let err = '';
  const code = runFlagsCommand(args, {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

describe('hvmdev flags check', () => {
  it('accepts the HVM set (exit 0)', () => {
    const r = run('check', '0x1ff');
    expect(r.code).toBe(0);
    expect(r.out).toBe('valid: 0x1FF (LAPIC|HPET|PM|RTC|IOAPIC|PIC|VGA|IOMMU|PIT) for HVM domU on Xen master (4.23-dev)\n');
    expect(r.err).toBe('');
  });

  it('refuses 0x411 for an HVM domU with errno and Xen log line (exit 1)', () => {
    const r = run('check', '--guest', 'hvm', '0x411');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('invalid: 0x411 (LAPIC|IOAPIC|VPCI) for HVM domU on Xen master (4.23-dev)');
    expect(lines[1]).toBe('errno: -95 (EOPNOTSUPP)');
    expect(lines[2]).toBe('Xen log: d1: will not create HVM domain with emulators: 0x411');
    expect(lines[3]).toMatch(/^reason: .*VPCI is only for the PVH hardware domain/);
  });

  it('joins several FLAGS arguments and accepts names', () => {
    const r = run('check', '--guest', 'pvh-dom0', 'lapic', 'ioapic|XEN_X86_EMU_VPCI');
    expect(r.code).toBe(0);
    expect(r.out).toContain('valid: 0x411 (LAPIC|IOAPIC|VPCI) for PVH dom0');
  });

  it('honours --xen with XSA-256 backports', () => {
    expect(run('check', '--xen', '4.8.3', 'none').code).toBe(0);
    const r = run('check', '--xen=4.8.4', 'none');
    expect(r.code).toBe(1);
    expect(r.out).toContain('Xen log: d1: Xen does not allow HVM domain creation with the current selection of emulators: 0\n');
  });

  it('unknown bits exit 1 with EINVAL', () => {
    const r = run('check', '--xen', '4.9', 'vpci');
    expect(r.code).toBe(1);
    expect(r.out).toContain('errno: -22 (EINVAL)');
    expect(r.out).toContain('Xen log: d1: Invalid emulation bitmap: 0x400');
  });

  it('--domid changes the log line', () => {
    expect(run('check', '--domid', '7', '0x411').out).toContain('Xen log: d7: will not create HVM domain with emulators: 0x411');
  });

  it('guest type absent from the release exits 1 with the reason', () => {
    const r = run('check', '--guest', 'pvh-dom0', '--xen', '4.8', '0x011');
    expect(r.code).toBe(1);
    expect(r.out).toContain('reason: no PVH dom0 existed before 4.9');
  });

  it('--json', () => {
    const r = run('check', '--json', '--guest', 'pv-dom0', '0x001');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({
      valid: false,
      status: 'refused',
      guest: 'pv-dom0',
      xen: 'master',
      requested: '0x001',
      effective: '0x101',
      errno: -95,
      errnoName: 'EOPNOTSUPP',
      logLine: 'd0: will not create PV hardware domain with emulators: 0x101',
    });
    expect(j['suggestions']).toEqual([
      { flags: '0x000', names: 'NONE', distance: 1, add: [], remove: ['LAPIC'] },
      { flags: '0x100', names: 'PIT', distance: 2, add: ['PIT'], remove: ['LAPIC'] },
    ]);
    expect(j).not.toHaveProperty('structure');
  });
});

describe('hvmdev flags explain', () => {
  it('explains why 0x411 is refused for HVM and what would be accepted', () => {
    const r = run('explain', '--guest', 'hvm', '0x411');
    expect(r.code).toBe(1);
    expect(r.out).toContain('Flags: 0x411 = LAPIC|IOAPIC|VPCI\n');
    expect(r.out).toContain('  bit 10 VPCI     0x400  ');
    expect(r.out).toContain('errno: -95 (EOPNOTSUPP)');
    expect(r.out).toContain('Xen log: d1: will not create HVM domain with emulators: 0x411');
    expect(r.out).toContain('VPCI is only for the PVH hardware domain');
    expect(r.out).toContain(
      'Would be accepted (nearest first):\n' +
        '  0x1FF  LAPIC|HPET|PM|RTC|IOAPIC|PIC|VGA|IOMMU|PIT\n' +
        '         distance 8: add HPET, PM, RTC, PIC, VGA, IOMMU, PIT; remove VPCI\n' +
        '  0x3FF  LAPIC|HPET|PM|RTC|IOAPIC|PIC|VGA|IOMMU|PIT|USE_PIRQ\n' +
        '         distance 9: add HPET, PM, RTC, PIC, VGA, IOMMU, PIT, USE_PIRQ; remove VPCI\n',
    );
  });

  it('on 4.17 uses the old log text', () => {
    expect(run('explain', '--xen', '4.17', '0x411').out).toContain(
      'Xen log: d1: Xen does not allow HVM domain creation with the current selection of emulators: 0x411',
    );
  });

  it('includes the structural findings', () => {
    const r = run('explain', '--guest', 'pv', 'ioapic');
    expect(r.out).toContain('Device dependencies (beyond Xen):');
    expect(r.out).toContain('error   ioapic-needs-lapic:');
    const j = JSON.parse(run('explain', '--json', 'ioapic').out) as { structure: { code: string }[] };
    expect(j.structure.map((s) => s.code)).toEqual(['ioapic-needs-lapic']);
  });
});

describe('hvmdev flags defaults', () => {
  it('prints every guest type for master', () => {
    const r = run('defaults');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Default emulation flags on Xen master (4.23-dev):\n');
    expect(r.out).toContain('  pv        0x000  NONE\n');
    expect(r.out).toContain('  pv-dom0   0x100  PIT [built by Xen, not libxl]\n');
    expect(r.out).toContain('  pvh       0x001  LAPIC\n');
    expect(r.out).toContain('  pvh-dom0  0x411  LAPIC|IOAPIC|VPCI [built by Xen, not libxl]\n');
    expect(r.out).toContain('  hvm       0x1FF  LAPIC|HPET|PM|RTC|IOAPIC|PIC|VGA|IOMMU|PIT\n');
  });

  it('--hvm-pirq and --guest', () => {
    const r = run('defaults', '--guest', 'hvm', '--hvm-pirq', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ xen: 'master', defaults: [{ guest: 'hvm', flags: '0x3FF', source: 'libxl' }] });
  });

  it('old releases and options', () => {
    expect(run('defaults', '--xen', '4.7', '--guest', 'hvm', '--no-device-model').out).toContain('  hvm       0x000  NONE');
    expect(run('defaults', '--xen', '4.7', '--guest', 'pvh').out).toContain('  pvh       -      libxl 4.7 had no PVH');
    expect(run('defaults', '--xen', '4.10', '--guest', 'pvh', '--no-apic').out).toContain('  pvh       0x000  NONE');
  });
});

describe('hvmdev flags list', () => {
  it('lists all flags with bits and meanings', () => {
    const r = run('list');
    expect(r.code).toBe(0);
    expect(r.out).toContain('XEN_X86_EMU_* flags on Xen master (4.23-dev) (XEN_X86_EMU_ALL = 0x7FF):');
    expect(r.out).toContain('   10  0x400  VPCI      4.11   yes');
    expect(r.out.trim().split('\n')).toHaveLength(13);
  });

  it('--xen marks flags that do not exist yet', () => {
    const r = run('list', '--xen', '4.9');
    expect(r.out).toContain('(XEN_X86_EMU_ALL = 0x3FF)');
    expect(r.out).toContain('    9  0x200  USE_PIRQ  4.9    yes');
    expect(r.out).toContain('   10  0x400  VPCI      4.11   no ');
    const j = JSON.parse(run('list', '--json', '--xen', '4.8').out) as { all: string; flags: { name: string; exists: boolean }[] };
    expect(j.all).toBe('0x1FF');
    expect(j.flags.filter((f) => !f.exists).map((f) => f.name)).toEqual(['USE_PIRQ', 'VPCI']);
  });
});

describe('help and usage errors (exit 2)', () => {
  it('-h / --help print the help', () => {
    expect(run('--help')).toEqual({ code: 0, out: FLAGS_HELP, err: '' });
    expect(run('check', '-h').out).toBe(FLAGS_HELP);
    expect(FLAGS_HELP).toContain('Usage: hvmdev flags <command>');
  });

  it.each([
    [['check', 'lapic,ioapik'], 'unknown emulation flag "ioapik"'],
    [['check', '--xen', '4.6', '1'], 'has no emulation flags'],
    [['check', '--xen', 'banana', '1'], 'unrecognised Xen version'],
    [['check', '--guest', 'kvm', '1'], "--guest: unknown value 'kvm' (did you mean hvm?); choose one of pv, pv-dom0, pvh, pvh-dom0, hvm"],
    [['check'], 'check needs FLAGS'],
    [['explain', '--json'], 'explain needs FLAGS'],
    [['frobnicate'], "unknown command 'frobnicate'; choose one of check, explain, defaults, list"],
    [[], 'missing command'],
    [['check', '--verbose', '1'], 'unknown option --verbose'],
    [['check', '--guest'], 'option --guest needs a value'],
    [['check', '--domid', 'x', '1'], '--domid must be a number'],
    [['list', 'lapic'], 'list takes no FLAGS'],
    [['defaults', '1'], 'defaults takes no FLAGS'],
  ])('%j', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(message);
    expect(r.err).toContain('hvmdev flags --help');
  });
});

// Every command's options fed bad host input: each answer is one line on stderr with the documented
// exit status (2 usage, 1 environment), never "internal error" (70) or a stack trace.
import { describe, expect, it } from 'vitest';
import { EXIT_STATUS_HELP } from '../../src/cli/errors.js';
import { main, MAIN_HELP } from '../../src/cli/main.js';
import { QTEST_HELP } from '../../src/cli/qtest-command.js';

async function run(argv: readonly string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const USAGE = 2;
const ENVIRONMENT = 1;

// [argv, exit status, what stderr must mention]
const CASES: readonly (readonly [string, number, RegExp])[] = [
  // the reproductions of the report
  ['describe --flags bogus', USAGE, /--flags bogus: unknown emulation flag "bogus"/],
  ['describe --xen 4.6', USAGE, /--xen 4\.6: Xen 4\.6 has no emulation flags/],
  ['qtest --xen x', USAGE, /--xen x: unrecognised Xen version "x"/],
  ['qtest --socket /nonexistent-dir/x.sock', ENVIRONMENT, /cannot listen on \/nonexistent-dir\/x\.sock: .*choose a path/],
  ['qtest --connect /nonexistent.sock', ENVIRONMENT, /cannot connect to \/nonexistent\.sock: no such socket/],
  ['describe --xen 4.10.99', USAGE, /Xen 4\.10\.99 is not a release/],
  ['describe --xen 04.10', USAGE, /unrecognised Xen version "04\.10"/],
  ['describe --flags lapıc', USAGE, /unknown emulation flag "lapıc"/],
  ['describe --vcpus 0', USAGE, /--vcpus takes a whole number from 1 to 128, got 0/],
  ['describe --vcpus abc', USAGE, /--vcpus takes a whole number from 1 to 128, got 'abc'/],
  // shared platform options, on every command that builds a platform
  ...['describe', 'qtest', 'demo'].flatMap(
    (cmd) =>
      [
        [`${cmd} --profile bogus`, USAGE, /--profile: unknown value 'bogus'; choose one of xen-hvm/],
        [`${cmd} --profile XEN-HVM`, USAGE, /--profile: unknown value 'XEN-HVM'/],
        [`${cmd} --flags`, USAGE, /--flags/],
        [`${cmd} --flags ,`, USAGE, /no emulation flags given/],
        [`${cmd} --flags 0x100000000`, USAGE, /does not fit in 32 bits/],
        [`${cmd} --flags pıt`, USAGE, /unknown emulation flag "pıt"/],
        [`${cmd} --flags uſe_pirq`, USAGE, /unknown emulation flag "uſe_pirq"/],
        [`${cmd} --xen 4.010`, USAGE, /unrecognised Xen version/],
        [`${cmd} --xen 4.23`, USAGE, /newer than the newest known release/],
        [`${cmd} --xen 5.0`, USAGE, /has no emulation flags/],
        [`${cmd} --xen ４.10`, USAGE, /unrecognised Xen version/],
        [`${cmd} --vcpus 129`, USAGE, /from 1 to 128, got 129/],
        [`${cmd} --vcpus -1`, USAGE, /--vcpus/],
        [`${cmd} --vcpus 1.5`, USAGE, /got '1\.5'/],
        [`${cmd} --vcpus 0x2`, USAGE, /got '0x2'/],
        [`${cmd} --vcpus 1e1`, USAGE, /got '1e1'/],
        [`${cmd} --vcpus ２`, USAGE, /got '２'/],
        [`${cmd} --vcpus 99999999999999999999`, USAGE, /from 1 to 128/],
        [`${cmd} --flags 0x411`, ENVIRONMENT, /refused for hvm/],
        [`${cmd} --nope`, USAGE, /^hvmdev \w+: unknown option --nope \(see/],
        [`${cmd} --profle xen-hvm`, USAGE, /unknown option --profle \(did you mean --profile\?\)/],
        [`${cmd} --profile xen-hmv`, USAGE, /--profile: unknown value 'xen-hmv' \(did you mean xen-hvm\?\); choose one of/],
        [`${cmd} --profile`, USAGE, /option --profile needs a value/],
        [`${cmd} stray`, USAGE, /stray/],
      ] as const,
  ),
  ['describe --json=yes', USAGE, /option --json takes no value/],
  // qtest's own options
  ['qtest --device foo', USAGE, /--device: unknown device 'foo'; hvmdev has pci-testdev\[,addr=SS\[\.F\]\]/],
  ['qtest --profile qemu-pc --device pci-testdev,addr=20', USAGE, /'addr=20' is not addr=SS\[\.F\] \(slot 01-1f in hex, function 0-7\)/],
  ['qtest --profile qemu-pc --shared', USAGE, /--shared applies to --socket only/],
  ['qtest --profile xen-hvm --device pci-testdev', USAGE, /pciTestdev needs a PCI host/],
  ['qtest --trace-limit -1', USAGE, /--trace-limit/],
  ['qtest --trace-limit 1e3', USAGE, /--trace-limit takes a whole number from 0 to 2147483647, got '1e3'/],
  ['qtest --trace-limit 99999999999', USAGE, /--trace-limit/],
  ['qtest --socket /tmp/a --connect /tmp/b', USAGE, /exclude each other/],
  ['qtest --socket=', USAGE, /--socket needs a socket path/],
  ['qtest --connect=', USAGE, /--connect needs a socket path/],
  ['qtest --connect /etc/passwd', ENVIRONMENT, /cannot connect to \/etc\/passwd/],
  ['qtest --connect /nonexistent-dir/x.sock', ENVIRONMENT, /no such socket/],
  // flags
  ['flags', USAGE, /missing command/],
  ['flags frob', USAGE, /unknown command 'frob'; choose one of check, explain, defaults, list/],
  ['flags chek 0x1ff', USAGE, /unknown command 'chek' \(did you mean check\?\)/],
  ['flags check', USAGE, /check needs FLAGS/],
  ['flags check bogus', USAGE, /unknown emulation flag "bogus"/],
  ['flags check lapıc', USAGE, /unknown emulation flag "lapıc"/],
  ['flags check --xen 04.10 lapic', USAGE, /unrecognised Xen version "04\.10"/],
  ['flags check --xen 4.10.99 lapic', USAGE, /not a release/],
  ['flags explain --xen 4.6 0x1ff', USAGE, /Xen 4\.6 has no emulation flags/],
  ['flags check --guest hvn lapic', USAGE, /--guest: unknown value 'hvn' \(did you mean hvm\?\); choose one of pv, pv-dom0, pvh, pvh-dom0, hvm/],
  ['flags check --guest hmv lapic', USAGE, /--guest: unknown value 'hmv' \(did you mean hvm\?\)/],
  ['flags check --guest hvK lapic', USAGE, /--guest: unknown value 'hvK'/],
  ['flags check --gest hvm lapic', USAGE, /unknown option --gest \(did you mean --guest\?\)/],
  ['flags check --domid 32752 lapic', USAGE, /--domid must be a number from 0 to 32751/],
  ['flags check --domid -1 lapic', USAGE, /--domid/],
  ['flags check --xen', USAGE, /option --xen needs a value/],
  ['flags defaults 0x1ff', USAGE, /defaults takes no FLAGS/],
  ['flags list --bogus', USAGE, /unknown option --bogus/],
  ['flags check --json=1 lapic', USAGE, /option --json takes no value/],
  // the command itself
  ['frobnicate', USAGE, /unknown command 'frobnicate' \(see/],
  ['describ', USAGE, /unknown command 'describ' \(did you mean describe\?\)/],
  ['demo --help=x', USAGE, /--help/],
];

describe('bad host input on every command: one line, a documented status, no stack trace', () => {
  it.each(CASES.map(([argv, code, why]) => [argv, code, why] as const))('hvmdev %s → exit %i', async (argv, code, why) => {
    const r = await run(argv.split(' '));
    expect(r.code).toBe(code);
    expect(r.err).toMatch(why);
    expect(r.err.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
  });

  it('the exit statuses are documented in --help and in every command help that mentions them', async () => {
    expect(MAIN_HELP).toContain(EXIT_STATUS_HELP);
    expect(QTEST_HELP).toContain(EXIT_STATUS_HELP);
    expect((await run(['flags', '--help'])).out).toContain(EXIT_STATUS_HELP);
    expect(EXIT_STATUS_HELP).toMatch(/^ {2}2 {3}usage/m);
    expect(EXIT_STATUS_HELP).toMatch(/^ {2}70 {2}internal error/m);
  });

  it('a bug still ends as one line with status 70 (the stack only with HVMDEV_DEBUG)', async () => {
    const { COMMANDS } = await import('../../src/cli/main.js');
    const table = COMMANDS as { name: string; synopsis: string; summary: string; run: () => number }[];
    table.push({
      name: 'crash',
      synopsis: '',
      summary: 'test only',
      run: () => {
        throw new TypeError('boom');
      },
    });
    try {
      const r = await run(['crash']);
      expect(r.code).toBe(70);
      expect(r.err).toBe('hvmdev crash: internal error (a bug in hvmdev): boom\n');
    } finally {
      table.pop();
    }
  });
});

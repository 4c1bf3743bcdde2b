import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runQtest } from '../../src/cli/qtest-command.js';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('hvmdev', () => {
  it('--help lists the commands; no command is a usage error', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/flags check\|explain\|defaults\|list/);
    expect(help.out).toMatch(/qtest/);
    expect((await run()).code).toBe(2);
  });

  it('--version prints the package version', async () => {
    expect((await run('--version')).out).toMatch(/^hvmdev \d+\.\d+\.\d+\n$/);
  });

  it('an unknown command or option exits 2 with a hint', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'frobnicate'/);
    const o = await run('describe', '--nope');
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/hvmdev describe --help/);
  });

  it('flags explain --guest hvm 0x411 says why it is refused and what is accepted (exit 1)', async () => {
    const r = await run('flags', 'explain', '--guest', 'hvm', '0x411');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/EOPNOTSUPP/);
    expect(r.out).toMatch(/VPCI/);
    expect(r.out).toMatch(/0x1FF/);
  });

  it('describe shows devices, status and the bus map; --json is machine-readable', async () => {
    const r = await run('describe', '--profile', 'xen-pvh');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Platform xen-pvh/);
    expect(r.out).toMatch(/0x00e9-0x00e9 {2}debugcon/);
    const j = await run('describe', '--profile', 'xen-pvh-dom0', '--json');
    expect(JSON.parse(j.out)).toMatchObject({ profile: 'xen-pvh-dom0', flags: '0x411' }); // as flags --json writes flags
    expect(r.out).toMatch(/\n {2}0x001 {4}lapic {5}implemented {2}/); // the words of describe().devices[].status
  });

  it('describe with a refused flag set exits 1 and explains', async () => {
    const r = await run('describe', '--flags', '0x411');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refused for hvm/);
  });

  it('demo builds the default platform and runs its workload', async () => {
    const r = await run('demo');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Platform xen-hvm/);
    expect(r.out).toMatch(/debug console: "Hello from the guest"/);
    expect(r.out).toMatch(/\n {2}inb 0x1234 -> OK 0x00ff\n/);
    // One second of the PIT's 100 Hz interrupt is one counted line, not 200; the whole fits a screen.
    expect(r.out).toMatch(/\n {2}clock_step 1000000000 -> IRQ 2 toggled 200 times \(100 raise, 100 lower\); OK 1007010000\n/);
    expect(r.out).not.toMatch(/IRQ (raise|lower) 2\n/);
    expect(r.out.split('\n').length).toBeLessThanOrEqual(62);
    expect(r.out).toMatch(/\nTry next:\n {2}hvmdev describe --profile qemu-pc/);
  });

  it('qtest serves the protocol over a stream; debug console lines go to stderr', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d) => (text += String(d)));
    let err = '';
    const done = runQtest([], { out: () => undefined, err: (s) => (err += s) }, input, output);
    input.end('outb 0xe9 0x48\noutb 0xe9 0x0a\ninb 0x20\nbogus\n');
    expect(await done).toBe(0);
    expect(text).toBe("OK\nOK\nOK 0x0000\nFAIL Unknown command 'bogus'\n");
    expect(err).toBe('[debugcon] H\n');
  });

  it('qtest --trace reports guest accesses on stderr', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let err = '';
    const done = runQtest(['--trace'], { out: () => undefined, err: (s) => (err += s) }, input, output);
    input.end('inb 0x1234\n');
    await done;
    expect(err).toMatch(/\[trace\] t=0ns vcpu0 port read 0x1234\/1 0xff unclaimed/);
  });
});

// Fuzz campaign (d): `hvmdev qtest --socket` in a child process, fed by hostile clients over a real
// Unix socket: random bytes, random commands with malformed arguments, overlong lines, floods that
// are never read, clients that reset mid-line or mid-reply, and IRQ streams abandoned mid-step.
// After every client a well-formed client must be answered correctly and at once; the server must
// stay alive, under 200 MB resident (VmHWM), and remove its socket file on SIGTERM.
// Reproducible from the seed: the sequence of cases (and every byte they send) is the seed's.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuzzRng } from './guest-traffic.js';

const MB = 1024 * 1024;
const MEMORY_LIMIT = 200 * MB;
/** Cases served by one server process before it is stopped (SIGTERM) and a fresh one started. */
const CASES_PER_SERVER = 150;
/** How long a well-formed client may wait for its answer after a hostile one. */
const PROBE_TIMEOUT_MS = 5000;
const REPLY = /^(OK( .*)?|FAIL( .*)?|IRQ (raise|lower) \d+)$/;

const KINDS = ['garbage', 'commands', 'overlong', 'flood', 'reset', 'irq-stream', 'slow-reader'] as const;
type Kind = (typeof KINDS)[number];

/** The built CLI next to this file (npm run fuzz builds first): dist/bench → dist/src/cli/bin.js. */
const BIN = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));

interface Server {
  readonly child: ChildProcess;
  readonly path: string;
  readonly dir: string;
}

function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'hvmdev-qtest-fuzz-'));
  const path = join(dir, 'qt.sock');
  const child = spawn(process.execPath, [BIN, 'qtest', '--socket', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += String(d);
      if (err.includes('listening on')) resolve({ child, path, dir });
      if (err.length > 65536) err = err.slice(-4096); // the debug console may chatter
    });
    child.once('exit', (code, signal) => reject(new Error(`server exited at start (${code ?? signal}): ${err.trim()}`)));
  });
}

function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes, giving up (false) if the server does not take the data within `ms`. */
async function write(sock: Socket, data: Buffer | string, ms = 2000): Promise<boolean> {
  if (sock.destroyed) return false;
  if (sock.write(data)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.off('drain', onDrain);
      sock.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    sock.on('drain', onDrain);
    sock.on('close', onClose);
  });
}

/** Collects what the server sends until it ends the connection or `ms` pass. */
function collect(sock: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      clearTimeout(timer);
      resolve(text);
    };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.once('close', done);
  });
}

// ---- what hostile clients send ------------------------------------------------------------------

const COMMANDS = [
  'outb',
  'outw',
  'outl',
  'inb',
  'inw',
  'inl',
  'readb',
  'readw',
  'readl',
  'readq',
  'writeb',
  'writew',
  'writel',
  'writeq',
  'read',
  'write',
  'b64read',
  'b64write',
  'memset',
  'clock_step',
  'clock_set',
  'irq_intercept_in',
  'irq_intercept_out',
  'set_irq_in',
  'endianness',
  'vcpu',
  'rdmsr',
  'wrmsr',
  'inta',
  'bogus',
  '',
] as const;
const PATHS = ['ioapic', 'pic', 'pic-master', 'pic-slave', 'pit', 'rtc', '/machine/i440fx/ioapic', 'nope', ''];
const ADDRS = [0, 0x10, 0x20, 0x40, 0x70, 0x80, 0xcf8, 0xcfc, 0xe9, 0xfed00000, 0xfed00100, 0xfec00000, 0xfee00000, 0xfee00300, 0xb8000, 0xffff, 0x10000];

function number(rng: FuzzRng): string {
  switch (rng.below(9)) {
    case 0:
      return String(rng.below(1000));
    case 1:
      return '0x' + rng.next().toString(16);
    case 2:
      return '0x' + rng.pick(ADDRS).toString(16);
    case 3:
      return '-' + rng.below(100000);
    case 4:
      return '0' + rng.below(0o777).toString(8);
    case 5:
      return '0x' + 'f'.repeat(1 + rng.below(20));
    case 6:
      return String(rng.below(10 ** 9));
    case 7:
      return rng.pick(['', 'x', '0x', '1e3', '0b101', '٣', '+5', '0x-1', '18446744073709551616', 'NaN']);
    default:
      return String(rng.below(65536));
  }
}

function command(rng: FuzzRng): string {
  const name = rng.pick(COMMANDS);
  const args: string[] = [];
  if (name === 'irq_intercept_in' || name === 'irq_intercept_out') args.push(rng.pick(PATHS));
  else if (name === 'set_irq_in') args.push(rng.pick(PATHS), rng.chance(0.8) ? 'unnamed-gpio-in' : 'x', number(rng), String(rng.below(3)));
  else if (name === 'clock_step' || name === 'clock_set') {
    // Bounded steps: a shared platform must stay quick for the next client (long steps are the irq-stream kind).
    if (rng.chance(0.9)) args.push(String(rng.below(10 ** (1 + rng.below(8)))));
    else args.push(number(rng));
  } else if (name === 'read' || name === 'b64read' || name === 'memset' || name === 'write' || name === 'b64write') {
    args.push('0x' + rng.pick(ADDRS).toString(16), String(rng.chance(0.99) ? 1 + rng.below(4096) : rng.pick([0, 16 * MB, 16 * MB + 1])));
    if (name === 'memset') args.push(number(rng));
    if (name === 'write') args.push('0x' + 'ab'.repeat(rng.below(64)));
    if (name === 'b64write') args.push(rng.pick(['AAAA', 'q83vEjRWeJA=', '!!', '']));
  } else {
    const n = rng.below(4);
    for (let i = 0; i < n; i++) args.push(number(rng));
  }
  const sep = rng.chance(0.9) ? ' ' : rng.pick(['\t', '  ', ' \r']);
  return [name, ...args].join(sep);
}

function garbage(rng: FuzzRng, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = rng.chance(0.03) ? 10 : rng.next() & 0xff;
  return b;
}

// ---- one case -----------------------------------------------------------------------------------

/** Runs one hostile client; returns the lines it sent and any finding. */
async function hostileClient(kind: Kind, rng: FuzzRng, path: string): Promise<{ lines: number; finding?: string }> {
  const sock = await connect(path);
  try {
    switch (kind) {
      case 'garbage': {
        const data = garbage(rng, 1 + rng.below(64 * 1024));
        const answered = collect(sock, 3000);
        await write(sock, data);
        sock.end();
        const bad = (await answered)
          .split('\n')
          .slice(0, -1)
          .find((l) => !REPLY.test(l) || l.length > 200);
        return {
          lines: data.filter((c) => c === 10).length + 1,
          ...(bad !== undefined ? { finding: `malformed reply ${JSON.stringify(bad.slice(0, 80))}` } : {}),
        };
      }
      case 'commands': {
        const script = Array.from({ length: 1 + rng.below(200) }, () => command(rng));
        // (A 16 MiB block over device registers takes about 1.5 s: wait for the end, not for a fixed time.)
        const answered = collect(sock, 60000);
        await write(sock, script.join('\n') + '\n', 60000);
        sock.end();
        const replies = (await answered).split('\n').slice(0, -1);
        const bad = replies.find((l) => !REPLY.test(l));
        if (bad !== undefined) return { lines: script.length, finding: `malformed reply ${JSON.stringify(bad.slice(0, 80))}` };
        const answers = replies.filter((l) => !l.startsWith('IRQ ')).length;
        const expected = script.filter((l) => l.trim() !== '').length;
        if (answers !== expected) return { lines: script.length, finding: `${answers} replies to ${expected} commands` };
        return { lines: script.length };
      }
      case 'overlong': {
        const length = 1 * MB + 1 + rng.below(16 * MB);
        const answered = collect(sock, 20000);
        const piece = Buffer.alloc(64 * 1024, rng.pick(['A', ' ', '0', '\r']));
        for (let sent = 0; sent < length; sent += piece.length) if (!(await write(sock, piece.subarray(0, Math.min(piece.length, length - sent))))) break;
        await write(sock, '\nendianness\n');
        sock.end();
        const text = await answered;
        const ok = /^FAIL line too long: \d+ bytes \(the limit is 1048576\)\nOK little\n$/.test(text);
        return { lines: 2, ...(ok ? {} : { finding: `overlong line of ${length} bytes answered ${JSON.stringify(text.slice(0, 120))}` }) };
      }
      case 'flood': {
        // Commands with large replies, never read; then the client vanishes.
        const line = rng.pick(['read 0 65536\n', 'b64read 0xfed00000 1024\n', 'inb 0x80\n', 'clock_step 1\n']);
        const chunk = Buffer.from(line.repeat(Math.ceil(65536 / line.length)));
        let lines = 0;
        for (let i = 0; i < 64; i++) {
          if (!(await write(sock, chunk, 300))) break;
          lines += chunk.length / line.length;
        }
        sock.destroy();
        return { lines };
      }
      case 'reset': {
        const script = Array.from({ length: 1 + rng.below(50) }, () => command(rng)).join('\n');
        const cut = rng.below(script.length + 1);
        await write(sock, script.slice(0, cut));
        if (rng.chance(0.5)) await sleep(rng.below(20));
        sock.destroy();
        return { lines: script.slice(0, cut).split('\n').length };
      }
      case 'irq-stream': {
        // A periodic HPET every 100 µs into an intercepted IO-APIC and a step of 10^12 ns: 20 M IRQ lines.
        const script = ['irq_intercept_in ioapic', 'writel 0xfed00100 0xc', 'writel 0xfed00108 100', 'writel 0xfed00010 0x3', 'clock_step 1000000000000'];
        const answered = collect(sock, 50 + rng.below(300));
        await write(sock, script.join('\n') + '\n');
        const text = await answered;
        sock.destroy();
        const bad = text
          .split('\n')
          .slice(0, -1)
          .find((l) => !REPLY.test(l));
        return { lines: script.length, ...(bad !== undefined ? { finding: `malformed reply ${JSON.stringify(bad.slice(0, 80))}` } : {}) };
      }
      case 'slow-reader': {
        // Reads a little, pauses (the server must wait), then leaves.
        sock.pause();
        const lines = 1000 + rng.below(20000);
        await write(sock, 'read 0 4096\n'.repeat(lines), 500);
        await sleep(50 + rng.below(200));
        sock.resume();
        await sleep(20);
        sock.destroy();
        return { lines };
      }
    }
  } finally {
    sock.destroy();
  }
}

/** A well-formed client, after a hostile one: answered correctly and at once. */
async function probe(path: string): Promise<string | null> {
  let sock: Socket;
  try {
    sock = await connect(path);
  } catch (e) {
    return `a well-formed client could not connect: ${(e as Error).message}`;
  }
  const answered = collect(sock, PROBE_TIMEOUT_MS);
  sock.end('irq_intercept_out pit\nendianness\nwriteq 0x1000 0x1122334455667788\nreadq 0x1000\n');
  const text = await answered;
  sock.destroy();
  const replies = text.split('\n').filter((l) => !l.startsWith('IRQ '));
  const expected = ['OK', 'OK little', 'OK', 'OK 0x1122334455667788', ''];
  return replies.join('\n') === expected.join('\n') ? null : `a well-formed client was answered ${JSON.stringify(text.slice(0, 160))}`;
}

async function stopServer(s: Server): Promise<string | null> {
  let finding: string | null = null;
  if (s.child.exitCode !== null || s.child.signalCode !== null) finding = `the server died (${s.child.exitCode ?? s.child.signalCode})`;
  else {
    const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
    s.child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(5000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      s.child.kill('SIGKILL');
      finding = 'SIGTERM did not stop the server within 5 s';
    } else if (code !== 0) finding = `SIGTERM: the server exited with ${code}`;
    else if (existsSync(s.path)) finding = 'the socket file stayed behind after SIGTERM';
  }
  rmSync(s.dir, { recursive: true, force: true });
  return finding;
}

export async function runQtestFuzz(
  budgetMs: number,
  seed: number,
): Promise<{ cases: number; seconds: number; findings: string[]; clients: number; peakRssMB: number; byKind: Record<string, number> }> {
  const t0 = Date.now();
  const deadline = t0 + budgetMs;
  const findings: string[] = [];
  const byKind: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
  let cases = 0;
  let clients = 0;
  let peak = 0;
  let index = 0;
  const note = (what: string, kind: Kind | 'stop') => {
    if (findings.length < 50) findings.push(`qtest: ${what} (seed ${seed}, case ${index}, ${kind})`);
  };
  while (Date.now() < deadline - 1500) {
    let server: Server;
    try {
      server = await startServer();
    } catch (e) {
      note(`could not start: ${(e as Error).message}`, 'stop');
      break;
    }
    for (let n = 0; n < CASES_PER_SERVER && Date.now() < deadline - 1500; n++, index++) {
      const rng = new FuzzRng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
      // Mostly cheap kinds; the slow ones (overlong, irq-stream) now and then.
      const kind: Kind = rng.chance(0.05)
        ? 'overlong'
        : rng.chance(0.06)
          ? 'irq-stream'
          : rng.pick(['garbage', 'commands', 'commands', 'flood', 'reset', 'slow-reader'] as const);
      try {
        const r = await hostileClient(kind, rng, server.path);
        cases += r.lines;
        if (r.finding !== undefined) note(r.finding, kind);
      } catch (e) {
        note(`client failed: ${(e as Error).message}`, kind);
      }
      clients++;
      byKind[kind]!++;
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        note(`the server died (${server.child.exitCode ?? server.child.signalCode})`, kind);
        break;
      }
      const p = await probe(server.path);
      cases += 4;
      if (p !== null) note(p, kind);
      const rss = peakRss(server.child.pid!);
      peak = Math.max(peak, rss);
      if (rss >= MEMORY_LIMIT) {
        note(`resident memory reached ${(rss / MB).toFixed(0)} MB`, kind);
        break;
      }
    }
    const stop = await stopServer(server);
    if (stop !== null) note(stop, 'stop');
  }
  return { cases, seconds: (Date.now() - t0) / 1000, findings, clients, peakRssMB: Math.round(peak / MB), byKind };
}

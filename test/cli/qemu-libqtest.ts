// A JS stand-in for QEMU 7.2's libqtest (tests/qtest/libqtest.c), written from its observable wire
// behaviour: it listens on a qtest socket and a QMP socket, starts the binary through `sh -c "exec
// BIN -qtest unix:… -qtest-log /dev/null -chardev socket,… -mon … -display none EXTRA -accel qtest"`,
// accepts both connections, asks `endianness`, reads the QMP greeting, negotiates capabilities,
// tracks `IRQ raise/lower` lines per input, and quits with SIGTERM expecting exit status 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/child.js';

/** hvmdev-system-x86_64 run from its sources (the built bin is dist/src/cli/qemu-system-bin.js). */
export const QEMU_SYSTEM_FROM_SOURCES = `'${process.execPath}' --import ./test/support/run-ts.mjs src/cli/qemu-system-bin.ts`;

function acceptOne(path: string): { ready: Promise<void>; conn: Promise<Socket> } {
  const server = createServer();
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const conn = new Promise<Socket>((resolve, reject) => {
    server.once('connection', (s) => {
      server.close();
      resolve(s);
    });
    server.once('error', reject);
  });
  server.listen(path, ready);
  return { ready: readyP, conn };
}

/** Lines arriving on a socket, read one at a time. */
class LineReader {
  private buf = '';
  private lines: string[] = [];
  private waiter: (() => void) | null = null;
  closed = false;
  constructor(
    sock: Socket,
    private readonly separator: string,
  ) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf(this.separator)) !== -1) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + this.separator.length);
      }
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
  async next(): Promise<string> {
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((r) => (this.waiter = r));
    }
    return this.lines.shift()!;
  }
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class LibqtestClient {
  /** Each input's level as the `IRQ` lines report it (libqtest's irq_level[]). */
  readonly irqLevel = new Array<boolean>(256).fill(false);
  stderr = '';
  private constructor(
    readonly child: ChildProcess,
    private readonly qtest: Socket,
    private readonly qtestLines: LineReader,
    private readonly qmpSock: Socket,
    private readonly qmpLines: LineReader,
    readonly exited: Promise<Exit>,
  ) {}

  /** qtest_init(extra): start, connect, `endianness`, QMP greeting and qmp_capabilities. */
  static async start(extra: string, binary = QEMU_SYSTEM_FROM_SOURCES): Promise<LibqtestClient> {
    const dir = mkdtempSync(join(tmpdir(), 'hvmdev-libqtest-'));
    const qtestPath = join(dir, `qtest-${process.pid}.sock`);
    const qmpPath = join(dir, `qtest-${process.pid}.qmp`);
    const qtestServer = acceptOne(qtestPath);
    const qmpServer = acceptOne(qmpPath);
    await Promise.all([qtestServer.ready, qmpServer.ready]);
    const command =
      `exec ${binary} -qtest unix:${qtestPath} -qtest-log /dev/null -chardev socket,path=${qmpPath},id=char0 ` +
      `-mon chardev=char0,mode=control -display none ${extra} -accel qtest`;
    const child = spawn('/bin/sh', ['-c', command], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const early = exited.then((e) => {
      throw new Error(`the binary exited before connecting (${e.code ?? e.signal}): ${stderr}`);
    });
    const [qtest, qmp] = await Promise.race([Promise.all([qtestServer.conn, qmpServer.conn]), early]);
    const client = new LibqtestClient(child, qtest, new LineReader(qtest, '\n'), qmp, new LineReader(qmp, '\n'), exited);
    child.stderr!.on('data', (d) => (client.stderr += String(d)));
    client.stderr = stderr;
    if ((await client.cmd('endianness')) !== 'OK little') throw new Error('endianness');
    const greeting = JSON.parse(await client.qmpLines.next()) as { QMP?: unknown };
    if (greeting.QMP === undefined) throw new Error('no QMP greeting');
    const caps = await client.qmp({ execute: 'qmp_capabilities' });
    if (JSON.stringify(caps) !== '{"return":{}}') throw new Error(`qmp_capabilities: ${JSON.stringify(caps)}`);
    return client;
  }

  /** Sends one qtest command; returns its reply, after applying the `IRQ` lines that came first. */
  async cmd(line: string): Promise<string> {
    this.qtest.write(line + '\n');
    for (;;) {
      const reply = await this.qtestLines.next();
      const irq = /^IRQ (raise|lower) (\d+)$/.exec(reply);
      if (irq === null) return reply;
      this.irqLevel[Number(irq[2])] = irq[1] === 'raise';
    }
  }

  async value(line: string): Promise<number> {
    const r = await this.cmd(line);
    if (!r.startsWith('OK ')) throw new Error(`${line}: ${r}`);
    return Number(r.slice(3));
  }

  async outb(port: number, v: number): Promise<void> {
    await this.cmd(`outb 0x${port.toString(16)} 0x${v.toString(16)}`);
  }
  inb(port: number): Promise<number> {
    return this.value(`inb 0x${port.toString(16)}`);
  }
  clockStep(ns?: number): Promise<number> {
    return this.value(ns === undefined ? 'clock_step' : `clock_step ${ns}`);
  }

  /** Sends a QMP command; returns its reply (events before it are skipped, as libqtest does). */
  async qmp(request: object): Promise<Record<string, unknown>> {
    this.qmpSock.write(JSON.stringify(request));
    for (;;) {
      const msg = JSON.parse(await this.qmpLines.next()) as Record<string, unknown>;
      if (!('event' in msg)) return msg;
    }
  }

  /** The next QMP message (an event after a command). */
  async qmpMessage(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.qmpLines.next()) as Record<string, unknown>;
  }

  /** qtest_quit: SIGTERM, wait for the exit status. */
  async quit(): Promise<Exit> {
    this.child.kill('SIGTERM');
    const e = await this.exited;
    this.qtest.destroy();
    this.qmpSock.destroy();
    return e;
  }
}

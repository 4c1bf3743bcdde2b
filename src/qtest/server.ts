// Transports for the qtest protocol: stdin/stdout, a Unix socket we listen on (--socket), or a
// Unix socket we connect to (--connect, as QEMU does when a libqtest test starts it with
// `-qtest unix:PATH`). Each connection gets its own session over the same platform.
//
// Memory stays bounded whatever a peer sends or fails to read: a line longer than MAX_LINE_BYTES is
// dropped as it arrives and answered with a short FAIL; input is read only while replies are being
// read (the next chunk is pulled after the previous one's replies were accepted); IRQ lines of a
// long clock step are streamed as they happen (QtestSession.handleStreaming).
import { lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Platform } from '../platform/platform.js';
import { LineSplitter, type SplitLine } from './line-splitter.js';
import { ReplyWriter } from './reply-writer.js';
import { QtestSession, type ReplySink } from './session.js';

/** Called with each new connection's session before its first command, e.g. `installExtensions`. */
export type SessionSetup = (session: QtestSession) => void;

/** A platform shared by every connection, or a factory giving each connection a fresh one. */
export type PlatformSource = Platform | (() => Platform);

/** Receives each command line ('R') and each line sent back ('S'), as QEMU's -qtest-log does. */
export type QtestLog = (dir: 'R' | 'S', line: string) => void;

function platformFrom(source: PlatformSource): Platform {
  return typeof source === 'function' ? source() : source;
}

/**
 * Longest command line accepted, in bytes. Enough for `write ADDR SIZE 0xDATA` of 512 KiB and
 * `b64write` of 768 KiB (QEMU's qtest reads lines of any length; larger blocks take several lines).
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Connections that may wait for their turn on a listening socket; more are refused (closed). */
export const MAX_WAITING_CLIENTS = 16;

/** Serves one stream pair until its input ends, fails, or the output's peer goes away. */
export async function serveStream(platform: Platform, input: Readable, output: Writable, setup: SessionSetup = () => undefined, log?: QtestLog): Promise<void> {
  const session = new QtestSession(platform);
  setup(session);
  const writer: ReplySink & { drained(): Promise<boolean> } = log === undefined ? new ReplyWriter(output) : new LoggingSink(new ReplyWriter(output), log);
  const splitter = new LineSplitter(MAX_LINE_BYTES);
  const answer = async (line: SplitLine): Promise<boolean> => {
    if (typeof line === 'string') {
      log?.('R', line);
      await session.handleStreaming(line, writer);
    } else writer.send([`FAIL line too long: ${line.overlong} bytes (the limit is ${MAX_LINE_BYTES})`]);
    return writer.drained();
  };
  try {
    // The next chunk is read only after this one's replies were accepted: a peer that does not read
    // its replies stops being read (backpressure), instead of growing our buffers.
    // (destroyOnReturn: false keeps a socket open after its input ends, so the last replies still go out.)
    input_: for await (const chunk of input.iterator({ destroyOnReturn: false })) {
      for (const line of splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))) {
        if (!(await answer(line))) break input_;
      }
    }
    const last = splitter.end();
    if (last !== null) await answer(last);
  } catch {
    // The input failed (a client reset its connection): this session ends, the server goes on.
  } finally {
    session.close();
  }
}

/** Options of a qtest server. */
export interface ListenOptions {
  /** Prepares each connection's session (default: none). */
  readonly setup?: SessionSetup;
}

/**
 * Listens on a Unix socket and serves connections one after another (as QEMU's qtest has one
 * client); later connections wait their turn (at most MAX_WAITING_CLIENTS). A stale socket file
 * left by a server that died is replaced. Resolves with `close`, which ends every connection and
 * removes the socket file.
 */
export async function listenUnix(platforms: PlatformSource, path: string, setup?: SessionSetup): Promise<() => Promise<void>> {
  const waiting: Socket[] = [];
  let current: Socket | null = null;
  let closing = false;

  const serveNext = (): void => {
    if (current !== null || closing) return;
    const sock = waiting.shift();
    if (sock === undefined) return;
    if (sock.destroyed) {
      serveNext();
      return;
    }
    current = sock;
    let platform: Platform;
    try {
      platform = platformFrom(platforms);
    } catch {
      sock.destroy();
      current = null;
      serveNext();
      return;
    }
    void serveStream(platform, sock, sock, setup).finally(() => {
      sock.end();
      sock.destroySoon();
      current = null;
      serveNext();
    });
  };

  // allowHalfOpen: a client that sends its script and half-closes (FIN) still gets every reply; we end
  // our side once its last command is answered (Node would otherwise end it as soon as input ends).
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (sock) => {
    // A client error (ECONNRESET, EPIPE) ends that client only.
    sock.on('error', () => undefined);
    if (closing || waiting.length >= MAX_WAITING_CLIENTS) {
      sock.destroy();
      return;
    }
    waiting.push(sock);
    sock.once('close', () => {
      const i = waiting.indexOf(sock);
      if (i !== -1) waiting.splice(i, 1);
    });
    serveNext();
  });

  await listenReplacingStale(server, path);
  return () =>
    new Promise<void>((done) => {
      closing = true;
      for (const sock of waiting.splice(0)) sock.destroy();
      current?.destroy();
      server.close(() => {
        removeSocketFile(path);
        done();
      });
    });
}

/** Listens on `path`; if a socket file is there but nothing answers on it, removes it and retries. */
async function listenReplacingStale(server: ReturnType<typeof createServer>, path: string): Promise<void> {
  try {
    await listenOn(server, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !isSocketFile(path) || (await somebodyListens(path))) throw e;
    removeSocketFile(path);
    await listenOn(server, path);
  }
}

function listenOn(server: ReturnType<typeof createServer>, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function isSocketFile(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Removes our socket file (never anything else that may have taken its place). */
export function removeSocketFile(path: string): void {
  if (!isSocketFile(path)) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function somebodyListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** A connection made with `connectUnix`: `ended` resolves when the session is over. */
export interface QtestClientConnection {
  readonly socket: Socket;
  readonly ended: Promise<void>;
}

/**
 * Connects to a Unix socket (the test harness listens, as libqtest does) and serves it until it
 * closes. Resolves once connected; rejects only if the connection fails.
 */
export function connectUnixClient(platform: Platform, path: string, setup?: SessionSetup, log?: QtestLog): Promise<QtestClientConnection> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ path, allowHalfOpen: true });
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      // Once connected, an error (the harness resets) ends the session like a close does.
      sock.on('error', () => undefined);
      const ended = serveStream(platform, sock, sock, setup, log).then(() => {
        sock.end();
      });
      resolve({ socket: sock, ended });
    });
  });
}

/** Connects to a Unix socket and serves it until it closes. Rejects only if the connection fails. */
export async function connectUnix(platform: Platform, path: string, setup?: SessionSetup): Promise<void> {
  await (await connectUnixClient(platform, path, setup)).ended;
}

/** Passes lines on to a sink and logs each one sent. */
class LoggingSink implements ReplySink {
  private partial = '';
  constructor(
    private readonly inner: ReplyWriter,
    private readonly log: QtestLog,
  ) {}
  send(lines: readonly string[]): boolean {
    for (const l of lines) this.log('S', l);
    return this.inner.send(lines);
  }
  sendPart(text: string): boolean {
    // A streamed reply is logged whole once its newline arrives (long read replies: only the first 200 characters).
    this.partial += this.partial.length < 200 ? text : '';
    if (text.endsWith('\n')) {
      this.log('S', this.partial.slice(0, 200).replace(/\n$/, ''));
      this.partial = '';
    }
    return this.inner.sendPart(text);
  }
  drained(): Promise<boolean> {
    return this.inner.drained();
  }
}

// Transports for the qtest protocol: stdin/stdout, a Unix socket we listen on (--socket), or a
// Unix socket we connect to (--connect, as QEMU does when a libqtest test starts it with
// `-qtest unix:PATH`). Each connection gets its own session over the same platform.
import { createConnection, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Platform } from '../platform/platform.js';
import { QtestSession } from './session.js';

export type SessionSetup = (session: QtestSession) => void;

/** Serves one stream pair until its input ends. Resolves when done. */
export function serveStream(
  platform: Platform,
  input: Readable,
  output: Writable,
  setup: SessionSetup = () => undefined,
): Promise<void> {
  const session = new QtestSession(platform);
  setup(session);
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => {
    const lines = session.handle(line);
    if (lines.length > 0) output.write(lines.join('\n') + '\n');
  });
  return new Promise((resolve) => {
    rl.on('close', () => {
      session.close();
      resolve();
    });
  });
}

/** Listens on a Unix socket and serves connections one after another. */
export function listenUnix(platform: Platform, path: string, setup?: SessionSetup): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock: Socket) => {
      void serveStream(platform, sock, sock, setup).then(() => sock.end());
    });
    server.once('error', reject);
    server.listen(path, () => {
      resolve(() => new Promise<void>((done) => server.close(() => done())));
    });
  });
}

/** Connects to a Unix socket (the test harness listens) and serves it until it closes. */
export function connectUnix(platform: Platform, path: string, setup?: SessionSetup): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    sock.once('error', reject);
    sock.once('connect', () => {
      void serveStream(platform, sock, sock, setup).then(() => {
        sock.end();
        resolve();
      });
    });
  });
}

// A qtest client over a Unix socket for tests and the fuzz campaign: connect, send, read replies.
import { createConnection, type Socket } from 'node:net';

export function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
  });
}

/** Sends a script, half-closes, and resolves with everything the server answered. */
export async function exchange(path: string, script: string): Promise<string> {
  const sock = await connect(path);
  return new Promise((resolve, reject) => {
    let text = '';
    sock.on('data', (d) => (text += String(d)));
    sock.on('error', reject);
    sock.on('end', () => resolve(text));
    sock.end(script);
  });
}

/** Writes `total` bytes made of `piece` repeated, respecting the socket's backpressure. */
export async function writeRepeated(sock: Socket, piece: Buffer, total: number): Promise<void> {
  for (let sent = 0; sent < total; ) {
    const n = Math.min(piece.length, total - sent);
    sent += n;
    if (!sock.write(n === piece.length ? piece : piece.subarray(0, n))) await new Promise((r) => sock.once('drain', r));
  }
}

/** Resolves when the server stops accepting data from this client (its writes stay buffered), or false after `ms`. */
export async function writeUntilBlocked(sock: Socket, line: string, ms: number): Promise<boolean> {
  const chunk = Buffer.from(line.repeat(Math.max(1, Math.floor(65536 / line.length))));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!sock.write(chunk)) {
      const drained = await Promise.race([
        new Promise<boolean>((r) => sock.once('drain', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
      ]);
      if (!drained) return true;
    }
  }
  return false;
}

import { createConnection, createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectUnix, createPlatform, listenUnix } from '../../src/index.js';

function exchange(sockPath: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(sockPath);
    let text = '';
    sock.on('data', (d) => (text += String(d)));
    sock.on('error', reject);
    sock.on('end', () => resolve(text));
    sock.on('connect', () => sock.end(script));
  });
}

describe('qtest transports', () => {
  it('--socket: listens and serves each connection with its own session', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hvmdev-')), 'qt.sock');
    const close = await listenUnix(createPlatform({ ramBytes: 4096 }), path);
    try {
      expect(await exchange(path, 'endianness\nwritel 0x10 0x1234\n')).toBe('OK little\nOK\n');
      expect(await exchange(path, 'readl 0x10\n')).toBe('OK 0x0000000000001234\n');
    } finally {
      await close();
    }
  });

  it('--connect: connects to a listening harness (as libqtest does) and serves until it closes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hvmdev-')), 'h.sock');
    let replies = '';
    const harness = createServer((sock) => {
      sock.on('data', (d) => (replies += String(d)));
      sock.write('inb 0x1234\nclock_step 10\n');
      setTimeout(() => sock.end(), 50);
    });
    await new Promise<void>((r) => harness.listen(path, r));
    await connectUnix(createPlatform({ ramBytes: 0 }), path);
    harness.close();
    expect(replies).toBe('OK 0x00ff\nOK 10\n');
  });
});

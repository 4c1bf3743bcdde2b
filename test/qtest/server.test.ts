import { createConnection, createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectUnix, listenUnix } from '../../src/qtest/server.js';
import { createPlatform } from '../../src/platform/create-platform.js';

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
  it('--socket with a platform factory: each connection starts on a fresh platform (clock 0, empty RAM)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hvmdev-')), 'qt.sock');
    let built = 0;
    const close = await listenUnix(() => (built++, createPlatform({ ramBytes: 4096 })), path);
    try {
      expect(await exchange(path, 'clock_step 100\nwritel 0x10 0x1234\n')).toBe('OK 100\nOK\n');
      expect(await exchange(path, 'clock_step 100\nreadl 0x10\n')).toBe('OK 100\nOK 0x0000000000000000\n');
      expect(built).toBe(2);
    } finally {
      await close();
    }
  });

  it("--socket with one platform (--shared): the second connection sees the first one's clock and RAM", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hvmdev-')), 'qt.sock');
    const close = await listenUnix(createPlatform({ ramBytes: 4096 }), path);
    try {
      expect(await exchange(path, 'clock_step 100\nwritel 0x10 0x1234\n')).toBe('OK 100\nOK\n');
      expect(await exchange(path, 'clock_step 100\nreadl 0x10\n')).toBe('OK 200\nOK 0x0000000000001234\n');
    } finally {
      await close();
    }
  });

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

  it('--connect: a harness that resets the connection ends the session quietly (resolves, never rejects)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hvmdev-')), 'r.sock');
    const harness = createServer((sock) => {
      sock.write('read 0 1048576\n'.repeat(20));
      setTimeout(() => sock.destroy(), 20);
    });
    await new Promise<void>((r) => harness.listen(path, r));
    await expect(connectUnix(createPlatform({ ramBytes: 0 }), path)).resolves.toBeUndefined();
    harness.close();
  });

  it('--socket: connections are served one after another; a waiting one is served when the first ends', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hvmdev-')), 'q.sock');
    const close = await listenUnix(createPlatform({ ramBytes: 4096 }), path);
    try {
      const first = createConnection(path);
      first.write('writel 0x20 7\n');
      const second = exchange(path, 'readl 0x20\n');
      let firstText = '';
      // Wait for the first reply itself, not a fixed delay (a loaded machine takes longer).
      await new Promise<void>((r) => first.on('data', (d) => ((firstText += String(d)), firstText.endsWith('\n') && r())));
      expect(firstText).toBe('OK\n');
      first.end('writel 0x20 8\n');
      expect(await second).toBe('OK 0x0000000000000008\n');
    } finally {
      await close();
    }
  });
});

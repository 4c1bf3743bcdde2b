// `hvmdev qtest` as QEMU-style harnesses use it: --connect ends with status 0 on SIGTERM (libqtest
// stops its QEMU that way), and --device takes QEMU's pci-testdev[,addr=SS.F] syntax.
import { createServer, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/child.js';

describe('hvmdev qtest for QEMU harnesses', () => {
  it('--connect: SIGTERM while connected ends the process with status 0, not by the signal', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hvmdev-conn-')), 'qt.sock');
    const accepted = new Promise<Socket>((resolve) => {
      const server = createServer((s) => {
        server.close();
        resolve(s);
      });
      server.listen(path);
    });
    await new Promise((r) => setTimeout(r, 50));
    const child = spawnCli(['qtest', '--profile', 'qemu-pc', '--connect', path]);
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    const sock = await accepted;
    let reply = '';
    sock.on('data', (d) => (reply += String(d)));
    sock.write('endianness\n');
    while (!reply.includes('\n')) await new Promise((r) => setTimeout(r, 10));
    expect(reply).toBe('OK little\n');
    child.kill('SIGTERM');
    expect(await exit).toEqual([0, null]);
    sock.destroy();
  }, 30_000);

  it('--device pci-testdev,addr=05.0 puts the function there; without addr the next free slot from 02, as QEMU', async () => {
    const script = 'outl 0xcf8 0x80002800\ninl 0xcfc\noutl 0xcf8 0x80001000\ninl 0xcfc\noutl 0xcf8 0x80001800\ninl 0xcfc\n';
    const r = await runCli(['qtest', '--profile', 'qemu-pc', '--device', 'pci-testdev,addr=05.0', '--device', 'pci-testdev'], script);
    expect(r.code).toBe(0);
    // 05.0 and 02.0: pci-testdev; 03.0: empty.
    expect(r.stdout).toBe('OK\nOK 0x51b36\nOK\nOK 0x51b36\nOK\nOK 0xffffffff\n');
  }, 30_000);
});

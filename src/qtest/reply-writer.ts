// The qtest server's side of a peer's output stream: sends reply lines and tells the server when to
// wait (the peer is not reading) or stop (the peer is gone), so unread replies never pile up.
import type { Writable } from 'node:stream';
import type { ReplySink } from './session.js';

export class ReplyWriter implements ReplySink {
  private gone = false;

  constructor(private readonly stream: Writable) {
    // A peer that resets its connection (EPIPE, ECONNRESET) ends this session only.
    stream.on('error', () => (this.gone = true));
    stream.on('close', () => (this.gone = true));
  }

  /** The peer can no longer receive anything. */
  get closed(): boolean {
    return this.gone || this.stream.destroyed || this.stream.writableEnded;
  }

  send(lines: readonly string[]): boolean {
    if (this.closed) return false;
    return this.stream.write(lines.join('\n') + '\n');
  }

  sendPart(text: string): boolean {
    if (this.closed) return false;
    return this.stream.write(text);
  }

  /** True at once if nothing is waiting to be read; otherwise when the peer has read enough. */
  drained(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!this.stream.writableNeedDrain) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.stream.off('drain', onDrain);
        this.stream.off('close', onGone);
        this.stream.off('error', onGone);
        resolve(ok && !this.closed);
      };
      const onDrain = () => done(true);
      const onGone = () => done(false);
      this.stream.on('drain', onDrain);
      this.stream.on('close', onGone);
      this.stream.on('error', onGone);
    });
  }
}

import type { AccessContext, PortAccessSize } from '../../src/bus/access.js';
import type { IoHandler } from '../../src/bus/handler.js';

export interface Access {
  dir: 'r' | 'w';
  offset: number;
  size: number;
  value?: number;
  vcpu: number;
  stringOp: boolean;
}

/** A device with byte-addressable registers that records every access it sees. */
export class RecordingDevice implements IoHandler {
  readonly log: Access[] = [];
  readonly bytes: Uint8Array;
  constructor(length: number, fill = 0) {
    this.bytes = new Uint8Array(length).map((_, i) => (fill === -1 ? i : fill));
  }
  read(offset: number, size: PortAccessSize, ctx: AccessContext): number {
    this.log.push({ dir: 'r', offset, size, vcpu: ctx.vcpu, stringOp: ctx.stringOp });
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.bytes[offset + i] ?? 0);
    return v;
  }
  write(offset: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    this.log.push({ dir: 'w', offset, size, value, vcpu: ctx.vcpu, stringOp: ctx.stringOp });
    for (let i = 0; i < size; i++) this.bytes[offset + i] = Math.floor(value / 256 ** i) & 0xff;
  }
}

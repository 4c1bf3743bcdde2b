// Xen's HVM debug console on port 0xE9 (XEN_HVM_DEBUGCONS_IOPORT, present for every HVM guest).
// Behaviour (xen/arch/x86/hvm/hvm.c, hvm_print_line): byte writes only; reads are not handled (so
// the null handler answers all-ones); characters that are not printable, '\n' or '\t' are dropped;
// a line is emitted at '\n' or when the 200-byte buffer holds 199 characters.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { refuseField, StateDescription } from '../../device-model/state-description.js';
import { text } from '../../device-model/state-fields.js';

/** The I/O port of Xen's debug console (byte writes only). */
export const DEBUG_CONSOLE_PORT = 0xe9;
/** Xen's DOMAIN_PBUF_SIZE: a line is flushed when it reaches size - 1 characters. */
export const DEBUG_CONSOLE_LINE_MAX = 199;

/** Where the debug console's complete lines go (PlatformOptions.debugConsole). */
export interface DebugConsoleSink {
  /** One complete line, without its newline. */
  line(text: string): void;
}

/** A sink that keeps every line (tests, the demo). */
export class CollectingSink implements DebugConsoleSink {
  readonly lines: string[] = [];
  line(text: string): void {
    this.lines.push(text);
  }
}

/**
 * Xen's HVM debug console on I/O port 0xE9 (xen/arch/x86/hvm/hvm.c, hvm_print_line), id `debugcon`: the guest writes
 * bytes, complete lines go to the {@link DebugConsoleSink}. Byte accesses only; reads give 0xFF.
 *
 * @example
 * ```ts
 * const sink = new CollectingSink();
 * new DebugConsole(ports, sink);
 * for (const c of 'hi\n') ports.write(0xe9, 1, c.charCodeAt(0));
 * sink.lines; // ['hi']
 * ```
 */
export class DebugConsole implements Device, IoHandler {
  readonly id = 'debugcon';
  readonly kind = 'xen-debugcon';
  private buffer = '';

  constructor(
    ports: PortBus,
    private readonly sink: DebugConsoleSink,
  ) {
    // Only byte accesses are claimed; Xen registers the handler for one port.
    ports.register(DEBUG_CONSOLE_PORT, 1, this, { owner: this.id, name: 'debug console', sizes: 1 });
  }

  /** A guest read of port 0xE9: 0xFF, as Xen gives no input. */
  read(_offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    return 0xff; // "Deny any input requests": unhandled, so the null handler's all-ones.
  }

  /**
   * A guest byte written to port 0xE9: printable ASCII and tab are buffered, other bytes dropped; a
   * newline, or a line reaching DEBUG_CONSOLE_LINE_MAX characters, goes to the sink.
   */
  write(_offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    const c = value & 0xff;
    const printable = c >= 0x20 && c < 0x7f;
    if (!printable && c !== 0x0a && c !== 0x09) return;
    if (c !== 0x0a) this.buffer += String.fromCharCode(c);
    if (c === 0x0a || this.buffer.length === DEBUG_CONSOLE_LINE_MAX) {
      const text = this.buffer;
      this.buffer = '';
      this.sink.line(text);
    }
  }

  /** Characters written since the last complete line. */
  get pending(): string {
    return this.buffer;
  }

  reset(): void {
    this.buffer = '';
  }

  readonly stateDescription = DEBUG_CONSOLE_STATE;

  snapshot(): PlainData {
    return DEBUG_CONSOLE_STATE.snapshot(this);
  }

  checkState(state: unknown): void {
    DEBUG_CONSOLE_STATE.check(state, this.id, undefined);
  }

  /** Second step of a restore: takes a state `checkState` accepted (the partial line being collected) and never throws. */
  applyState(state: unknown): void {
    DEBUG_CONSOLE_STATE.apply(this, state as typeof DEBUG_CONSOLE_STATE.json);
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }
}

/** The console's state: the line being collected (printable characters and tabs, shorter than a full line). */
export const DEBUG_CONSOLE_STATE = new StateDescription('xen-debugcon', 1, { buffer: text(DEBUG_CONSOLE_LINE_MAX - 1) }, (s) => {
  if (/[^\x20-\x7e\t]/.test(s.buffer)) refuseField('buffer', 'not a state the console can reach (a character the console drops)');
});

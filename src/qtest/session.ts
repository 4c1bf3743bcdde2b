// QEMU's qtest text protocol over a Platform: one command line in, reply lines out. Asynchronous
// `IRQ raise N` / `IRQ lower N` lines caused by a command come before its reply, as QEMU sends them.
// Replies are byte-compatible with QEMU 7.2 (softmmu/qtest.c) for the commands listed in
// docs/qtest.md; where QEMU would abort (a malformed number, a missing argument) we answer FAIL.
import { accessContext, type AccessContext } from '../bus/access.js';
import { MAX_PHYS_ADDR } from '../bus/mmio-bus.js';
import { MAX_CLOCK_NS } from '../time/clock.js';
import type { Platform } from '../platform/platform.js';
import { echoWord } from './echo.js';
import { interceptTargets, resolveTarget, type InterceptTarget } from './intercepts.js';
import { hex16, hex4, parseI64, parseU64 } from './numbers.js';

/** Largest `read`/`write`/`memset` length accepted (QEMU would try to allocate anything). */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

/** Where a streamed command's lines go (a socket, stdout): see `QtestSession.handleStreaming`. */
export interface ReplySink {
  /** Sends lines; false when the peer has enough unread data and `drained()` should be awaited. */
  send(lines: readonly string[]): boolean;
  /** Sends part of a line (no newline added); same return as `send`. */
  sendPart(text: string): boolean;
  /** Resolves true when more may be sent, false when the peer is gone. */
  drained(): Promise<boolean>;
}

/** Bytes encoded per piece of a streamed `read`/`b64read` reply (a multiple of 3 for base64). */
const REPLY_PIECE_BYTES = 48 * 1024;

/** Events of a streamed step's budget left for its final, buffered advance (bounds the lines it buffers). */
const STREAM_BUDGET_SLACK = 1024;

/** `clock_step` without a number: to the next deadline. */
const NEXT_DEADLINE = -1;

/** An extension command: returns the reply line (without newline). */
export type QtestCommand = (args: readonly string[], session: QtestSession) => string;

/**
 * One qtest conversation with a platform: `handle(line)` takes one command of QEMU 7.2's qtest
 * protocol (outb/inb, readl/writel, clock_step, irq_intercept_in, set_irq_in, ...) and returns the
 * lines QEMU would send back. Commands run in the selected vCPU's access context (vCPU 0 at first).
 * @example
 * const session = new QtestSession(createPlatform({ profile: 'qemu-pc' }));
 * session.handle('inb 0x21');       // ['OK 0x0000']: the master PIC's mask, 0 after reset
 * session.handle('clock_step 1000'); // ['OK 1000']: virtual time is now 1000 ns
 */
export class QtestSession {
  private readonly out: string[] = [];
  private readonly targets: Map<string, InterceptTarget>;
  private intercepted: InterceptTarget | null = null;
  private interceptDir: 'in' | 'out' = 'in';
  private readonly stops: (() => void)[] = [];
  private readonly levels = new Map<number, boolean>();
  private readonly extensions = new Map<string, QtestCommand>();
  /** The vCPU whose context MMIO and port accesses use (extension `vcpu N`). */
  vcpu = 0;
  private ctx: AccessContext = accessContext(0);

  constructor(readonly platform: Platform) {
    this.targets = interceptTargets(platform);
  }

  /** Adds a command beyond QEMU's (e.g. `rdmsr`); names must not shadow QEMU's. */
  registerCommand(name: string, handler: QtestCommand): void {
    this.extensions.set(name, handler);
  }

  /** Makes later accesses come from vCPU `index` (its LAPIC answers 0xFEE00000); false if the platform has no such vCPU. */
  selectVcpu(index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.platform.vcpus.length) return false;
    this.vcpu = index;
    this.ctx = accessContext(index);
    return true;
  }

  /** Processes one line; returns every line to send (IRQ lines first, then the reply). Never throws. */
  handle(line: string): string[] {
    const words = splitWords(line);
    let reply: string | null;
    try {
      reply = words.length === 0 ? null : this.dispatch(words);
    } catch (e) {
      // A host-side failure (e.g. the clock refusing a jump past 2^53 ns) is reported, never fatal.
      reply = `FAIL ${(e as Error).message}`;
    }
    const lines = this.out.splice(0);
    if (reply !== null) lines.push(reply);
    return lines;
  }

  /**
   * Processes one line like `handle`, sending its lines to `sink`. A `clock_step`/`clock_set` while
   * an IRQ intercept is active moves the clock one deadline at a time and sends the `IRQ` lines as
   * they happen, waiting whenever the peer is not reading, so a long step never buffers them (with
   * `maxEventsPerAdvance: Infinity`, a periodic timer over 10^12 ns makes 20 M lines). The clock's
   * per-advance event budget applies to the whole command, as in `handle`. If the peer goes away
   * mid-step, the step stops there and nothing more is sent. The lines and the reply are the same
   * as `handle`'s.
   */
  async handleStreaming(line: string, sink: ReplySink): Promise<void> {
    const words = splitWords(line);
    const cmd = words[0];
    if ((cmd === 'read' || cmd === 'b64read') && words.length >= 3) {
      const addr = parseU64(words[1]);
      const len = this.length(words[2]);
      if (addr !== null && len !== null && len > REPLY_PIECE_BYTES) return this.streamBlock(cmd, addr, len, sink);
    }
    const clock = this.platform.clock;
    const target = (cmd === 'clock_step' || cmd === 'clock_set') && this.intercepted !== null ? this.clockTarget(words) : null;
    if (typeof target !== 'number' || target <= clock.now || target > MAX_CLOCK_NS) {
      const lines = this.handle(line);
      if (lines.length > 0) sink.send(lines);
      return;
    }
    // One command is one advance for the clock's per-advance event budget, as in `handle`: the steps
    // share it, and once it is nearly spent the rest is one advance to the target (which coalesces).
    const budget = clock.maxEventsPerAdvance;
    const firedBefore = clock.eventsFired;
    let reply: string;
    try {
      for (;;) {
        const left = budget - (clock.eventsFired - firedBefore);
        if (left <= STREAM_BUDGET_SLACK) {
          clock.maxEventsPerAdvance = Math.max(1, left);
          clock.advanceTo(target);
          break;
        }
        clock.maxEventsPerAdvance = left;
        const next = clock.nextDeadline();
        const stop = next === null || next >= target ? target : Math.max(next, clock.now);
        const reached = clock.advanceTo(stop);
        clock.maxEventsPerAdvance = budget;
        if (this.out.length > 0 && !sink.send(this.out.splice(0)) && !(await sink.drained())) return;
        // Reached the target, or the clock stopped early (a timer storm at one instant).
        if (reached >= target || reached < stop) break;
      }
      reply = `OK ${clock.now}`;
    } catch (e) {
      reply = `FAIL ${(e as Error).message}`;
    } finally {
      clock.maxEventsPerAdvance = budget;
    }
    sink.send([...this.out.splice(0), reply]);
  }

  /**
   * A large `read`/`b64read` reply (up to 32 MiB of text) goes out in pieces as it is encoded, so
   * the server never holds the whole line (and its copies) at once. Same bytes as `handle`'s reply.
   */
  private async streamBlock(cmd: 'read' | 'b64read', addr: bigint, len: number, sink: ReplySink): Promise<void> {
    const bytes = this.readBlock(addr, len);
    if (this.out.length > 0) sink.send(this.out.splice(0));
    const encoding = cmd === 'read' ? 'hex' : 'base64';
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    sink.sendPart(cmd === 'read' ? 'OK 0x' : 'OK ');
    for (let at = 0; at < len; at += REPLY_PIECE_BYTES) {
      const piece = view.subarray(at, Math.min(len, at + REPLY_PIECE_BYTES)).toString(encoding);
      if (!sink.sendPart(piece) && !(await sink.drained())) return;
    }
    sink.sendPart('\n');
  }

  /** Stops any interception (end of session). */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.intercepted = null;
  }

  private dispatch(w: readonly string[]): string | null {
    const cmd = w[0]!;
    const p = this.platform;
    switch (cmd) {
      case 'outb':
      case 'outw':
      case 'outl': {
        const port = this.port(w[1]);
        const value = parseU64(w[2]);
        if (port === null || value === null) return this.usage(cmd, 'PORT VALUE');
        const size = cmd === 'outb' ? 1 : cmd === 'outw' ? 2 : 4;
        p.ports.write(port, size, Number(BigInt.asUintN(size * 8, value)), this.ctx);
        return 'OK';
      }
      case 'inb':
      case 'inw':
      case 'inl': {
        const port = this.port(w[1]);
        if (port === null) return this.usage(cmd, 'PORT');
        const size = cmd === 'inb' ? 1 : cmd === 'inw' ? 2 : 4;
        return 'OK ' + hex4(p.ports.read(port, size, this.ctx));
      }
      case 'readb':
      case 'readw':
      case 'readl':
      case 'readq': {
        const addr = parseU64(w[1]);
        if (addr === null) return this.usage(cmd, 'ADDR');
        return 'OK ' + hex16(this.readMem(addr, sizeOf(cmd)));
      }
      case 'writeb':
      case 'writew':
      case 'writel':
      case 'writeq': {
        const addr = parseU64(w[1]);
        const value = parseU64(w[2]);
        if (addr === null || value === null) return this.usage(cmd, 'ADDR VALUE');
        this.writeMem(addr, sizeOf(cmd), value);
        return 'OK';
      }
      case 'read':
      case 'b64read': {
        const addr = parseU64(w[1]);
        const len = this.length(w[2]);
        if (addr === null || len === null) return this.usage(cmd, 'ADDR SIZE (1–16 MiB)');
        const bytes = this.readBlock(addr, len);
        return cmd === 'read' ? 'OK 0x' + Buffer.from(bytes).toString('hex') : 'OK ' + Buffer.from(bytes).toString('base64');
      }
      case 'write':
      case 'b64write': {
        const addr = parseU64(w[1]);
        const len = this.length(w[2]);
        if (addr === null || len === null || w[3] === undefined) return this.usage(cmd, 'ADDR SIZE DATA');
        // QEMU's b64write writes only as many bytes as decode (at most SIZE).
        const data = cmd === 'write' ? hexData(w[3]!, len) : b64Data(w[3]!, len);
        if (data === null) return `FAIL ${cmd}: DATA must be ${cmd === 'write' ? '0x followed by hex digits' : 'base64'}`;
        this.writeBlock(addr, data);
        return 'OK';
      }
      case 'memset': {
        const addr = parseU64(w[1]);
        const len = this.length(w[2]);
        const value = parseU64(w[3]);
        if (addr === null || len === null || value === null) return this.usage(cmd, 'ADDR SIZE VALUE');
        this.writeBlock(addr, new Uint8Array(len).fill(Number(value & 0xffn)));
        return 'OK';
      }
      case 'clock_step':
      case 'clock_set': {
        const target = this.clockTarget(w);
        if (typeof target === 'string') return target;
        if (target === NEXT_DEADLINE) p.clock.advanceToNextDeadline();
        else if (target > p.clock.now) p.clock.advanceTo(target);
        return `OK ${p.clock.now}`;
      }
      case 'irq_intercept_in':
      case 'irq_intercept_out':
        return this.intercept(cmd === 'irq_intercept_in' ? 'in' : 'out', w);
      case 'set_irq_in': {
        if (w.length < 5) return this.usage(cmd, 'QOM_PATH NAME NUM LEVEL');
        const target = resolveTarget(p, this.targets, w[1]!);
        if (target === null) return 'FAIL Unknown device';
        const n = parseI64(w[3]);
        const level = parseI64(w[4]);
        if (n === null || level === null) return this.usage(cmd, 'QOM_PATH NAME NUM LEVEL');
        if (w[2] !== 'unnamed-gpio-in' || target.setIn === undefined || n < 0n || n > 0xffffn) {
          return `FAIL ${target.name} has no input ${echoWord(w[2]!)} ${n}`;
        }
        // QEMU: set_irq_in goes through the intercept of that input (if any), then to the device.
        const intercepting = this.intercepted === target && this.interceptDir === 'in';
        if (intercepting) this.report(Number(n), level !== 0n);
        if (!target.setIn(Number(n), level !== 0n)) return `FAIL ${target.name} has no input ${echoWord(w[2]!)} ${n}`;
        return 'OK';
      }
      case 'endianness':
        return 'OK little';
      default: {
        const ext = this.extensions.get(cmd);
        if (ext !== undefined) return ext(w.slice(1), this);
        return `FAIL Unknown command '${echoWord(cmd)}'`;
      }
    }
  }

  /**
   * Where `clock_step [NS]` / `clock_set NS` move the clock: an absolute time (the current one when
   * the clock stays), NEXT_DEADLINE, or the FAIL reply for malformed arguments.
   */
  private clockTarget(w: readonly string[]): number | string {
    const now = this.platform.clock.now;
    if (w[0] === 'clock_step') {
      // No argument: to the next timer deadline; with none pending, the clock stays.
      if (w.length === 1) return NEXT_DEADLINE;
      const ns = parseI64(w[1]);
      if (ns === null) return this.usage('clock_step', '[NS]');
      // QEMU warps to now + ns; a negative step leaves the clock where it is.
      return ns > 0n ? now + Number(ns) : now;
    }
    const ns = parseI64(w[1]);
    if (ns === null) return this.usage('clock_set', 'NS');
    // QEMU never moves the virtual clock backwards: an earlier time answers the current one.
    return Number(ns) > now ? Number(ns) : now;
  }

  private intercept(dir: 'in' | 'out', w: readonly string[]): string {
    if (w.length < 2) return this.usage(w[0]!, 'QOM_PATH');
    const target = resolveTarget(this.platform, this.targets, w[1]!);
    if (target === null) return 'FAIL Unknown device';
    if (this.intercepted !== null) {
      // QEMU: one intercepted device per run; asking again for the same one is fine.
      return this.intercepted === target ? 'OK' : 'FAIL IRQ intercept already enabled';
    }
    const observe = dir === 'in' ? target.observeIn : target.observeOut;
    this.intercepted = target;
    this.interceptDir = dir;
    if (observe !== undefined) this.stops.push(observe((n, level) => this.report(n, level)));
    return 'OK';
  }

  /** An intercepted line changed: reported only when the level differs from the last reported one (cache starts low). */
  private report(n: number, level: boolean): void {
    if ((this.levels.get(n) ?? false) === level) return;
    this.levels.set(n, level);
    this.out.push(`IRQ ${level ? 'raise' : 'lower'} ${n}`);
  }

  private usage(cmd: string, form: string): string {
    return `FAIL ${cmd}: expected ${cmd} ${form}`;
  }

  private port(text: string | undefined): number | null {
    const v = parseU64(text);
    return v === null || v > 0xffffn ? null : Number(v);
  }

  private length(text: string | undefined): number | null {
    const v = parseU64(text);
    return v === null || v === 0n || v > BigInt(MAX_BLOCK_BYTES) ? null : Number(v);
  }

  private readMem(addr: bigint, size: 1 | 2 | 4 | 8): bigint {
    const mmio = this.platform.mmio;
    // Beyond the physical address space nothing is claimed: every byte reads as the bus's unclaimed byte.
    if (addr + BigInt(size) > BigInt(MAX_PHYS_ADDR)) return BigInt.asUintN(size * 8, BigInt(mmio.unclaimedByte) * 0x0101010101010101n);
    const a = Number(addr);
    return size === 8 ? mmio.read64(a, this.ctx) : BigInt(mmio.read(a, size, this.ctx));
  }

  private writeMem(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint): void {
    if (addr + BigInt(size) > BigInt(MAX_PHYS_ADDR)) return;
    const a = Number(addr);
    const mmio = this.platform.mmio;
    if (size === 8) mmio.write64(a, value, this.ctx);
    else mmio.write(a, size, Number(BigInt.asUintN(size * 8, value)), this.ctx);
  }

  private readBlock(addr: bigint, len: number): Uint8Array {
    const buf = new Uint8Array(len);
    if (addr + BigInt(len) <= BigInt(MAX_PHYS_ADDR)) this.platform.mmio.readBytes(Number(addr), buf, this.ctx);
    else buf.fill(this.platform.mmio.unclaimedByte);
    return buf;
  }

  private writeBlock(addr: bigint, data: Uint8Array): void {
    if (addr + BigInt(data.length) <= BigInt(MAX_PHYS_ADDR)) this.platform.mmio.writeBytes(Number(addr), data, this.ctx);
  }
}

/**
 * A command line's words. QEMU splits at spaces and ignores words after the ones a command takes
 * (so a trailing `# comment` changes nothing); only '\n' ends a line, so any other ASCII
 * whitespace (a CR before the newline, a tab) only separates words here.
 */
export function splitWords(line: string): string[] {
  return line.split(/[ \t\r\v\f]+/).filter((w) => w.length > 0);
}

function sizeOf(cmd: string): 1 | 2 | 4 | 8 {
  const c = cmd[cmd.length - 1];
  return c === 'b' ? 1 : c === 'w' ? 2 : c === 'l' ? 4 : 8;
}

/** QEMU's `write` data: "0x" then two hex digits per byte; bytes without both digits are 0. */
function hexData(text: string, len: number): Uint8Array | null {
  if (!/^0[xX][0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(len);
  for (let i = 0; i < len && i * 2 + 4 <= text.length; i++) out[i] = parseInt(text.slice(2 + i * 2, 4 + i * 2), 16);
  return out;
}

function b64Data(text: string, len: number): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64');
  return new Uint8Array(decoded.subarray(0, Math.min(len, decoded.length)));
}

// The QMP subset libqtest and QEMU's device tests use (QEMU Machine Protocol, docs/interop/qmp-spec
// of QEMU 7.2): the greeting, capabilities negotiation, quit, system_reset, query-status and
// query-version. Every other command answers QMP's CommandNotFound error, as QEMU does for a command
// it does not have. Replies carry the request's "id"; events (SHUTDOWN, RESET) are sent as QEMU
// sends them, after the command's reply.
import type { Duplex } from 'node:stream';

/** The QEMU release whose behaviour the qemu profiles follow (reported by the greeting and query-version). */
export const QMP_QEMU_VERSION = Object.freeze({ major: 7, minor: 2, micro: 0 });

/** Longest QMP request kept while it is incomplete (QEMU's JSON parser limit is 64 MiB; ours is smaller). */
export const MAX_QMP_REQUEST_BYTES = 1024 * 1024;

/** What QMP commands do to the machine. */
export interface QmpMachine {
  /** Version text after QEMU's numbers ("package"), e.g. `hvmdev 0.1.0`. */
  readonly packageName: string;
  /** true after `-S` until a `cont` (hvmdev has none, so it stays): query-status says prelaunch. */
  readonly paused: boolean;
  /** query-status's run state when it is not `prelaunch`/`running` (e.g. `watchdog` after a watchdog pause), or null. */
  readonly stoppedState?: () => string | null;
  /** `system_reset`: every device back to power-on. */
  reset(): void;
  /** `quit`: called after the reply and the SHUTDOWN event were handed to the socket. */
  quit(): void;
}

type QmpReply = Record<string, unknown>;

/** One QMP connection: feed it the bytes the client sends; it answers on `send`. */
export class QmpConnection {
  private negotiated = false;
  private readonly splitter = new JsonObjectSplitter(MAX_QMP_REQUEST_BYTES);

  constructor(
    private readonly machine: QmpMachine,
    private readonly send: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The greeting QEMU sends as soon as a client connects. */
  greet(): void {
    this.emit({ QMP: { version: { qemu: { ...QMP_QEMU_VERSION }, package: this.machine.packageName }, capabilities: ['oob'] } });
  }

  /** Bytes from the client. */
  receive(chunk: string): void {
    for (const piece of this.splitter.push(chunk)) {
      if (piece === null) {
        this.emit(genericError('JSON parse error, request too large'));
        continue;
      }
      this.handle(piece);
    }
  }

  private handle(text: string): void {
    let request: unknown;
    try {
      request = JSON.parse(toStrictJson(text));
    } catch {
      this.emit(genericError('JSON parse error, invalid JSON'));
      return;
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      this.emit(genericError('QMP input must be a JSON object'));
      return;
    }
    const r = request as Record<string, unknown>;
    const id = 'id' in r ? { id: r.id } : {};
    const command = r.execute ?? r['exec-oob'];
    if (typeof command !== 'string') {
      this.emit({ ...genericError("QMP input lacks member 'execute'"), ...id });
      return;
    }
    const reply = this.run(command);
    this.emit({ ...reply.reply, ...id });
    reply.after?.();
  }

  private run(command: string): { reply: QmpReply; after?: () => void } {
    if (!this.negotiated) {
      if (command === 'qmp_capabilities') {
        this.negotiated = true;
        return { reply: { return: {} } };
      }
      return { reply: commandNotFound("Expecting capabilities negotiation with 'qmp_capabilities'") };
    }
    switch (command) {
      case 'qmp_capabilities':
        return { reply: commandNotFound('Capabilities negotiation is already complete, command ignored') };
      case 'query-version':
        return { reply: { return: { qemu: { ...QMP_QEMU_VERSION }, package: this.machine.packageName } } };
      case 'query-status': {
        const paused = this.machine.paused;
        const stopped = this.machine.stoppedState?.() ?? null;
        const status = stopped ?? (paused ? 'prelaunch' : 'running');
        return { reply: { return: { status, singlestep: false, running: status === 'running' } } };
      }
      case 'system_reset':
        return {
          reply: { return: {} },
          after: () => {
            this.machine.reset();
            this.sendEvent('RESET', { guest: false, reason: 'host-qmp-system-reset' });
          },
        };
      case 'quit':
        return {
          reply: { return: {} },
          after: () => {
            this.sendEvent('SHUTDOWN', { guest: false, reason: 'host-qmp-quit' });
            this.machine.quit();
          },
        };
      default:
        return { reply: commandNotFound(`The command ${command} has not been found`) };
    }
  }

  /** Sends an event (`WATCHDOG`, `RESET` …) with QEMU's timestamp; none before capabilities negotiation, as QEMU. */
  sendEvent(name: string, data: Record<string, unknown>): void {
    if (!this.negotiated) return;
    const ms = this.now();
    this.emit({ timestamp: { seconds: Math.floor(ms / 1000), microseconds: (ms % 1000) * 1000 }, event: name, data });
  }

  private emit(message: QmpReply): void {
    // QEMU ends each QMP message with CRLF.
    this.send(JSON.stringify(message) + '\r\n');
  }
}

function genericError(desc: string): QmpReply {
  return { error: { class: 'GenericError', desc } };
}

function commandNotFound(desc: string): QmpReply {
  return { error: { class: 'CommandNotFound', desc } };
}

/**
 * QEMU's JSON parser also takes single-quoted strings (libqtest users write `{ 'execute': 'quit' }`);
 * rewrites them as JSON strings. Text that is already JSON is returned unchanged.
 */
export function toStrictJson(text: string): string {
  if (!text.includes("'")) return text;
  let out = '';
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === null) {
      if (c === "'") {
        quote = "'";
        out += '"';
      } else {
        if (c === '"') quote = '"';
        out += c;
      }
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      const next = text[++i]!;
      // \' is a quote inside a single-quoted string; JSON has no such escape.
      out += quote === "'" && next === "'" ? "'" : c + next;
      continue;
    }
    if (c === quote) {
      quote = null;
      out += '"';
    } else if (quote === "'" && c === '"') {
      out += '\\"';
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Cuts a character stream into top-level JSON objects by brace depth (strings in either quote are
 * skipped), as QEMU's streaming parser does. An object longer than the cap is dropped and reported
 * as null; text between objects (whitespace, newlines) is ignored.
 */
export class JsonObjectSplitter {
  private buf = '';
  private depth = 0;
  private quote: string | null = null;
  private escaped = false;
  private overlong = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: string): (string | null)[] {
    const out: (string | null)[] = [];
    for (const c of chunk) {
      if (this.depth === 0 && c !== '{') continue;
      if (!this.overlong) this.buf += c;
      if (this.buf.length > this.maxBytes) {
        this.overlong = true;
        this.buf = '';
      }
      if (this.quote !== null) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === this.quote) this.quote = null;
        continue;
      }
      if (c === '"' || c === "'") this.quote = c;
      else if (c === '{') this.depth++;
      else if (c === '}' && --this.depth === 0) {
        out.push(this.overlong ? null : this.buf);
        this.buf = '';
        this.overlong = false;
      }
    }
    return out;
  }
}

/** Serves QMP on a connected socket until it closes. */
export function serveQmp(socket: Duplex, machine: QmpMachine): QmpConnection {
  socket.setEncoding('utf8');
  const conn = new QmpConnection(machine, (text) => {
    if (!socket.destroyed && !socket.writableEnded) socket.write(text);
  });
  socket.on('data', (chunk: string) => conn.receive(chunk));
  conn.greet();
  return conn;
}

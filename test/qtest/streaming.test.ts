// QtestSession.handleStreaming: the same lines as handle(), sent as they happen, waiting while the
// peer does not read, and stopping when it is gone.
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { QtestSession, type ReplySink } from '../../src/qtest/session.js';

const HPET_PERIODIC_100US = ['irq_intercept_in ioapic', 'writel 0xfed00100 0xc', 'writel 0xfed00108 100', 'writel 0xfed00010 0x3'];

class RecordingSink implements ReplySink {
  readonly batches: string[][] = [];
  waits = 0;
  constructor(
    private readonly acceptLines: number,
    private readonly goneAfterWaits = Infinity,
  ) {}
  private count = 0;
  get lines(): string[] {
    return this.batches.flat();
  }
  send(lines: readonly string[]): boolean {
    this.batches.push([...lines]);
    this.count += lines.length;
    return this.count < this.acceptLines;
  }
  sendPart(text: string): boolean {
    this.parts.push(text);
    return true;
  }
  readonly parts: string[] = [];
  drained(): Promise<boolean> {
    this.waits++;
    return Promise.resolve(this.waits <= this.goneAfterWaits);
  }
}

async function streamed(script: readonly string[], sink: RecordingSink, maxEventsPerAdvance?: number): Promise<QtestSession> {
  const s = new QtestSession(createPlatform({ profile: 'xen-hvm', ...(maxEventsPerAdvance !== undefined ? { maxEventsPerAdvance } : {}) }));
  for (const line of script) await s.handleStreaming(line, sink);
  return s;
}

describe('QtestSession.handleStreaming', () => {
  it('answers exactly what handle() answers, clock steps with an intercept included', async () => {
    const script = [
      ...HPET_PERIODIC_100US,
      'clock_step 1000000',
      'clock_set 1250000',
      'clock_step',
      'clock_step -5',
      'clock_set 9007199254740992',
      'inb 0x20',
      'bogus',
    ];
    const sync = new QtestSession(createPlatform({ profile: 'xen-hvm' }));
    const expected = script.flatMap((l) => sync.handle(l));
    const sink = new RecordingSink(Infinity);
    await streamed(script, sink);
    expect(sink.lines).toEqual(expected);
    expect(expected.filter((l) => l === 'IRQ raise 2')).toHaveLength(13); // every 100 µs up to 1.3 ms
    expect(expected.slice(-6)).toEqual([
      'IRQ lower 2',
      'OK 1299984',
      'OK 1299984',
      'FAIL 9007199254740992 ns is beyond exact virtual time (2^53 ns)',
      'OK 0x0000',
      "FAIL Unknown command 'bogus'",
    ]);
  });

  it('sends the IRQ lines of a long step in pieces as they happen, each before the reply', async () => {
    const sink = new RecordingSink(Infinity);
    await streamed([...HPET_PERIODIC_100US, 'clock_step 1000000'], sink);
    const step = sink.batches.slice(4);
    expect(step).toHaveLength(11); // ten periods of 100 µs, then the reply
    expect(step[0]).toEqual(['IRQ raise 2', 'IRQ lower 2']);
    expect(step[10]).toEqual(['OK 1000000']);
  });

  it("the clock's per-advance event budget covers the whole command: a 10^12 ns step answers what handle() does", async () => {
    const script = [...HPET_PERIODIC_100US, 'clock_step 1000000000000', 'clock_step 1000000'];
    const sync = new QtestSession(createPlatform({ profile: 'xen-hvm' }));
    const expected = script.flatMap((l) => sync.handle(l));
    const sink = new RecordingSink(Infinity);
    const s = await streamed(script, sink);
    expect(sink.lines).toEqual(expected);
    expect(s.platform.clock.coalesced).toBe(1);
    expect(expected.filter((l) => l === 'IRQ raise 2').length).toBeGreaterThan(19000);
    expect(expected.filter((l) => l === 'IRQ raise 2').length).toBeLessThan(21000);
    expect(sink.batches.length).toBeGreaterThan(18000); // streamed period by period, then the coalesced tail
  });

  it('without a budget, waits when the peer is not reading, and stops the step where it is when the peer is gone', async () => {
    const sink = new RecordingSink(4 + 6, 2); // accepts the four OKs and three periods, then waits; gone at the third wait
    const s = await streamed([...HPET_PERIODIC_100US, 'clock_step 1000000000000'], sink, Infinity);
    expect(sink.waits).toBe(3);
    expect(sink.lines.slice(4)).toEqual([
      'IRQ raise 2',
      'IRQ lower 2',
      'IRQ raise 2',
      'IRQ lower 2',
      'IRQ raise 2',
      'IRQ lower 2',
      'IRQ raise 2',
      'IRQ lower 2',
      'IRQ raise 2',
      'IRQ lower 2',
    ]);
    expect(s.platform.clock.now).toBe(499984); // the fifth match (the HPET counts in 16 ns ticks)
  });

  it("a large read/b64read reply goes out in pieces whose concatenation is exactly handle()'s reply", async () => {
    const sync = new QtestSession(createPlatform({ profile: 'xen-hvm' }));
    sync.handle('memset 0x100000 200000 0x5a');
    sync.handle('writel 0x100010 0x12345678');
    for (const cmd of ['read', 'b64read']) {
      const line = `${cmd} 0x100000 200000`;
      const expected = sync.handle(line)[0]! + '\n';
      const sink = new RecordingSink(Infinity);
      await sync.handleStreaming(line, sink);
      expect(sink.parts.length).toBe(1 + Math.ceil(200000 / (48 * 1024)) + 1);
      expect(sink.parts.join('')).toBe(expected);
    }
  });
});

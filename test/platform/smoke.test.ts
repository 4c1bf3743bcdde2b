import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { CollectingSink } from '../../src/devices/debugcon/debug-console.js';

describe('platform smoke', () => {
  it('debug console prints a line', () => {
    const sink = new CollectingSink();
    const p = createPlatform({ debugConsole: sink });
    for (const ch of 'hi\n') p.ports.write(0xe9, 1, ch.charCodeAt(0));
    expect(sink.lines).toEqual(['hi']);
    expect(p.ports.read(0x1234, 1)).toBe(0xff);
    expect(p.ports.read(0x21, 1)).toBe(0x00); // PIC IMR after reset
  });
});

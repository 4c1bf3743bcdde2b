import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/qtest/line-splitter.js';

const b = (s: string) => Buffer.from(s);

describe('LineSplitter', () => {
  it('splits on \\n only, joins lines across chunks, and returns an unterminated last line at the end', () => {
    const s = new LineSplitter(100);
    expect(s.push(b('inb 0x20\nout'))).toEqual(['inb 0x20']);
    expect(s.push(b('b 0x80 1\r\n\nreadl'))).toEqual(['outb 0x80 1\r', '']);
    expect(s.end()).toBe('readl');
    expect(s.end()).toBe(null);
  });

  it('a multi-byte character split between chunks decodes whole', () => {
    const s = new LineSplitter(100);
    const bytes = b('x é\n');
    expect(s.push(bytes.subarray(0, 3))).toEqual([]);
    expect(s.push(bytes.subarray(3))).toEqual(['x é']);
  });

  it('a line over the cap becomes its length only, wherever the chunks cut it; the next line is whole', () => {
    const s = new LineSplitter(10);
    expect(s.push(b('0123456789'))).toEqual([]); // exactly the cap: still a line
    expect(s.push(b('\n01234'))).toEqual(['0123456789']);
    expect(s.push(b('56789A'))).toEqual([]);
    expect(s.push(b('BC\nendianness\n'))).toEqual([{ overlong: 13 }, 'endianness']);
    expect(s.push(b('x'.repeat(25)))).toEqual([]);
    expect(s.end()).toEqual({ overlong: 25 });
  });
});

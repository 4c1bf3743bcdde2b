// The demo guest's image: a valid Multiboot a.out-kludge image whose every instruction decodes
// (32-bit until the switch to long mode, 64-bit after), whose branches land on instructions and
// whose IDT sends each vector to the handler meant for it.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildDemoGuest, DEMO_LOAD_ADDRESS, DEMO_VECTOR } from '../../../src/vmm/demo-guest/demo-guest.js';
import { loadMultiboot } from '../../../src/vmm/loaders/multiboot.js';

const iced = createRequire(import.meta.url)('iced-x86') as typeof import('iced-x86');
const g = buildDemoGuest();

describe('demo guest image', () => {
  it('loads as Multiboot: entry at "start", bss (page tables, stack) zeroed after the image', () => {
    const ram = new Uint8Array(4 * 1024 * 1024).fill(0xcc);
    const s = loadMultiboot(ram, g.image, { ramSize: ram.length, cmdline: 'demo' });
    expect(s).toEqual({ mode: 'protected32', rip: g.symbols.get('start'), regs: { eax: 0x2badb002, ebx: 0x9000 } });
    const end = g.symbols.get('end')!;
    expect(end % 4096).toBe(0);
    expect(ram.subarray(DEMO_LOAD_ADDRESS, DEMO_LOAD_ADDRESS + g.image.length)).toEqual(g.image);
    expect(ram.subarray(end, end + 0x8000).every((b) => b === 0)).toBe(true);
  });

  it('every instruction decodes, in the mode it runs in, to exactly the bytes up to the next one', () => {
    const long64 = g.symbols.get('long64')!;
    const starts = g.instructionStarts;
    const startSet = new Set(starts);
    const problems: string[] = [];
    const targets: number[] = [];
    for (let i = 0; i < starts.length; i++) {
      const at = starts[i]!;
      const bits = at < long64 ? 32 : 64;
      const next = i + 1 < starts.length ? starts[i + 1]! : g.dataStart;
      const dec = new iced.Decoder(bits, g.image.subarray(at - DEMO_LOAD_ADDRESS, next - DEMO_LOAD_ADDRESS + 15), iced.DecoderOptions.None);
      dec.ip = BigInt(at);
      const ins = dec.decode();
      if (ins.isInvalid || ins.length !== next - at)
        problems.push(`0x${at.toString(16)}: ${ins.isInvalid ? 'invalid' : `length ${ins.length}, expected ${next - at}`}`);
      if (ins.isIpRelMemoryOperand) problems.push(`0x${at.toString(16)}: RIP-relative operand`);
      const flow = ins.flowControl;
      if (flow === iced.FlowControl.UnconditionalBranch || flow === iced.FlowControl.ConditionalBranch || flow === iced.FlowControl.Call) {
        if (ins.op0Kind === iced.OpKind.NearBranch32 || ins.op0Kind === iced.OpKind.NearBranch64) targets.push(Number(ins.nearBranchTarget));
        if (ins.op0Kind === iced.OpKind.FarBranch32) targets.push(ins.farBranch32);
      }
      ins.free();
      dec.free();
    }
    expect(problems).toEqual([]);
    expect(targets.length).toBeGreaterThan(50);
    expect(targets.filter((t) => !startSet.has(t))).toEqual([]);
  });

  it('the IDT has a 64-bit interrupt gate per vector, each to its handler', () => {
    const idt = g.symbols.get('idt')! - DEMO_LOAD_ADDRESS;
    const dv = new DataView(g.image.buffer, g.image.byteOffset);
    const gate = (v: number) => {
      const lo = dv.getUint32(idt + 16 * v, true),
        hi = dv.getUint32(idt + 16 * v + 4, true);
      return { selector: lo >>> 16, type: (hi >>> 8) & 0xff, target: ((hi & 0xffff0000) | (lo & 0xffff)) >>> 0, upper: dv.getUint32(idt + 16 * v + 8, true) };
    };
    for (const [name, v] of Object.entries(DEMO_VECTOR)) {
      const want = name === 'SPURIOUS' ? g.symbols.get('isr_spurious') : g.symbols.get(`isr_${v.toString(16)}`);
      expect(gate(v), name).toEqual({ selector: 0x18, type: 0x8e, target: want, upper: 0 });
    }
    expect(gate(13).target).toBe(g.symbols.get('stub_13'));
    expect(gate(0x80).target).toBe(g.symbols.get('stub_128'));
    const starts = new Set(g.instructionStarts);
    for (let v = 0; v < 256; v++) expect(starts.has(gate(v).target), `vector ${v}`).toBe(true);
  });

  it('is built the same way every time', () => {
    expect(buildDemoGuest().image).toEqual(g.image);
  });
});

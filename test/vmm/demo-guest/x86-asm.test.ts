// The demo guest's assembler, checked against iced-x86's decoder: every form it emits decodes to
// the instruction it names, in the mode it was emitted for.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AsmError, X86Asm } from '../../../src/vmm/demo-guest/x86-asm.js';
import { CC, EAX, EBP, EBX, ECX, EDI, EDX, ESI, ESP, DS, SS } from '../../../src/vmm/demo-guest/x86-asm.js';

const iced = createRequire(import.meta.url)('iced-x86') as typeof import('iced-x86');

/** Disassembles `bytes` at `origin` in `bits`-bit mode (NASM syntax, lower case). */
function disasm(bytes: Uint8Array, origin: number, bits: 32 | 64): string[] {
  const dec = new iced.Decoder(bits, bytes, iced.DecoderOptions.None);
  dec.ip = BigInt(origin);
  const fmt = new iced.Formatter(iced.FormatterSyntax.Nasm);
  const out: string[] = [];
  while (dec.canDecode) {
    const ins = dec.decode();
    out.push(fmt.format(ins));
    ins.free();
  }
  fmt.free();
  dec.free();
  return out;
}

describe('X86Asm encodings', () => {
  it('32-bit forms', () => {
    const a = new X86Asm(0x1000);
    a.label('top').movImm(EAX, 0x12345678).mov(EBX, ECX).load(EDX, 0x2000).store(0x2004, ESI).loadAt(EAX, EBP, 8).storeAt(EDI, 0, EAX);
    a.storeImm(0x3000, 7).storeImmAt(EBX, 4, 9).movSreg(DS, EAX).aluImm('add', ECX, 1).aluImm('cmp', EAX, 0xffffffff).alu('sub', EAX, ECX);
    a.aluMemImm('or', 0x3000, 2).test(EAX, EAX).incMem(0x3000).shr(EAX, 4).shl(EBX, 8).rol(EAX, 4).mul(ECX).div(EDI);
    a.push(EAX).pop(EBX).pushImm(0x55).pushAll().popAll().jmp('top').jcc(CC.NE, 'top').call('top').ret().iret().farJmp(0x08, 'top');
    a.cli().sti().hlt().cld().pause().lodsb().lgdt(0x4000).lidt(0x4006).movToCr(3, EAX).movFromCr(EAX, 0).rdmsr().wrmsr();
    a.outDx(1).outDx(2).outDx(4).inDx(1).inDx(2).inDx(4).outImm(0x70, 1).inImm(0x71, 1).outImm(0xf4, 4).inImm(0x40, 4);
    expect(disasm(a.link(), 0x1000, 32)).toEqual([
      'mov eax,12345678h',
      'mov ebx,ecx',
      'mov edx,[2000h]',
      'mov [2004h],esi',
      'mov eax,[ebp+8]',
      'mov [edi],eax',
      'mov dword [3000h],7',
      'mov dword [ebx+4],9',
      'mov ds,eax',
      'add ecx,1',
      'cmp eax,0FFFFFFFFh',
      'sub eax,ecx',
      'or dword [3000h],2',
      'test eax,eax',
      'inc dword [3000h]',
      'shr eax,4',
      'shl ebx,8',
      'rol eax,4',
      'mul ecx',
      'div edi',
      'push eax',
      'pop ebx',
      'push 55h',
      'push eax',
      'push ecx',
      'push edx',
      'push ebx',
      'push ebp',
      'push esi',
      'push edi',
      'pop edi',
      'pop esi',
      'pop ebp',
      'pop ebx',
      'pop edx',
      'pop ecx',
      'pop eax',
      'jmp 00001000h',
      'jne near 00001000h',
      'call 00001000h',
      'ret',
      'iret',
      'jmp 8:00001000h',
      'cli',
      'sti',
      'hlt',
      'cld',
      'pause',
      'lodsb',
      'lgdt [4000h]',
      'lidt [4006h]',
      'mov cr3,eax',
      'mov eax,cr0',
      'rdmsr',
      'wrmsr',
      'out dx,al',
      'out dx,ax',
      'out dx,eax',
      'in al,dx',
      'in ax,dx',
      'in eax,dx',
      'out 70h,al',
      'in al,71h',
      'out 0F4h,eax',
      'in eax,40h',
    ]);
  });

  it('64-bit mode: absolute operands stay absolute (not RIP-relative), IRET is IRETQ, pushes are 64-bit', () => {
    const a = new X86Asm(0x100000).mode(64);
    a.load(EAX, 0x2000).storeImm('v', 1).push(EAX).iret().lidt('v').loadAt(EAX, EBP, 0).label('v').dd(0);
    expect(disasm(a.link(), 0x100000, 64).slice(0, 6)).toEqual([
      'mov eax,[2000h]',
      'mov dword [100023h],1',
      'push rax',
      'iretq',
      'lidt [100023h]',
      'mov eax,[rbp]',
    ]);
  });

  it('refuses what it cannot encode, with a typed error', () => {
    expect(() => new X86Asm(0).mode(64).farJmp(8, 'x')).toThrow(AsmError);
    expect(() => new X86Asm(0).mode(64).load(EAX, 0xfee00000)).toThrow(/sign-extended/);
    expect(() => new X86Asm(0).loadAt(EAX, ESP, 0)).toThrow(/SIB/);
    expect(() => new X86Asm(0).outImm(0x3f8, 1)).toThrow(/0–0xFF/);
    expect(() => new X86Asm(0).jmp('nowhere').link()).toThrow(/not defined/);
    expect(() => new X86Asm(0).label('x').label('x')).toThrow(/twice/);
    expect(() => new X86Asm(0).mode(64).movSreg(SS, EAX).link()).not.toThrow();
  });
});

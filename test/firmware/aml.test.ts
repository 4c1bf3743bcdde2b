// The AML writer's encodings against ACPI 6.x §20.2 (PkgLength, NameString, integers, strings,
// EISAID) and §6.4 (resource descriptors), with exact bytes.
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../../src/firmware/errors.js';
import { pkgLength, integer, nameString, nameSeg, string, eisaIdValue } from '../../src/firmware/aml/encoding.js';
import { eisaId, name, methodReturning, pkg, device } from '../../src/firmware/aml/terms.js';
import { io, irqNoFlags, memory32Fixed, resourceTemplate, wordBusNumber, wordIo, dwordMemory, qwordMemory } from '../../src/firmware/aml/resources.js';

describe('AML primitives', () => {
  it('PkgLength: one byte up to 63 in all, then 2 bytes (low nibble + byte), 3 and 4 bytes', () => {
    expect(pkgLength(62)).toEqual([63]);
    expect(pkgLength(63)).toEqual([0x41, 0x04]); // 63 + 2 = 65 = 0x41
    expect(pkgLength(0xffd)).toEqual([0x4f, 0xff]); // 0xFFF, the largest 2-byte length
    expect(pkgLength(0xffe)).toEqual([0x81, 0x00, 0x01]); // 0x1001
    expect(pkgLength(0xffffc)).toEqual([0x8f, 0xff, 0xff]); // 0xFFFFF, the largest 3-byte length
    expect(pkgLength(0xffffd)).toEqual([0xc1, 0x00, 0x00, 0x01]); // 0x100001
  });

  it('integers take the shortest encoding: Zero, One, Byte, Word, DWord, QWord', () => {
    expect(integer(0)).toEqual([0x00]);
    expect(integer(1)).toEqual([0x01]);
    expect(integer(2)).toEqual([0x0a, 0x02]);
    expect(integer(0x100)).toEqual([0x0b, 0x00, 0x01]);
    expect(integer(0x1ffff)).toEqual([0x0c, 0xff, 0xff, 0x01, 0x00]);
    expect(integer(0x1_0000_0000n)).toEqual([0x0e, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(() => integer(-1)).toThrow(FirmwareError);
  });

  it('names: padded segments, root and parent prefixes, dual and multi name paths', () => {
    expect(nameString('RTC')).toEqual([0x52, 0x54, 0x43, 0x5f]);
    expect(nameString('\\_SB')).toEqual([0x5c, 0x5f, 0x53, 0x42, 0x5f]);
    expect(nameString('^PCI0')).toEqual([0x5e, 0x50, 0x43, 0x49, 0x30]);
    expect(nameString('_SB.PCI0')).toEqual([0x2e, ...nameSeg('_SB'), ...nameSeg('PCI0')]);
    expect(nameString('\\_SB.PCI0.ISA')).toEqual([0x5c, 0x2f, 3, ...nameSeg('_SB'), ...nameSeg('PCI0'), ...nameSeg('ISA')]);
    expect(() => nameSeg('0ABC')).toThrow(/must be 1–4/);
  });

  it('strings and EISAID("PNP0A03") = 0x030AD041 as a DWord constant', () => {
    expect(string('AB')).toEqual([0x0d, 0x41, 0x42, 0x00]);
    expect(eisaIdValue('PNP0A03')).toBe(0x030ad041);
    expect(eisaId('PNP0B00').bytes).toEqual([0x0c, 0x41, 0xd0, 0x0b, 0x00]);
    expect(() => eisaId('pnp0a03')).toThrow(FirmwareError);
  });

  it('Device/Name/Method/Package terms', () => {
    expect(name('_UID', 1).bytes).toEqual([0x08, 0x5f, 0x55, 0x49, 0x44, 0x01]);
    expect(methodReturning('_STA', 0, 0x0f).bytes).toEqual([0x14, 0x09, 0x5f, 0x53, 0x54, 0x41, 0x00, 0xa4, 0x0a, 0x0f]);
    expect(pkg(7, 7, 0, 0).bytes).toEqual([0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x07, 0x00, 0x00]);
    expect(device('HPET').bytes).toEqual([0x5b, 0x82, 0x05, 0x48, 0x50, 0x45, 0x54]);
  });
});

describe('resource descriptors', () => {
  it('IO, IRQNoFlags, Memory32Fixed and the EndTag', () => {
    expect(io(0x3f8, 0x3f8, 1, 8)).toEqual([0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08]);
    expect(irqNoFlags(4)).toEqual([0x22, 0x10, 0x00]);
    expect(memory32Fixed(false, 0xfed00000, 0x400)).toEqual([0x86, 0x09, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xfe, 0x00, 0x04, 0x00, 0x00]);
    expect(resourceTemplate(irqNoFlags(8)).bytes).toEqual([0x11, 0x08, 0x0a, 0x05, 0x22, 0x00, 0x01, 0x79, 0x00]);
  });

  it('WordBusNumber, WordIO, DWordMemory, QWordMemory: producer, fixed min/max, lengths', () => {
    expect(wordBusNumber(0, 0xff)).toEqual([0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0x00, 0x00, 0xff, 0x00, 0, 0, 0x00, 0x01]);
    expect(wordIo(0x0d00, 0xffff)).toEqual([0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0x00, 0x0d, 0xff, 0xff, 0, 0, 0x00, 0xf3]);
    const d = dwordMemory(0xa0000, 0xbffff);
    expect(d.slice(0, 6)).toEqual([0x87, 0x17, 0x00, 0x00, 0x0c, 0x03]);
    expect(d.length).toBe(26);
    expect(qwordMemory(0x8_0000_0000, 0xf_ffff_ffff).length).toBe(46);
    expect(() => irqNoFlags(16)).toThrow(FirmwareError);
  });
});

// Resource descriptors for _CRS/_PRS buffers (ACPI 6.x §6.4), and ResourceTemplate, which ends
// them with an EndTag and wraps them in a Buffer.
import { ByteWriter } from '../byte-writer.js';
import { FirmwareError } from '../errors.js';
import { buffer } from './terms.js';
import type { AmlTerm } from './encoding.js';

/** One encoded resource descriptor (bytes) for a ResourceTemplate. */
export type ResourceDescriptor = readonly number[];

/** General flags of address space descriptors: producer, MinFixed, MaxFixed, positive decode (§6.4.3.5.*). */
const PRODUCER_FIXED = 0x0c;

function checkIrqs(irqs: readonly number[]): number {
  let mask = 0;
  for (const i of irqs) {
    if (!Number.isInteger(i) || i < 0 || i > 15) throw new FirmwareError(`ISA IRQ ${i} in a resource template must be 0–15`);
    mask |= 1 << i;
  }
  return mask;
}

/** IO(Decode16, min, max, align, length) — small item 0x47 (§6.4.2.5). */
export function io(min: number, max: number, align: number, length: number): ResourceDescriptor {
  return new ByteWriter().u8(0x47).u8(0x01).u16(min).u16(max).u8(align).u8(length).toArray();
}

/** IRQNoFlags(){irqs} — small item 0x22: edge, active high, exclusive (§6.4.2.1). */
export function irqNoFlags(...irqs: number[]): ResourceDescriptor {
  return new ByteWriter().u8(0x22).u16(checkIrqs(irqs)).toArray();
}

/** IRQ(Level, ActiveHigh, Shared){irqs} — small item 0x23 with its flags byte (a PCI link's IRQs). */
export function irqLevelHighShared(...irqs: number[]): ResourceDescriptor {
  // Flags: bit 0 _HE = 0 (level), bit 3 _LL = 0 (active high), bit 4 _SHR = 1.
  return new ByteWriter().u8(0x23).u16(checkIrqs(irqs)).u8(0x10).toArray();
}

/** Memory32Fixed(ReadWrite|ReadOnly, base, length) — large item 0x86 (§6.4.3.4). */
export function memory32Fixed(writable: boolean, base: number, length: number): ResourceDescriptor {
  return new ByteWriter()
    .u8(0x86)
    .u16(9)
    .u8(writable ? 1 : 0)
    .u32(base)
    .u32(length)
    .toArray();
}

function wordAddress(type: number, typeFlags: number, min: number, max: number): ResourceDescriptor {
  if (max < min || max > 0xffff) throw new FirmwareError(`Word address range 0x${min.toString(16)}–0x${max.toString(16)} is empty or above 0xFFFF`);
  return new ByteWriter()
    .u8(0x88)
    .u16(13)
    .u8(type)
    .u8(PRODUCER_FIXED)
    .u8(typeFlags)
    .u16(0)
    .u16(min)
    .u16(max)
    .u16(0)
    .u16(max - min + 1)
    .toArray();
}

/** WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, count) (§6.4.3.5.3). */
export function wordBusNumber(min: number, max: number): ResourceDescriptor {
  return wordAddress(2, 0, min, max);
}

/** WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, length). */
export function wordIo(min: number, max: number): ResourceDescriptor {
  return wordAddress(1, 0x03, min, max);
}

/** DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, 0, min, max, 0, length) (§6.4.3.5.2). */
export function dwordMemory(min: number, max: number): ResourceDescriptor {
  if (max < min || max > 0xffffffff) throw new FirmwareError(`DWord memory range 0x${min.toString(16)}–0x${max.toString(16)} is empty or above 4 GiB`);
  // Type-specific flags: _RW = 1 (read-write), _MEM = 1 (cacheable).
  return new ByteWriter()
    .u8(0x87)
    .u16(23)
    .u8(0)
    .u8(PRODUCER_FIXED)
    .u8(0x03)
    .u32(0)
    .u32(min)
    .u32(max)
    .u32(0)
    .u32(max - min + 1)
    .toArray();
}

/** QWordMemory(... Cacheable, ReadWrite, 0, min, max, 0, length) (§6.4.3.5.1). */
export function qwordMemory(min: number, max: number): ResourceDescriptor {
  if (max < min || !Number.isSafeInteger(max))
    throw new FirmwareError(`QWord memory range 0x${min.toString(16)}–0x${max.toString(16)} is empty or beyond 2^53`);
  return new ByteWriter()
    .u8(0x8a)
    .u16(43)
    .u8(0)
    .u8(PRODUCER_FIXED)
    .u8(0x03)
    .u64(0)
    .u64(min)
    .u64(max)
    .u64(0)
    .u64(max - min + 1)
    .toArray();
}

/** ResourceTemplate(){ descriptors } — a Buffer ending with the EndTag 0x79 (checksum 0: "treat as correct"). */
export function resourceTemplate(...descriptors: ResourceDescriptor[]): AmlTerm {
  return buffer([...descriptors.flatMap((d) => [...d]), 0x79, 0x00]);
}

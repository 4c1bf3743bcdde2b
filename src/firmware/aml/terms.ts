// The AML terms the generated DSDT needs (ACPI 6.x §20.2.5): Scope, Device, Name, Method returning a
// constant, Package, Buffer, EISAID and name references. Each returns an AmlTerm (encoded bytes).
import { AmlTerm, eisaIdValue, nameString, valueBytes, withPkgLength, integer, type AmlValue } from './encoding.js';
import { FirmwareError } from '../errors.js';

const flat = (terms: readonly AmlTerm[]): number[] => terms.flatMap((t) => [...t.bytes]);

/** Scope(name) { terms } — ScopeOp 0x10. */
export function scope(name: string, ...terms: AmlTerm[]): AmlTerm {
  return new AmlTerm(withPkgLength([0x10], [...nameString(name), ...flat(terms)]));
}

/** Device(name) { terms } — ExtOpPrefix 0x5B, DeviceOp 0x82. */
export function device(name: string, ...terms: AmlTerm[]): AmlTerm {
  return new AmlTerm(withPkgLength([0x5b, 0x82], [...nameString(name), ...flat(terms)]));
}

/** Name(name, value) — NameOp 0x08. */
export function name(path: string, value: AmlValue): AmlTerm {
  return new AmlTerm([0x08, ...nameString(path), ...valueBytes(value)]);
}

/** Method(name, args, NotSerialized) { Return(value) } — MethodOp 0x14, ReturnOp 0xA4. */
export function methodReturning(path: string, args: number, value: AmlValue): AmlTerm {
  return method(path, args, new AmlTerm([0xa4, ...valueBytes(value)]));
}

/** Method(name, args, NotSerialized) { terms } (an empty body is a no-op method such as _SRS). */
export function method(path: string, args: number, ...body: AmlTerm[]): AmlTerm {
  if (!Number.isInteger(args) || args < 0 || args > 7) throw new FirmwareError(`AML method ${path}: ${args} arguments (0–7)`);
  return new AmlTerm(withPkgLength([0x14], [...nameString(path), args, ...flat(body)]));
}

/** Package(){ elements } — PackageOp 0x12 with NumElements as one byte. */
export function pkg(...elements: AmlValue[]): AmlTerm {
  if (elements.length > 255) throw new FirmwareError(`AML package of ${elements.length} elements: at most 255 (VarPackage is not needed here)`);
  return new AmlTerm(withPkgLength([0x12], [elements.length, ...elements.flatMap((e) => [...valueBytes(e)])]));
}

/** Buffer(){ bytes } — BufferOp 0x11, BufferSize as the shortest integer. */
export function buffer(bytes: readonly number[]): AmlTerm {
  return new AmlTerm(withPkgLength([0x11], [...integer(bytes.length), ...bytes]));
}

/** EISAID("PNP0A03") as iasl encodes it: always a DWord constant. */
export function eisaId(id: string): AmlTerm {
  const v = eisaIdValue(id);
  return new AmlTerm([0x0c, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
}

/** A reference to a named object (a package element such as a _PRT link source). */
export function nameRef(path: string): AmlTerm {
  return new AmlTerm(nameString(path));
}

/** A DefinitionBlock's body: the terms one after another. */
export function termList(...terms: AmlTerm[]): number[] {
  return flat(terms);
}

/**
 * The AML (ACPI Machine Language) writer behind the DSDT: primitive encodings, terms (Scope, Device,
 * Name, Method, ...) and resource descriptors. Exported from the package as the `aml` namespace.
 * @module
 */
export { AmlTerm, type AmlValue, eisaIdValue, integer, nameSeg, nameString, pkgLength, string, valueBytes, withPkgLength } from './encoding.js';
export { buffer, device, eisaId, method, methodReturning, name, nameRef, pkg, scope, termList } from './terms.js';
export {
  dwordMemory,
  io,
  irqLevelHighShared,
  irqNoFlags,
  memory32Fixed,
  qwordMemory,
  type ResourceDescriptor,
  resourceTemplate,
  wordBusNumber,
  wordIo,
} from './resources.js';

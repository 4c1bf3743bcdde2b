/**
 * The AML (ACPI Machine Language) writer behind the DSDT: primitive encodings, terms (Scope, Device,
 * Name, Method, ...) and resource descriptors. Exported from the package as the `aml` namespace.
 * @module
 */
export * from './encoding.js';
export * from './terms.js';
export * from './resources.js';

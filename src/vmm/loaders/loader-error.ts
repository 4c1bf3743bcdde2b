// Why an image cannot be loaded: a host error (the image or the options are wrong), never a guest one.
import { HvmdevError } from '../../errors/hvmdev-error.js';

export type LoaderProblem =
  /** The file ends before a structure it declares (header, program headers, a segment). */
  | 'truncated'
  /** No Multiboot header (magic 0x1BADB002 with a valid checksum) in the first 8192 bytes. */
  | 'no-header'
  /** A header or ELF field that is inconsistent or that this loader does not support. */
  | 'unsupported'
  /** A segment, module or the image itself lies outside usable guest RAM. */
  | 'outside-ram'
  /** A segment overlaps the Multiboot information area the loader writes. */
  | 'overlaps-info'
  /** An option (RAM size, address, command line) is out of range. */
  | 'bad-option';

export class LoaderError extends HvmdevError {
  constructor(
    readonly problem: LoaderProblem,
    message: string,
  ) {
    super(message);
  }
}

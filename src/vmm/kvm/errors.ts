// Host errors of the KVM boundary: each names the problem and the fix. Guest behaviour never
// raises these; they are for a host that cannot run a VM or a VMM bug the kernel refused.
import { HvmdevError } from '../../errors/hvmdev-error.js';

/** A VM cannot be started on this host (no koffi, no /dev/kvm, no permission, unsupported KVM). */
export class KvmUnavailableError extends HvmdevError {
  constructor(
    readonly reason: 'no-ffi' | 'no-device' | 'no-permission' | 'unsupported' | 'not-linux',
    detail: string,
  ) {
    super(detail);
  }
}

/** An ioctl or system call failed. */
export class KvmCallError extends HvmdevError {
  constructor(
    readonly call: string,
    readonly errno: number,
    fix = '',
  ) {
    super(`${call} failed: ${errnoName(errno)} (errno ${errno})${fix ? `; ${fix}` : ''}`);
  }
}

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  4: 'EINTR',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  24: 'EMFILE',
  25: 'ENOTTY',
  95: 'EOPNOTSUPP',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

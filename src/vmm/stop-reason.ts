// Why a VM stopped, and the exit status `hvmdev run` gives for it. isa-debug-exit statuses are
// QEMU's ((code << 1) | 1, always odd); every other reason has its own even status.

export type StopReason =
  | { readonly kind: 'debug-exit'; readonly code: number }
  | { readonly kind: 'power-off' }
  | { readonly kind: 'triple-fault'; readonly vcpu: number }
  | { readonly kind: 'reset'; readonly vcpu: number }
  | { readonly kind: 'guest-error'; readonly vcpu: number; readonly detail: string }
  | { readonly kind: 'timeout'; readonly seconds: number }
  /** The guest's serial output contained the host's `--stop-at` marker. */
  | { readonly kind: 'marker'; readonly marker: string }
  | { readonly kind: 'host-error'; readonly detail: string };

/** Exit statuses of `hvmdev run` (docs/vmm.md lists them). */
export const RUN_STATUS = Object.freeze({
  powerOff: 0,
  usage: 2,
  tripleFault: 4,
  reset: 6,
  guestError: 8,
  marker: 10,
  hostError: 120,
  timeout: 124,
  kvmUnavailable: 126,
});

export function exitStatus(r: StopReason): number {
  switch (r.kind) {
    case 'debug-exit':
      return ((r.code << 1) | 1) & 0xff;
    case 'power-off':
      return RUN_STATUS.powerOff;
    case 'triple-fault':
      return RUN_STATUS.tripleFault;
    case 'reset':
      return RUN_STATUS.reset;
    case 'guest-error':
      return RUN_STATUS.guestError;
    case 'timeout':
      return RUN_STATUS.timeout;
    case 'marker':
      return RUN_STATUS.marker;
    case 'host-error':
      return RUN_STATUS.hostError;
  }
}

/** One line saying why the VM stopped. */
export function describeStop(r: StopReason): string {
  switch (r.kind) {
    case 'debug-exit':
      return `guest wrote ${r.code} to isa-debug-exit (status ${exitStatus(r)})`;
    case 'power-off':
      return 'guest powered off (ACPI SLP_EN)';
    case 'triple-fault':
      return `vCPU ${r.vcpu} triple-faulted (KVM shutdown exit)`;
    case 'reset':
      return `the guest requested a reset (--no-reboot)`;
    case 'guest-error':
      return `vCPU ${r.vcpu}: ${r.detail}`;
    case 'timeout':
      return `timed out after ${r.seconds} s`;
    case 'marker':
      return `stopped at ${JSON.stringify(r.marker)} in the serial output (--stop-at)`;
    case 'host-error':
      return `host error: ${r.detail}`;
  }
}

// hvmdev's qtest commands beyond QEMU's (documented in docs/qtest.md). Installed on every session
// the CLI serves. The interrupt-controller commands (vcpu, rdmsr, wrmsr, inta) arrive with the LAPIC.
import type { QtestSession } from './session.js';

export function installExtensions(session: QtestSession): void {
  session.registerCommand('vcpu', (args, s) => {
    const n = args.length === 1 && /^\d+$/.test(args[0]!) ? Number(args[0]) : -1;
    return s.selectVcpu(n) ? 'OK' : `FAIL no vCPU ${args[0] ?? ''} (this platform has ${s.platform.vcpus.length})`;
  });
}

// hvmdev's qtest commands beyond QEMU's (documented in docs/qtest.md). QEMU's qtest has no current
// vCPU, so its LAPIC cannot be reached; these make the whole interrupt path scriptable:
//   vcpu N            → OK | FAIL      select the vCPU whose context accesses carry
//   rdmsr MSR         → OK 0x%016x | FAIL #GP
//   wrmsr MSR VALUE   → OK | FAIL #GP
//   inta              → OK 0x%02x | OK none   (the current vCPU's LAPIC delivers a vector, moves it to ISR)
import type { Lapic } from '../devices/lapic/lapic.js';
import { echoWord } from './echo.js';
import { hex16, parseU64 } from './numbers.js';
import type { QtestSession } from './session.js';

function currentLapic(s: QtestSession): Lapic | null {
  return (s.platform.vcpus[s.vcpu]?.devices.get('lapic') as Lapic | undefined) ?? null;
}

/**
 * Adds hvmdev's commands beyond QEMU's to a session: `vcpu N` (select the vCPU accesses come from),
 * `rdmsr MSR` / `wrmsr MSR VALUE` (the selected vCPU's LAPIC MSRs; `FAIL #GP` where a CPU would
 * fault) and `inta` (the selected LAPIC's interrupt acknowledge). The CLI always installs them.
 */
export function installExtensions(session: QtestSession): void {
  session.registerCommand('vcpu', (args, s) => {
    const n = args.length >= 1 && /^\d+$/.test(args[0]!) ? Number(args[0]) : -1;
    return s.selectVcpu(n) ? 'OK' : `FAIL no vCPU ${echoWord(args[0] ?? '')} (this platform has ${s.platform.vcpus.length})`;
  });
  session.registerCommand('rdmsr', (args, s) => {
    const msr = parseU64(args[0]);
    if (msr === null || msr > 0xffffffffn) return 'FAIL rdmsr: expected rdmsr MSR';
    const lapic = currentLapic(s);
    const r = lapic?.readMsr(Number(msr));
    return r?.kind === 'ok' ? 'OK ' + hex16(r.value) : 'FAIL #GP';
  });
  session.registerCommand('wrmsr', (args, s) => {
    const msr = parseU64(args[0]);
    const value = parseU64(args[1]);
    if (msr === null || value === null || msr > 0xffffffffn) return 'FAIL wrmsr: expected wrmsr MSR VALUE';
    const r = currentLapic(s)?.writeMsr(Number(msr), value);
    return r?.kind === 'ok' ? 'OK' : 'FAIL #GP';
  });
  // Words after a command's arguments are ignored, as QEMU does for its own commands.
  session.registerCommand('inta', (_args, s) => {
    const lapic = currentLapic(s);
    if (lapic === null) return 'OK none';
    const v = lapic.acknowledge();
    return v === null ? 'OK none' : 'OK 0x' + v.toString(16).padStart(2, '0');
  });
}

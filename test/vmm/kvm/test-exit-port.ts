// The tests' own exit: a write to port 0xF4 (any width up to 4) stops the VM with that value as
// the debug-exit code, so a hand-assembled guest ends with `out 0xf4, eax`.
import type { Vm } from '../../../src/vmm/vm.js';

export function stopOnPortF4(vm: Vm): void {
  vm.platform.ports.register(
    0xf4,
    4,
    { read: () => 0xffffffff, write: (_o, _s, value) => vm.stop({ kind: 'debug-exit', code: value }) },
    { owner: 'test-exit' },
  );
}

// When the host KVM opens an interrupt window, checked on the host the suite runs on. An interrupt
// that arrives while IF = 0 must be taken at the first instruction boundary where IF = 1 and no
// STI shadow blocks it (SDM Vol. 3A §6.8.3): after `sti; nop`, before the `cli`. The VMM asks for
// that window (request_interrupt_window) and injects at KVM_EXIT_IRQ_WINDOW_OPEN. On VMX/SVM the
// guest takes it exactly there. PVM (this project's machines) emulates guest ring 0 and looks at
// pending events only at exits and between batches of about 1,024 emulated instructions
// (docs/vmm.md, "Known failures outside hvmdev"): the window is missed, and an interrupt pending
// while IF = 1 comes within one batch; so does an NMI that an IRET unblocks (VMX/SVM: at once,
// NMI-window exiting). These are the host behaviours behind kvm-unit-tests'
// PVM host failures (ioapic simultaneous edge, eventinj vec 32/33, vec 32/int $33, NMI): if a PVM
// host ever opens the window, this test fails and those entries must go.
import { afterEach, describe, expect, it } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import { detectHostKind } from '../../../src/vmm/kvm/host-kind.js';
import { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { stopOnPortF4 } from './test-exit-port.js';

announceKvmSkip('KVM interrupt-window test');

const CODE = 0x1000,
  HANDLER_AT = 0x1800,
  RESULT = 0x2000,
  VECTOR = 0x40,
  ROUNDS = 20,
  SPIN = 2000;
/** Where the guest of the first case executes its `cli` after `sti; nop` (the window's end). */
const WINDOW_CLI = CODE + 9;

/** Real mode: ROUNDS times an interrupt raised with IF = 0, then `sti; nop; cli`; reports the hits. */
const WINDOW_GUEST = [
  0xfa, //             cli
  0xb9,
  ROUNDS,
  0x00, //       mov cx, ROUNDS
  0xe6,
  0xf8, //       round: out 0xf8, al   (the test's device raises VECTOR: pending with IF = 0)
  0xfb, //             sti
  0x90, //             nop               (the STI shadow)
  0x90, //             nop               (IF = 1, no shadow: the interrupt is taken before this one)
  0xfa, //             cli               (WINDOW_CLI)
  0xe2,
  0xf8, //       loop round
  0xa1,
  RESULT & 0xff,
  RESULT >>> 8, // mov ax, [RESULT]
  0xe7,
  0xf4, //       out 0xf4, ax
  0xf4, //             hlt
];
/** Vector VECTOR for the first case: counts the interrupts taken at WINDOW_CLI's predecessor boundary. */
const WINDOW_HANDLER = [
  0x55, //             push bp
  0x89,
  0xe5, //       mov bp, sp
  0x81,
  0x7e,
  0x02,
  (WINDOW_CLI - 1) & 0xff,
  (WINDOW_CLI - 1) >>> 8, // cmp word [bp+2], WINDOW_CLI - 1   (the frame's IP: the second nop)
  0x75,
  0x04, //       jne +4
  0xff,
  0x06,
  RESULT & 0xff,
  RESULT >>> 8, // inc word [RESULT]
  0xe6,
  0xf9, //       out 0xf9, al      (the test's device writes the LAPIC's EOI)
  0x5d, //             pop bp
  0xcf, //             iret
];

/** Real mode: raise VECTOR with IF = 0, `sti`, then SPIN iterations of `loop` with no exit; reports CX at the interrupt. */
const SPIN_GUEST = [
  0xfa, //             cli
  0xe6,
  0xf8, //       out 0xf8, al      (pending with IF = 0)
  0xfb, //             sti
  0xb9,
  SPIN & 0xff,
  SPIN >>> 8, // mov cx, SPIN      (in the STI shadow: the interrupt is taken after it)
  0xe2,
  0xfe, //       spin: loop spin
  0xfa, //             cli
  0xa1,
  RESULT & 0xff,
  RESULT >>> 8, // mov ax, [RESULT]
  0xe7,
  0xf4, //       out 0xf4, ax
  0xf4, //             hlt
];
/** Vector VECTOR for the second case: records CX (the loop iterations still to run) once. */
const SPIN_HANDLER = [
  0x89,
  0x0e,
  RESULT & 0xff,
  RESULT >>> 8, // mov [RESULT], cx
  0xe6,
  0xf9, //       out 0xf9, al      (EOI)
  0xcf, //             iret
];

/** Where the NMI guest's code continues after the first NMI handler's IRET, and its spin loop. */
const AFTER_IRET = CODE + 6,
  NMI_LOOP = CODE + 9,
  NMI_HANDLER_AT = 0x1800,
  NESTED_HANDLER_AT = 0x1900,
  CX_BEFORE = 0xbeef;
/**
 * Real mode: an NMI, whose handler sends a second one while NMIs are blocked and returns; then
 * SPIN iterations of `loop`. Reports (frame IP << 16) | CX where the second NMI was taken.
 */
const NMI_GUEST = [
  0xfa, //             cli
  0xb9,
  CX_BEFORE & 0xff,
  CX_BEFORE >>> 8, // mov cx, 0xBEEF
  0xe6,
  0xfa, //       out 0xfa, al      (the test's device sends NMI 1)
  0xb9,
  SPIN & 0xff,
  SPIN >>> 8, // mov cx, SPIN      (AFTER_IRET)
  0xe2,
  0xfe, //       spin: loop spin   (NMI_LOOP)
  0x66,
  0xa1,
  RESULT & 0xff,
  RESULT >>> 8, // mov eax, [RESULT]
  0x66,
  0xe7,
  0xf4, //       out 0xf4, eax
  0xf4, //             hlt
];
/** NMI 1: points IVT entry 2 at the nested handler, sends NMI 2 (NMIs are blocked until the IRET), returns. */
const NMI_HANDLER = [
  0xc7,
  0x06,
  0x08,
  0x00,
  NESTED_HANDLER_AT & 0xff,
  NESTED_HANDLER_AT >>> 8, // mov word [2 * 4], NESTED_HANDLER_AT
  0xe6,
  0xfa, //       out 0xfa, al      (NMI 2)
  0xcf, //             iret              (unblocks NMIs: NMI 2 is taken before the next instruction)
];
/** NMI 2: RESULT = CX, RESULT + 2 = the IP it interrupted. */
const NESTED_HANDLER = [
  0x55, //             push bp
  0x89,
  0xe5, //       mov bp, sp
  0x8b,
  0x46,
  0x02, //       mov ax, [bp+2]
  0xa3,
  (RESULT + 2) & 0xff,
  (RESULT + 2) >>> 8, // mov [RESULT + 2], ax
  0x89,
  0x0e,
  RESULT & 0xff,
  RESULT >>> 8, // mov [RESULT], cx
  0x5d, //             pop bp
  0xcf, //             iret
];

const onPvm = KVM_SKIP_REASON === null && detectHostKind() === 'pvm';

/** qemu-pc, 4 MiB, the guest and handler loaded; port 0xF8 raises VECTOR (fixed, edge), 0xF9 is EOI. */
function createVm(guest: readonly number[], handler: readonly number[], result: number): { vm: Vm; raised: () => number } {
  const vm = Vm.create({ profile: 'qemu-pc', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 10 });
  stopOnPortF4(vm);
  const ctx = accessContext(0);
  const lapic = vm.vcpus[0]!.lapic;
  vm.platform.mmio.write(0xfee000f0, 4, 0x1ff, ctx); // SVR: the LAPIC software-enabled
  // No firmware programs the 8259s: masked, so the 8254's reset-state ticks do not come in as vector 0.
  vm.platform.ports.write(0x21, 1, 0xff, ctx);
  vm.platform.ports.write(0xa1, 1, 0xff, ctx);
  let raised = 0;
  vm.platform.ports.register(
    0xf8,
    2,
    {
      read: () => 0xff,
      write: (offset) => {
        if (offset === 0) {
          raised++;
          lapic.receive(0, VECTOR, false, true);
        } else {
          vm.platform.mmio.write(0xfee000b0, 4, 0, ctx);
        }
      },
    },
    { owner: 'test-interrupt' },
  );
  const mem = new DataView(vm.ram.buffer, vm.ram.byteOffset);
  vm.ram.set(guest, CODE);
  vm.ram.set(handler, HANDLER_AT);
  mem.setUint16(VECTOR * 4, HANDLER_AT, true); // IVT: offset, segment 0
  mem.setUint16(VECTOR * 4 + 2, 0, true);
  mem.setUint16(RESULT, result, true);
  vm.setBootState({ mode: 'real16', rip: CODE, regs: {} });
  return { vm, raised: () => raised };
}

describe.skipIf(KVM_SKIP_REASON !== null)('the interrupt window on this host', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it(`an interrupt raised with IF = 0 is taken after "sti; nop" ${onPvm ? '(PVM: not there: the host looks between its batches)' : '(every time)'}`, async () => {
    const g = createVm(WINDOW_GUEST, WINDOW_HANDLER, 0);
    vm = g.vm;
    const r = await g.vm.run();
    expect(g.raised()).toBe(ROUNDS);
    if (r.kind !== 'debug-exit') throw new Error(`the guest did not finish: ${JSON.stringify(r)}`);
    if (onPvm) {
      // A kick or a host preemption that lands inside the two-instruction window ends the host's
      // batch there, so an occasional hit is possible; a host that opened windows would hit ROUNDS.
      expect(r.code).toBeLessThan(ROUNDS / 2);
    } else {
      expect(r.code).toBe(ROUNDS);
    }
  });

  it(`an interrupt pending while IF = 1 is taken ${onPvm ? 'within one batch of the host (~1,024 emulated instructions)' : 'at once'}`, async () => {
    const g = createVm(SPIN_GUEST, SPIN_HANDLER, 0xffff);
    vm = g.vm;
    const r = await g.vm.run();
    expect(g.raised()).toBe(1);
    if (r.kind !== 'debug-exit') throw new Error(`the guest did not finish: ${JSON.stringify(r)}`);
    // CX when the handler ran: SPIN means right after `mov cx` (the STI shadow's end).
    const lateBy = SPIN - r.code;
    if (onPvm) {
      // Measured (Intel host, 2026-12-08): CX 978 in 4 of 5 runs, i.e. sti, mov and 1,022 iterations,
      // 1,024 instructions after the OUT's exit, then one KVM_EXIT_IRQ_WINDOW_OPEN; 1,241 in the
      // fifth (a kick or a preemption ends a batch sooner, never later).
      expect(lateBy).toBeGreaterThan(0);
      expect(lateBy).toBeLessThanOrEqual(1100);
    } else {
      expect(lateBy).toBe(0);
    }
  });

  it(`an NMI sent while NMIs are blocked is taken right after the IRET ${onPvm ? '(PVM: not there: the host looks between its batches)' : ''}`, async () => {
    const v = Vm.create({ profile: 'qemu-pc', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 10 });
    vm = v;
    stopOnPortF4(v);
    const lapic = v.vcpus[0]!.lapic;
    let sent = 0;
    v.platform.ports.register(
      0xfa,
      1,
      {
        read: () => 0xff,
        write: () => {
          sent++;
          lapic.receive(4, 0, false, true); // delivery mode NMI
        },
      },
      { owner: 'test-nmi' },
    );
    const mem = new DataView(v.ram.buffer, v.ram.byteOffset);
    v.ram.set(NMI_GUEST, CODE);
    v.ram.set(NMI_HANDLER, NMI_HANDLER_AT);
    v.ram.set(NESTED_HANDLER, NESTED_HANDLER_AT);
    mem.setUint16(2 * 4, NMI_HANDLER_AT, true);
    mem.setUint16(2 * 4 + 2, 0, true);
    mem.setUint32(RESULT, 0xffffffff, true);
    v.setBootState({ mode: 'real16', rip: CODE, regs: {} });
    const r = await v.run();
    expect(sent).toBe(2);
    expect(v.stats().nmis).toBe(2);
    if (r.kind !== 'debug-exit') throw new Error(`the guest did not finish: ${JSON.stringify(r)}`);
    const ip = r.code >>> 16;
    const cx = r.code & 0xffff;
    if (onPvm) {
      // Not at the IRET but one batch after the OUT's exit: iret, mov and 1,022 iterations (CX 978
      // in 4 of 4 runs, Intel host, 2026-12-08). The AMD host (before 2026-12-07) delivered it even
      // before the IRET, inside the first handler.
      expect(ip).toBe(NMI_LOOP);
      expect(SPIN - cx).toBeGreaterThan(0);
      expect(SPIN - cx).toBeLessThanOrEqual(1100);
    } else {
      expect({ ip, cx }).toEqual({ ip: AFTER_IRET, cx: CX_BEFORE });
    }
  });
});

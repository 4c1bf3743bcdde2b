// Where a vCPU thread's time goes per exit, read from the kernel's own trace of it (`perf script
// --ns` of raw_syscalls:sys_enter/sys_exit filtered to ioctl, kvm:kvm_userspace_exit, kvm:kvm_pio
// and kvm:kvm_mmio): for every KVM_RUN that returned with an exit, the time inside it and the
// time from its return to the next KVM_RUN's entry (the VMM's user-side work, with any other vCPU
// ioctl it makes on the way, e.g. QEMU's KVM_INTERRUPT), grouped by what the exit was (its reason,
// and its port or guest-physical address). Counting and timing each exit this way separates what a
// VMM does per exit from the host's spread, which moves a whole guest loop's figure by several per
// cent from one process to the next (docs/vmm.md, "Exits").

/** ioctl request numbers the vCPU thread may issue between two KVM_RUNs, by name (linux/kvm.h). */
const IOCTL_NAMES: Readonly<Record<string, string>> = {
  ae80: 'KVM_RUN',
  '4004ae86': 'KVM_INTERRUPT',
  ae9a: 'KVM_NMI',
  '8090ae81': 'KVM_GET_REGS',
  '4090ae82': 'KVM_SET_REGS',
  '8138ae83': 'KVM_GET_SREGS',
  '4138ae84': 'KVM_SET_SREGS',
  c008ae88: 'KVM_GET_MSRS',
  '4008ae89': 'KVM_SET_MSRS',
  '8040ae9f': 'KVM_GET_VCPU_EVENTS',
  '4040aea0': 'KVM_SET_VCPU_EVENTS',
};

/** One kind of exit's figures (ns). */
export interface ExitKindFigures {
  /** KVM_RUNs that returned with this exit. */
  readonly count: number;
  /** Time inside KVM_RUN (entry to return: the host's entry and exit paths, and the guest's run before the exit). */
  readonly inRun: readonly number[];
  /** From KVM_RUN's return to the next KVM_RUN's entry on the same thread (the VMM's work; other ioctls included). */
  readonly user: readonly number[];
  /** Other ioctls the thread made between this exit and its next KVM_RUN, by name (or request number). */
  readonly ioctlsAfter: Readonly<Record<string, number>>;
}

interface ThreadState {
  enter: number;
  /** The exit's key once KVM told its reason; null while inside KVM_RUN. */
  key: string | null;
  returned: number;
  /** The ioctls since the return (counted for the key once the next KVM_RUN starts). */
  ioctls: string[];
}

/** `COMM TID [CPU] SEC.NSEC: EVENT: FIELDS` (COMM may hold spaces: QEMU's `CPU 0/KVM`). */
const LINE = /\s(\d+)\s+\[\d+\]\s+(\d+)\.(\d+):\s+([a-z_]+:[a-z_]+):\s*(.*)$/;

/** ns of a perf timestamp's seconds and fraction, exact (no float rounding of the seconds). */
function ns(sec: string, frac: string): number {
  return Number(sec) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9));
}

/**
 * Exit kinds of a `perf script --ns` text: `KVM_EXIT_IO@0x80`, `KVM_EXIT_MMIO@0xfee000b0`,
 * `KVM_EXIT_HLT`, `EINTR` (a KVM_RUN that returned without an exit), … Only exits whose KVM_RUN
 * both started and returned inside the trace count; a thread's first return starts its user time.
 */
export function exitKinds(perfScript: string): Map<string, ExitKindFigures> {
  const threads = new Map<number, ThreadState>();
  const kinds = new Map<string, { count: number; inRun: number[]; user: number[]; ioctlsAfter: Record<string, number> }>();
  const kind = (key: string) => {
    let k = kinds.get(key);
    if (k === undefined) {
      k = { count: 0, inRun: [], user: [], ioctlsAfter: {} };
      kinds.set(key, k);
    }
    return k;
  };
  for (const line of perfScript.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const tid = Number(m[1]);
    const t = ns(m[2]!, m[3]!);
    const event = m[4]!;
    const rest = m[5]!;
    let s = threads.get(tid);
    if (event === 'raw_syscalls:sys_enter') {
      const a = /^NR 16 \(([0-9a-f]+), ([0-9a-f]+)/.exec(rest);
      if (a === null) continue;
      // Sign-extended requests print as 16 hex digits: the low 32 bits are the request.
      const req = a[2]!.length > 8 ? a[2]!.slice(-8) : a[2]!;
      const name = IOCTL_NAMES[req] ?? req;
      if (name !== 'KVM_RUN') {
        s?.ioctls.push(name);
        continue;
      }
      if (s !== undefined && s.key !== null && s.returned >= 0) {
        const k = kind(s.key);
        k.user.push(t - s.returned);
        for (const n of s.ioctls) k.ioctlsAfter[n] = (k.ioctlsAfter[n] ?? 0) + 1;
      }
      s = { enter: t, key: null, returned: -1, ioctls: [] };
      threads.set(tid, s);
    } else if (s === undefined || s.returned >= 0) {
      // Outside a traced KVM_RUN (before the thread's first entry in the trace, or after a return).
    } else if (event === 'kvm:kvm_userspace_exit') {
      const r = /reason (\S+)/.exec(rest);
      if (/errno|restart/.test(rest) || r === null) s.key = 'EINTR';
      else if (s.key === null || !s.key.startsWith(r[1]!)) s.key = r[1]!;
    } else if (event === 'kvm:kvm_pio') {
      const p = /at (0x[0-9a-f]+)/.exec(rest);
      if (p !== null) s.key = `KVM_EXIT_IO@${p[1]}`;
    } else if (event === 'kvm:kvm_mmio') {
      const g = /gpa (0x[0-9a-f]+)/.exec(rest);
      if (g !== null) s.key = `KVM_EXIT_MMIO@${g[1]}`;
    } else if (event === 'raw_syscalls:sys_exit') {
      if (s.key === null) s.key = 'EINTR';
      // kvm_pio / kvm_mmio come before KVM names the reason; a reason that disagrees (an in-kernel
      // access on the way, then another exit) wins.
      const k = kind(s.key);
      k.count++;
      k.inRun.push(t - s.enter);
      s.returned = t;
    }
  }
  return kinds;
}

/** The q-quantile (0..1) of `xs` (nearest rank, lower), or null when empty. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

// What `hvmdev run --stats` reports: exits by kind and by port / MMIO page, interrupts injected by
// vector. Plain counters in typed arrays, so counting costs nothing measurable on the exit path.
import { EXIT } from './kvm/abi.js';

export const EXIT_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(EXIT).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')])),
);

export class ExitStats {
  /** Exits by KVM exit reason (index = reason, 0–63). */
  readonly byReason = new Float64Array(64);
  /** Port I/O exits by port. */
  readonly byPort = new Float64Array(0x10000);
  /** MMIO exits by 4 KiB page (page number → count), the current run of exits on one page included. */
  get byPage(): Map<number, number> {
    this.flushPageRun();
    return this.pages;
  }
  private readonly pages = new Map<number, number>();
  /**
   * The page of the last MMIO exits and how many in a row (not yet in `pages`): a guest's MMIO
   * exits come in runs on one page (a device's registers, the xAPIC page), so most exits count
   * with a compare and an add instead of a Map lookup and store.
   */
  private runPage = -1;
  private runCount = 0;
  /** Interrupts injected by vector (KVM_INTERRUPT), and NMIs. */
  readonly injected = new Float64Array(256);
  nmis = 0;
  /** KVM_RUN returns caused by a kick (EINTR). */
  kicks = 0;
  /**
   * Times the device-model thread held vCPU 0 out of the guest for a worker's next exit after a
   * hand-off (Vm.runThreaded), including holds that ended at once because the worker had posted.
   */
  holds = 0;
  /** Instructions this host's KVM could not complete and hvmdev did. */
  completed = 0;

  mmio(addr: number): void {
    const page = Math.floor(addr / 4096);
    if (page === this.runPage) {
      this.runCount++;
      return;
    }
    this.flushPageRun();
    this.runPage = page;
    this.runCount = 1;
  }

  private flushPageRun(): void {
    if (this.runCount === 0) return;
    this.pages.set(this.runPage, (this.pages.get(this.runPage) ?? 0) + this.runCount);
    this.runCount = 0;
  }

  add(other: ExitStats): void {
    for (let i = 0; i < 64; i++) this.byReason[i]! += other.byReason[i]!;
    for (let i = 0; i < 0x10000; i++) this.byPort[i]! += other.byPort[i]!;
    const pages = this.byPage;
    for (const [p, n] of other.byPage) pages.set(p, (pages.get(p) ?? 0) + n);
    for (let i = 0; i < 256; i++) this.injected[i]! += other.injected[i]!;
    this.nmis += other.nmis;
    this.kicks += other.kicks;
    this.holds += other.holds;
    this.completed += other.completed;
  }

  get totalExits(): number {
    let n = 0;
    for (const c of this.byReason) n += c;
    return n;
  }
}

const hex = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');

/** The --stats text: one line per non-zero counter, biggest first within each group. */
export function formatStats(s: ExitStats, wallNs: number, guestNs: number): string {
  const lines: string[] = [];
  lines.push(`wall time ${(wallNs / 1e6).toFixed(1)} ms, guest (virtual clock) time ${(guestNs / 1e6).toFixed(1)} ms`);
  lines.push(`exits: ${s.totalExits} (kicks ${s.kicks}, instructions completed by hvmdev ${s.completed})`);
  if (s.holds > 0) lines.push(`vCPU 0 held for a worker's next exit: ${s.holds} times`);
  const rows = (entries: [string, number][]) => entries.sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${k.padEnd(24)} ${n}`);
  lines.push('exits by kind:', ...rows([...s.byReason].flatMap((n, i) => (n > 0 ? [[EXIT_NAMES[i] ?? `reason-${i}`, n] as [string, number]] : []))));
  const ports = [...s.byPort].flatMap((n, p) => (n > 0 ? [[`port ${hex(p, 4)}`, n] as [string, number]] : []));
  if (ports.length > 0) lines.push('port I/O exits by port:', ...rows(ports));
  const pages = [...s.byPage].map(([p, n]) => [`page ${hex(p * 4096, 8)}`, n] as [string, number]);
  if (pages.length > 0) lines.push('MMIO exits by page:', ...rows(pages));
  const vec = [...s.injected].flatMap((n, v) => (n > 0 ? [[`vector ${hex(v, 2)}`, n] as [string, number]] : []));
  if (s.nmis > 0) vec.push(['NMI', s.nmis]);
  lines.push(vec.length > 0 ? 'interrupts injected:' : 'interrupts injected: none', ...rows(vec));
  return lines.join('\n') + '\n';
}

// Random guest traffic for the platform fuzz campaigns (bench/guest-fuzz.ts, bench/snapshot-fuzz.ts):
// a seeded generator of port/MMIO/MSR/INTA operations aimed at the ranges a platform registered,
// clock steps from nanoseconds to 10^11 ns, and the checks every reply must pass (an integer in
// the access size, a vector 0..255, a 64-bit MSR value). Everything is reproducible from a seed.
import { accessContext } from '../src/bus/access.js';
import { createPlatform, type PlatformOptions } from '../src/platform/create-platform.js';
import { Ioapic } from '../src/devices/ioapic/ioapic.js';
import { PicPair } from '../src/devices/pic/pic-pair.js';
import { TIMER_MODES } from '../src/device-model/timer-mode/timer-mode.js';
import type { Lapic } from '../src/devices/lapic/lapic.js';
import type { Platform } from '../src/platform/platform.js';
import type { ProfileName } from '../src/platform/profiles.js';
import { MAX_CLOCK_NS } from '../src/time/clock.js';
import { Rng } from './xorshift32.js';

/** The guest-traffic draws on xorshift32 (bench/xorshift32.ts): `below` scales rather than takes a remainder. */
export class FuzzRng extends Rng {
  override below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
  /** Log-uniform integer in [lo, hi]. */
  logUniform(lo: number, hi: number): number {
    const l = Math.log(lo);
    return Math.min(hi, Math.floor(Math.exp(l + (this.next() / 0x1_0000_0000) * (Math.log(hi) - l))));
  }
  u64(): bigint {
    return (BigInt(this.next()) << 32n) | BigInt(this.next());
  }
}

/** The seed of case `index` of a campaign run with `seed` (each case reproducible on its own). */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0 || 1;
}

export const FUZZ_PROFILES: readonly ProfileName[] = ['xen-hvm', 'xen-pvh', 'xen-pvh-dom0', 'xen-pv', 'qemu-pc'];

const DISCARD = { line: (): void => undefined };

/** Platform options for one case: vCPU count, timer mode and (xen-pv) the optional PIT vary. */
export function randomOptions(profile: ProfileName, rng: FuzzRng): PlatformOptions {
  const vcpus = 1 + rng.below(3);
  const o: PlatformOptions = { profile, vcpus, ramBytes: 1 << 16, debugConsole: DISCARD };
  if (profile === 'qemu-pc') return o;
  const timerMode = rng.pick(TIMER_MODES);
  if (profile === 'xen-pv') return { ...o, timerMode, flags: rng.chance(0.5) ? 0x100 : 0 };
  return { ...o, timerMode };
}

export function buildPlatform(o: PlatformOptions): Platform {
  return createPlatform(o);
}

export type Op =
  | { k: 'in'; port: number; size: 1 | 2 | 4; vcpu: number }
  | { k: 'out'; port: number; size: 1 | 2 | 4; value: number; vcpu: number }
  | { k: 'rd'; addr: number; size: 1 | 2 | 4 | 8; vcpu: number }
  | { k: 'wr'; addr: number; size: 1 | 2 | 4 | 8; value: bigint; vcpu: number }
  | { k: 'rdmsr'; msr: number; vcpu: number }
  | { k: 'wrmsr'; msr: number; value: bigint; vcpu: number }
  | { k: 'inta'; vcpu: number }
  | { k: 'step'; ns: number };

export function describeOp(o: Op): string {
  const h = (n: number | bigint): string => `0x${n.toString(16)}`;
  switch (o.k) {
    case 'in':
      return `in${o.size} ${h(o.port)} (vcpu ${o.vcpu})`;
    case 'out':
      return `out${o.size} ${h(o.port)} ${h(o.value)} (vcpu ${o.vcpu})`;
    case 'rd':
      return `read${o.size} ${h(o.addr)} (vcpu ${o.vcpu})`;
    case 'wr':
      return `write${o.size} ${h(o.addr)} ${h(o.value)} (vcpu ${o.vcpu})`;
    case 'rdmsr':
      return `rdmsr ${h(o.msr)} (vcpu ${o.vcpu})`;
    case 'wrmsr':
      return `wrmsr ${h(o.msr)} ${h(o.value)} (vcpu ${o.vcpu})`;
    case 'inta':
      return `inta (vcpu ${o.vcpu})`;
    case 'step':
      return `advance ${o.ns} ns`;
  }
}

const INTERESTING = [
  0, 1, 2, 3, 0x0c, 0x10, 0x20, 0x30, 0x34, 0x36, 0x3f, 0x40, 0x70, 0x7f, 0x80, 0xb6, 0xc0, 0xd0, 0xff, 0x100, 0x1ff, 0x8000, 0xffff, 0x10000, 0x80000000,
  0xffffffff,
];
// IA32_APIC_BASE values: xAPIC on, x2APIC on (EXTD|EN), disabled, and with the BSP bit.
const APIC_BASE_VALUES = [0xfee00800n, 0xfee00c00n, 0xfee00000n, 0xfee00900n, 0xfee00d00n, 0xfee00100n];

function value32(rng: FuzzRng): number {
  switch (rng.below(6)) {
    case 0:
    case 1:
      return rng.next();
    case 2:
      return rng.below(0x100);
    case 3:
      return rng.pick(INTERESTING);
    case 4:
      return (1 << rng.below(32)) >>> 0;
    default:
      return rng.below(0x10000);
  }
}

interface Range {
  readonly base: number;
  readonly len: number;
}

/** Generates operations aimed at the ranges `p` registered (and anywhere else, less often). */
export class TrafficGenerator {
  private readonly ports: Range[] = [];
  private readonly mmio: Range[] = [];
  private readonly vcpus: number;

  constructor(
    p: Platform,
    private readonly rng: FuzzRng,
  ) {
    for (const r of p.describe().ranges) {
      const range = { base: r.base, len: r.end - r.base + 1 };
      if (r.bus === 'port') this.ports.push(range);
      else if (r.owner !== 'ram' || this.rng.chance(0.5)) this.mmio.push(range);
    }
    this.vcpus = p.vcpus.length;
  }

  private port(): number {
    const rng = this.rng;
    if (this.ports.length > 0 && rng.chance(0.8)) {
      const r = rng.pick(this.ports);
      return Math.min(0xffff, Math.max(0, r.base - 1 + rng.below(r.len + 2)));
    }
    return rng.below(0x10000);
  }

  private addr(size: number): number {
    const rng = this.rng;
    if (this.mmio.length > 0 && rng.chance(0.85)) {
      const r = rng.pick(this.mmio);
      // Large windows (ECAM, VGA): mostly their first pages, where the registers are.
      const span = r.len > 0x4000 && rng.chance(0.8) ? 0x4000 : r.len;
      let off = rng.below(span + 8) - 4;
      if (rng.chance(0.8)) off &= ~(size - 1);
      return Math.max(0, r.base + off);
    }
    switch (rng.below(4)) {
      case 0:
        return rng.next();
      case 1:
        return 2 ** 32 - 1 - rng.below(16);
      case 2:
        return 2 ** 52 - 1 - rng.below(16); // the top of the physical address space
      default:
        return rng.below(0x100000);
    }
  }

  private readonly queued: Op[] = [];

  next(): Op {
    if (this.queued.length > 0) return this.queued.shift()!;
    const rng = this.rng;
    // Now and then a short program that puts one device into a working configuration (timers
    // running fast, routes unmasked, the PIC initialised): random single accesses rarely get there.
    if (rng.chance(0.02)) {
      this.queued.push(...this.macro());
      if (this.queued.length > 0) return this.queued.shift()!;
    }
    const vcpu = rng.below(this.vcpus);
    const roll = rng.below(100);
    if (roll < 22) return { k: 'in', port: this.port(), size: rng.pick([1, 1, 1, 2, 4] as const), vcpu };
    if (roll < 48) {
      const size = rng.pick([1, 1, 1, 2, 4] as const);
      return { k: 'out', port: this.port(), size, value: value32(rng), vcpu };
    }
    if (roll < 63) {
      const size = rng.pick([1, 2, 4, 4, 4, 8] as const);
      return { k: 'rd', addr: this.addr(size), size, vcpu };
    }
    if (roll < 82) {
      const size = rng.pick([1, 2, 4, 4, 4, 8] as const);
      const value = size === 8 && rng.chance(0.5) ? rng.u64() : BigInt(value32(rng));
      return { k: 'wr', addr: this.addr(size), size, value, vcpu };
    }
    if (roll < 87) {
      const msr = this.msr();
      if (rng.chance(0.5)) return { k: 'rdmsr', msr, vcpu };
      const value = msr === 0x1b ? rng.pick(APIC_BASE_VALUES) : rng.chance(0.5) ? BigInt(value32(rng)) : rng.u64();
      return { k: 'wrmsr', msr, value, vcpu };
    }
    if (roll < 92) return { k: 'inta', vcpu };
    return { k: 'step', ns: this.stepNs() };
  }

  /** Writes that program one device (addresses that a profile lacks simply go unclaimed). */
  private macro(): Op[] {
    const rng = this.rng;
    const vcpu = rng.below(this.vcpus);
    const out = (port: number, value: number): Op => ({ k: 'out', port, size: 1, value, vcpu });
    const wr = (addr: number, value: number | bigint, size: 4 | 8 = 4): Op => ({ k: 'wr', addr, size, value: BigInt(value), vcpu });
    const small = (): number => (rng.chance(0.5) ? 1 + rng.below(16) : rng.logUniform(1, 1_000_000));
    switch (rng.below(10)) {
      case 9: // a reset request through 0xCF9 (PCI platforms), with an interrupt on its way
        return [out(0x43, 0x30), out(0x40, rng.below(256)), out(0x40, 0), out(0xcf9, rng.pick([0x02, 0x04, 0x06, 0x0e]))];
      case 0: {
        // HPET timer N: periodic or one-shot, level or edge, a route it may use, a small comparator
        const n = rng.below(3);
        const conf =
          (rng.chance(0.5) ? 1 << 1 : 0) | (1 << 2) | (rng.chance(0.6) ? (1 << 3) | (1 << 6) : 0) | (rng.pick([2, 8, 20, 21, 22, 23, rng.below(32)]) << 9);
        const cmp = small();
        return [wr(0xfed00100 + 0x20 * n, conf), wr(0xfed00108 + 0x20 * n, cmp), wr(0xfed00108 + 0x20 * n, cmp), wr(0xfed00010, rng.chance(0.3) ? 3 : 1)];
      }
      case 1: {
        // LAPIC timer: enabled APIC, a divide, periodic or one-shot, a small count
        return [
          wr(0xfee000f0, 0x1ff),
          wr(0xfee003e0, rng.pick([0, 1, 2, 3, 8, 9, 10, 11])),
          wr(0xfee00320, (rng.chance(0.6) ? 0x20000 : 0) | (0x20 + rng.below(0xe0))),
          wr(0xfee00380, small()),
        ];
      }
      case 2: {
        // PIT channel 0 or 2: a mode and a count, low byte then high byte
        const ch = rng.chance(0.7) ? 0 : 2;
        const count = rng.chance(0.5) ? 1 + rng.below(16) : rng.below(0x10000);
        return [
          out(0x43, (ch << 6) | 0x30 | (rng.below(6) << 1)),
          out(0x40 + ch, count & 0xff),
          out(0x40 + ch, count >> 8),
          ...(ch === 2 ? [out(0x61, 1)] : []),
        ];
      }
      case 3: // RTC: a periodic rate and interrupt enables
        return [out(0x70, 0x0a), out(0x71, 0x20 | (1 + rng.below(15))), out(0x70, 0x0b), out(0x71, 0x02 | (rng.below(8) << 4)), out(0x70, 0x0c)];
      case 4: // PM: timer overflow events and SCI enable (both Xen port blocks)
        return [
          { k: 'out', port: 0x1f42, size: 2, value: 1, vcpu },
          { k: 'out', port: 0xb002, size: 2, value: 1, vcpu },
        ];
      case 5: {
        // IO-APIC: one redirection entry, unmasked
        const pin = rng.pick([0, 1, 2, 4, 8, 9, 20, 21, 22, 23, rng.below(24)]);
        const low =
          (0x20 + rng.below(0xe0)) | (rng.chance(0.4) ? 1 << 15 : 0) | ((rng.below(8) << 8) * (rng.chance(0.2) ? 1 : 0)) | (rng.chance(0.2) ? 1 << 11 : 0);
        return [wr(0xfec00000, 0x11 + 2 * pin), wr(0xfec00010, rng.chance(0.7) ? 0 : rng.next()), wr(0xfec00000, 0x10 + 2 * pin), wr(0xfec00010, low)];
      }
      case 6: // 8259 pair: the usual initialisation, then a random mask
        return [
          out(0x20, 0x11),
          out(0x21, 0x20),
          out(0x21, 0x04),
          out(0x21, 0x01),
          out(0xa0, 0x11),
          out(0xa1, 0x28),
          out(0xa1, 0x02),
          out(0xa1, 0x01),
          out(0x21, rng.below(256)),
          out(0xa1, rng.below(256)),
        ];
      case 7: // LINT0 as ExtINT (virtual wire), LINT1 as NMI, the APIC enabled
        return [wr(0xfee000f0, 0x1ff), wr(0xfee00350, 0x700), wr(0xfee00360, 0x400)];
      default: {
        // an IPI: a shorthand or a destination, a delivery mode, a vector
        return [
          wr(0xfee000f0, 0x1ff),
          wr(0xfee00310, rng.below(8) << 24),
          wr(0xfee00300, (rng.below(4) << 18) | (rng.pick([0, 0, 0, 1, 4, 5, 6]) << 8) | rng.below(256)),
        ];
      }
    }
  }

  private msr(): number {
    const rng = this.rng;
    switch (rng.below(6)) {
      case 0:
        return 0x1b;
      case 1:
        return 0x6e0;
      case 2:
        return 0x800 + rng.below(0x400);
      case 3:
        return rng.next();
      default:
        return 0x800 + rng.below(0x40);
    }
  }

  /**
   * Mostly steps below 2 ms (timers at Xen's 100 µs clamp fire a few times); 0.3 % up to a
   * second; rarely (1 in 10,000 steps) up to 10^11 ns, which with
   * a periodic timer at Xen's 100 µs clamp is 10^6 events, the costliest thing a case does (the
   * devices' own tests jump 10^12 ns; cases that start near 2^53 ns cover the end of time).
   */
  private stepNs(): number {
    const rng = this.rng;
    const r = rng.below(10_000);
    if (r < 4500) return rng.below(1000);
    if (r < 8000) return rng.logUniform(1000, 100_000);
    if (r < 9969) return rng.logUniform(100_000, 2_000_000);
    if (r < 9999) return rng.logUniform(2_000_000, 1_000_000_000);
    return rng.logUniform(1_000_000_000, 100_000_000_000);
  }
}

/** Why a step or a case ended early. */
export class StepTooSlow extends Error {}

/**
 * Advances `p`'s clock by `ns` (clamped at the end of exact time) as a host does: one advance. The
 * rule checked: one advance costs at most 0.5 s of host time plus 0.5 s per virtual second (5x the
 * 100 ms per virtual second a host must be able to rely on). A clock without a per-advance event
 * budget is advanced one deadline at a time instead, so that a storm is reported, not waited out.
 */
export function stepClock(p: Platform, ns: number): number {
  const clock = p.clock;
  const target = Math.min(MAX_CLOCK_NS, clock.now + ns);
  const limitMs = 500 + ((target - clock.now) / 1e9) * 500;
  const from = clock.now;
  const t0 = Date.now();
  if ((clock as { maxEventsPerAdvance?: number }).maxEventsPerAdvance !== undefined) {
    const events = clock.eventsFired;
    const reached = clock.advanceTo(target);
    const took = Date.now() - t0;
    if (took > limitMs) {
      throw new StepTooSlow(
        `advance ${ns} ns from ${from} ns took ${took} ms of host time, over ${Math.round(limitMs)} ms (${clock.eventsFired - events} events)`,
      );
    }
    return reached;
  }
  let instants = 0;
  for (;;) {
    const next = clock.nextDeadline();
    if (next === null || next > target) break;
    clock.advanceTo(Math.max(next, clock.now));
    if ((++instants & 1023) === 0 && Date.now() - t0 > limitMs) {
      throw new StepTooSlow(`advance ${ns} ns from ${from} ns took over ${Math.round(limitMs)} ms of host time (${instants} event instants)`);
    }
  }
  return clock.advanceTo(target);
}

/** What one access returned; failed range checks are reported as `Error`. */
export function applyOp(p: Platform, o: Op): string {
  switch (o.k) {
    case 'in': {
      const v = p.ports.read(o.port, o.size, accessContext(o.vcpu));
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** (8 * o.size)) throw new RangeError(`${describeOp(o)} returned ${v}`);
      return String(v);
    }
    case 'out':
      p.ports.write(o.port, o.size, o.value, accessContext(o.vcpu));
      return '';
    case 'rd': {
      if (o.size === 8) {
        const v = p.mmio.read64(o.addr, accessContext(o.vcpu));
        if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw new RangeError(`${describeOp(o)} returned ${v}`);
        return v.toString();
      }
      const v = p.mmio.read(o.addr, o.size, accessContext(o.vcpu));
      if (!Number.isInteger(v) || v < 0 || v >= 2 ** (8 * o.size)) throw new RangeError(`${describeOp(o)} returned ${v}`);
      return String(v);
    }
    case 'wr':
      if (o.size === 8) p.mmio.write64(o.addr, o.value, accessContext(o.vcpu));
      else p.mmio.write(o.addr, o.size, Number(o.value & 0xffffffffn), accessContext(o.vcpu));
      return '';
    case 'rdmsr': {
      const l = lapicOf(p, o.vcpu);
      if (l === null) return 'none';
      const r = l.readMsr(o.msr);
      if (r.kind === 'ok' && (typeof r.value !== 'bigint' || r.value < 0n || r.value >= 1n << 64n)) {
        throw new RangeError(`${describeOp(o)} returned ${r.value}`);
      }
      return r.kind === 'ok' ? `ok ${r.value}` : r.kind;
    }
    case 'wrmsr': {
      const l = lapicOf(p, o.vcpu);
      return l === null ? 'none' : l.writeMsr(o.msr, o.value).kind;
    }
    case 'inta': {
      const l = lapicOf(p, o.vcpu);
      if (l === null) return 'none';
      const pending = l.hasPendingInterrupt();
      const v = l.acknowledge();
      if (v !== null && (!Number.isInteger(v) || v < 0 || v > 0xff)) throw new RangeError(`${describeOp(o)} returned ${v}`);
      return `${pending ? 1 : 0} ${v}`;
    }
    case 'step':
      return String(stepClock(p, o.ns));
  }
}

interface LapicLike {
  readMsr(msr: number): { kind: string; value?: bigint };
  writeMsr(msr: number, value: bigint): { kind: string };
  hasPendingInterrupt(): boolean;
  acknowledge(): number | null;
}

function lapicOf(p: Platform, vcpu: number): LapicLike | null {
  return (p.vcpus[vcpu]?.devices.get('lapic') as LapicLike | undefined) ?? null;
}

/**
 * Every controller input agrees with the line that drives it (the campaign never drives an input
 * directly): LINT0 of vCPU 0 with the PIC's INT, each 8259 input with its ISA line, each IO-APIC
 * pin with its GSI. With QEMU's input-0-is-pin-2 wiring, pin 2 has two sources and follows the
 * last to change, so it must agree with one of them. Returns what disagrees, or null.
 */
export function linesDisagree(p: Platform): string | null {
  const bad: string[] = [];
  const int = p.irq.namedLines().get('pic.int')?.level ?? false;
  const lapic = p.vcpus[0]?.devices.get('lapic') as Lapic | undefined;
  const pic = p.devices.get('pic');
  if (pic instanceof PicPair) {
    if (lapic !== undefined && lapic.lint[0] !== int) bad.push(`LINT0 ${lapic.lint[0]} while the PIC's INT line is ${int}`);
    if (pic.intOutput !== int) bad.push(`PIC INT ${pic.intOutput} while its line is ${int}`);
    for (let pin = 0; pin < 16; pin++) {
      if (pin === 2) continue; // the cascade
      const latched = (((pin < 8 ? pic.master : pic.slave).inputs >>> (pin & 7)) & 1) === 1;
      if (latched !== p.irq.picInputLevel(pin)) bad.push(`8259 input ${pin} ${latched} while its line is ${!latched}`);
    }
  }
  for (const d of p.devices.values()) {
    if (!(d instanceof Ioapic)) continue;
    for (let pin = 0; pin < d.params.pins; pin++) {
      const latched = d.inputLevel(pin);
      const gsi = d.params.gsiBase + pin;
      let ok: boolean;
      if (!d.params.input0IsPin2 || pin === 1 || pin > 2) ok = latched === p.irq.gsiLevel(gsi);
      else if (pin === 0) ok = !latched;
      else ok = latched === p.irq.gsiLevel(0) || latched === p.irq.gsiLevel(2);
      if (!ok) bad.push(`${d.id} pin ${pin} ${latched} while GSI ${gsi} is ${p.irq.gsiLevel(gsi)}`);
    }
  }
  return bad.length === 0 ? null : bad.join('; ');
}

/** Where a case's clock starts: 0 mostly, sometimes anywhere, sometimes just before the end of exact time. */
export function startTime(rng: FuzzRng): number {
  const r = rng.below(10);
  if (r < 7) return 0;
  if (r < 8) return rng.logUniform(1, 2 ** 45);
  return MAX_CLOCK_NS - rng.logUniform(1, 10_000_000_000);
}

/**
 * Moves a fresh platform's clock to `t` before any guest traffic. Timers that run from reset (the
 * qemu-pc PIT) are first made one-shot by the guest's own means (channel 0, mode 0), so the jump
 * costs nothing. Returns false if the platform still had a timer armed (the case then starts at 0).
 */
export function jumpFreshPlatform(p: Platform, t: number): boolean {
  if (t === 0) return true;
  if (p.clock.nextDeadline() !== null && p.ports.regionAt(0x43)?.owner === 'pit') {
    p.ports.write(0x43, 1, 0x30);
    p.ports.write(0x40, 1, 1);
    p.ports.write(0x40, 1, 0);
    for (let i = 0; i < 8 && p.clock.nextDeadline() !== null; i++) p.clock.advanceToNextDeadline();
  }
  if (p.clock.nextDeadline() !== null) return false;
  p.clock.advanceTo(Math.max(p.clock.now, t));
  return true;
}

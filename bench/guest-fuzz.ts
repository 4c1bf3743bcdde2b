// Campaign (a) for `npm run fuzz`: random guest port/MMIO/MSR/INTA traffic on every profile, with
// clock steps from 0 ns to 10^11 ns, short device-programming sequences, and cases that start just before the end of exact virtual time
// (2^53 ns). Checked: no access throws, every reply is in range, and a snapshot taken at a random
// point, sent through JSON and restored into a fresh platform, behaves exactly like the original
// on the same continuation (every reply and the final snapshot are compared).
import type { Platform } from '../src/platform/platform.js';
import type { PlatformOptions } from '../src/platform/create-platform.js';
import {
  applyOp,
  buildPlatform,
  caseSeed,
  describeOp,
  FUZZ_PROFILES,
  FuzzRng,
  jumpFreshPlatform,
  linesDisagree,
  randomOptions,
  startTime,
  StepTooSlow,
  TrafficGenerator,
  type Op,
} from './guest-traffic.js';

export interface GuestCaseResult {
  readonly profile: string;
  /** Guest accesses and clock steps run on the original platform. */
  readonly accesses: number;
  /** Accesses run again on the restored twin. */
  readonly twinAccesses: number;
  /** What broke, or null. `kind` groups findings of one cause. */
  readonly finding: { kind: string; text: string } | null;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

/** Case `index` of a campaign run with `seed`: fully determined by the two numbers. */
export function guestFuzzCase(seed: number, index: number, log?: (line: string) => void, stopAt = Infinity): GuestCaseResult {
  const profile = FUZZ_PROFILES[index % FUZZ_PROFILES.length]!;
  const rng = new FuzzRng(caseSeed(seed, index));
  const options: PlatformOptions = randomOptions(profile, rng);
  const where = `seed ${seed} case ${index} (${profile}, ${options.vcpus} vCPUs${options.timerMode ? `, ${options.timerMode}` : ''}${options.flags !== undefined ? `, flags 0x${Number(options.flags).toString(16)}` : ''})`;
  let accesses = 0;
  let twinAccesses = 0;
  const found = (kind: string, text: string): GuestCaseResult => ({ profile, accesses, twinAccesses, finding: { kind, text: `${text}; ${where}` } });

  const p = buildPlatform(options);
  const start = startTime(rng);
  if (!jumpFreshPlatform(p, start)) log?.(`start at 0 (a timer is armed at reset)`);
  else if (start !== 0) log?.(`start at ${p.clock.now} ns`);
  const gen = new TrafficGenerator(p, rng);
  const n = 200 + rng.below(4000);
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) ops.push(gen.next());
  const split = rng.below(n + 1);

  let twin: Platform | null = null;
  for (let i = 0; i < n; i++) {
    // The campaign's time is up: end the case here (both platforms have run the same operations).
    if ((i & 255) === 255 && Date.now() > stopAt) {
      ops.length = i;
      break;
    }
    if (i === split) {
      const made = restoreTwin(p, options);
      if (typeof made === 'string') return found('restore refused', `restore of a reachable state refused at op ${i}: ${made}`);
      twin = made.twin;
      if (made.drift !== null) return found('restore changed state', `snapshot of the restored twin differs at op ${i}: ${made.drift}`);
      log?.(`-- snapshot → JSON → restore into a twin`);
    }
    const o = ops[i]!;
    let a: string;
    try {
      a = applyOp(p, o);
      accesses++;
    } catch (e) {
      if (e instanceof StepTooSlow) return found('slow advance', `op ${i} ${describeOp(o)}: ${e.message}`);
      return found(`throw ${o.k}`, `op ${i} ${describeOp(o)} threw ${errorText(e)}`);
    }
    log?.(`${i}: ${describeOp(o)} → ${a}`);
    const stale = linesDisagree(p);
    if (stale !== null) return found('input out of step with its line', `after op ${i} ${describeOp(o)}: ${stale}`);
    if (twin !== null) {
      let b: string;
      try {
        b = applyOp(twin, o);
        twinAccesses++;
      } catch (e) {
        if (e instanceof StepTooSlow) return found('slow advance', `op ${i} ${describeOp(o)} on the twin: ${e.message}`);
        return found(`twin throw ${o.k}`, `op ${i} ${describeOp(o)} threw on the restored twin only: ${errorText(e)}`);
      }
      if (a !== b) return found(`differs ${o.k}`, `op ${i} ${describeOp(o)}: original replied ${a}, restored twin ${b}`);
    }
  }
  if (split >= ops.length) {
    const made = restoreTwin(p, options);
    if (typeof made === 'string') return found('restore refused', `restore of a reachable state refused at the end: ${made}`);
    if (made.drift !== null) return found('restore changed state', `snapshot of the restored twin differs at the end: ${made.drift}`);
  } else if (twin !== null) {
    const a = JSON.stringify(p.snapshot());
    const b = JSON.stringify(twin.snapshot());
    if (a !== b)
      return found(
        'final snapshots differ',
        `final snapshots differ after ${ops.length} ops (split at ${split}): ${firstDifference(JSON.parse(a), JSON.parse(b))}`,
      );
  }
  return { profile, accesses, twinAccesses, finding: null };
}

/** Snapshot → JSON → restore into a fresh platform; the twin's snapshot must equal the original's. */
function restoreTwin(p: Platform, options: PlatformOptions): { twin: Platform; drift: string | null } | string {
  const json = JSON.stringify(p.snapshot());
  const twin = buildPlatform(options);
  try {
    twin.restore(JSON.parse(json));
  } catch (e) {
    return errorText(e);
  }
  copyRam(p, twin);
  const again = JSON.stringify(twin.snapshot());
  return { twin, drift: again === json ? null : firstDifference(JSON.parse(json), JSON.parse(again)) };
}

/** Guest RAM is the host's memory, not device state: a VMM moves it beside the snapshot. */
export function copyRam(from: Platform, to: Platform): void {
  for (const r of from.mmio.list()) {
    if (r.owner !== 'ram') continue;
    const view = from.mmio.ramView(r.base, r.end - r.base);
    if (view !== null) to.mmio.ramView(r.base, r.end - r.base)?.set(view);
  }
}

/** The path and the two values of the first difference between two JSON values. */
export function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Object.is(a, b) ? '' : `${path || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== '') return d;
  }
  return '';
}

/** Findings grouped by cause: the first reproduction of each and how often it was seen. */
export class FindingLog {
  private readonly byKind = new Map<string, { text: string; count: number }>();
  add(profile: string, kind: string, text: string): void {
    const key = `${profile}: ${kind}`;
    const seen = this.byKind.get(key);
    if (seen === undefined) this.byKind.set(key, { text, count: 1 });
    else seen.count++;
  }
  lines(): string[] {
    return [...this.byKind].map(([key, { text, count }]) => `${key} (${count}x): ${text}`);
  }
}

export function runGuestFuzz(budgetMs: number, seed: number): Record<string, unknown> & { cases: number; seconds: number; findings: string[] } {
  const t0 = Date.now();
  const deadline = t0 + budgetMs;
  const log = new FindingLog();
  const perProfile: Record<string, { cases: number; accesses: number; twinAccesses: number; findings: number }> = {};
  for (const name of FUZZ_PROFILES) perProfile[name] = { cases: 0, accesses: 0, twinAccesses: 0, findings: 0 };
  let accesses = 0;
  let index = 0;
  for (; Date.now() < deadline; index++) {
    let r: GuestCaseResult;
    try {
      r = guestFuzzCase(seed, index, undefined, deadline);
    } catch (e) {
      const profile = FUZZ_PROFILES[index % FUZZ_PROFILES.length]!;
      r = { profile, accesses: 0, twinAccesses: 0, finding: { kind: 'harness throw', text: `${errorText(e)}; seed ${seed} case ${index}` } };
    }
    const s = perProfile[r.profile]!;
    s.cases++;
    s.accesses += r.accesses;
    s.twinAccesses += r.twinAccesses;
    accesses += r.accesses + r.twinAccesses;
    if (r.finding !== null) {
      s.findings++;
      log.add(r.profile, r.finding.kind, r.finding.text);
    }
  }
  return {
    cases: accesses,
    seconds: (Date.now() - t0) / 1000,
    findings: log.lines(),
    platformCases: index,
    perProfile,
    reproduce: `npm run fuzz -- --only guest --seed ${seed} --case <case>`,
  };
}

// Campaign (b) for `npm run fuzz`: mutated snapshots into `Platform.restore`. A platform is driven
// by random guest traffic into a reachable state; its snapshot is mutated (numbers out of range,
// NaN, wrong types, missing and extra keys, sparse or resized arrays, values moved between
// fields) and handed to restore on that same platform. Checked:
// - refused ⇒ a SnapshotError (nothing else), the platform is untouched byte for byte, and it then
//   behaves exactly like an untouched twin on the same continuation;
// - accepted ⇒ the platform is usable (no throw, replies in range) and its new snapshot restores
//   into a fresh platform that behaves identically.
import { SnapshotError } from '../src/device-model/snapshot.js';
import type { Platform } from '../src/platform/platform.js';
import type { PlatformOptions } from '../src/platform/create-platform.js';
import { copyRam, FindingLog, firstDifference } from './guest-fuzz.js';
import {
  applyOp,
  buildPlatform,
  caseSeed,
  describeOp,
  FUZZ_PROFILES,
  FuzzRng,
  randomOptions,
  StepTooSlow,
  TrafficGenerator,
  type Op,
} from './guest-traffic.js';

type Path = (string | number)[];

export interface SnapshotCaseResult {
  readonly profile: string;
  readonly restores: number;
  readonly refused: number;
  readonly accesses: number;
  readonly finding: { kind: string; text: string } | null;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

/** Every path into `v` (nodes and leaves), root excluded. */
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (typeof v !== 'object' || v === null) return out;
  for (const k of Object.keys(v)) {
    const p = [...at, Array.isArray(v) ? Number(k) : k];
    out.push(p);
    paths((v as Record<string, unknown>)[k], p, out);
  }
  return out;
}

function getAt(root: unknown, p: Path): unknown {
  let v = root;
  for (const k of p) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function parentOf(root: unknown, p: Path): Record<string | number, unknown> {
  return getAt(root, p.slice(0, -1)) as Record<string | number, unknown>;
}

const ODD_NUMBERS = [0, -1, 1, 0.5, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e300, NaN, Infinity, -Infinity];
const ODD_VALUES: unknown[] = [null, undefined, '', 'x', '0', true, false, [], {}, { a: 1 }, [1, 2, 3], 10n];

/** One mutation of `root` in place; returns what it did. */
function mutate(root: Record<string, unknown>, rng: FuzzRng): string {
  const all = paths(root);
  // Device state is where the interesting checks are: aim there most of the time.
  const devicePaths = all.filter((p) => p[0] === 'devices' && p.length > 2);
  const p = devicePaths.length > 0 && rng.chance(0.9) ? rng.pick(devicePaths) : rng.pick(all);
  const parent = parentOf(root, p);
  const key = p[p.length - 1]!;
  const old = parent[key];
  const where = p.join('.');
  const r = rng.below(10);
  if (typeof old === 'number' && r < 6) {
    const v = rng.chance(0.5)
      ? rng.pick(ODD_NUMBERS)
      : rng.pick([old + 1, old - 1, old * 2, -old, old + rng.below(1000), rng.next(), rng.below(256), Math.floor(old / 2)]);
    parent[key] = v;
    return `${where}: ${old} → ${v}`;
  }
  if (typeof old === 'boolean' && r < 6) {
    parent[key] = !old;
    return `${where}: ${old} → ${!old}`;
  }
  if (typeof old === 'string' && r < 5) {
    const v = rng.pick(['', 'x', old + 'x', old.slice(1), old.toUpperCase(), '0x1', '-1']);
    parent[key] = v;
    return `${where}: ${JSON.stringify(old)} → ${JSON.stringify(v)}`;
  }
  if (Array.isArray(old) && r < 7) {
    const a = old as unknown[];
    switch (rng.below(5)) {
      case 0:
        a.push(a.length > 0 ? structuredClone(a[a.length - 1]) : 0);
        return `${where}: one more element (${a.length})`;
      case 1:
        a.pop();
        return `${where}: one element fewer (${a.length})`;
      case 2:
        a.length += 1 + rng.below(300);
        return `${where}: extended with holes to ${a.length}`;
      case 3:
        if (a.length > 0) {
          delete a[rng.below(a.length)];
          return `${where}: a hole punched`;
        }
        break;
      default:
        parent[key] = Object.assign({}, a);
        return `${where}: array → object`;
    }
  }
  switch (rng.below(4)) {
    case 0: {
      delete parent[key];
      return `${where}: removed`;
    }
    case 1: {
      const other = getAt(root, rng.pick(all));
      parent[key] = structuredClone(other);
      return `${where}: replaced by another field's value`;
    }
    case 2: {
      if (typeof old === 'object' && old !== null && !Array.isArray(old)) {
        (old as Record<string, unknown>)[rng.pick(['extra', 'length', '__proto__', 'constructor', 'x'])] = rng.pick(ODD_NUMBERS);
        return `${where}: an extra key`;
      }
      parent[key] = rng.pick(ODD_VALUES);
      return `${where}: → ${String(parent[key])}`;
    }
    default: {
      const v = rng.pick(ODD_VALUES);
      parent[key] = structuredClone(v);
      return `${where}: ${typeof old} → ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`;
    }
  }
}

/** Runs `ops` on both platforms and compares every reply; a difference or a throw is returned. */
function runBoth(a: Platform, b: Platform, ops: readonly Op[]): { kind: string; text: string } | null {
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    let x: string;
    let y: string;
    try {
      x = applyOp(a, o);
    } catch (e) {
      if (e instanceof StepTooSlow) return { kind: 'slow advance', text: `continuation op ${i} ${describeOp(o)}: ${e.message}` };
      return { kind: `throw ${o.k}`, text: `continuation op ${i} ${describeOp(o)} threw ${errorText(e)}` };
    }
    try {
      y = applyOp(b, o);
    } catch (e) {
      if (e instanceof StepTooSlow) return { kind: 'slow advance', text: `continuation op ${i} ${describeOp(o)} on the twin: ${e.message}` };
      return { kind: `twin throw ${o.k}`, text: `continuation op ${i} ${describeOp(o)} threw on the twin only: ${errorText(e)}` };
    }
    if (x !== y) return { kind: `differs ${o.k}`, text: `continuation op ${i} ${describeOp(o)}: ${x} vs twin ${y}` };
  }
  const sa = JSON.stringify(a.snapshot());
  const sb = JSON.stringify(b.snapshot());
  if (sa !== sb) return { kind: 'final snapshots differ', text: `after the continuation: ${firstDifference(JSON.parse(sa), JSON.parse(sb))}` };
  return null;
}

function twinOf(p: Platform, options: PlatformOptions, json: string): Platform {
  const t = buildPlatform(options);
  t.restore(JSON.parse(json));
  copyRam(p, t);
  return t;
}

/** Case `index` of a campaign run with `seed`: fully determined by the two numbers. */
export function snapshotFuzzCase(seed: number, index: number, log?: (line: string) => void): SnapshotCaseResult {
  const profile = FUZZ_PROFILES[index % FUZZ_PROFILES.length]!;
  const rng = new FuzzRng(caseSeed(seed, index));
  const options = randomOptions(profile, rng);
  const where = `seed ${seed} case ${index} (${profile}, ${options.vcpus} vCPUs)`;
  let restores = 0;
  let refused = 0;
  let accesses = 0;
  const found = (kind: string, text: string): SnapshotCaseResult => ({ profile, restores, refused, accesses, finding: { kind, text: `${text}; ${where}` } });

  const p = buildPlatform(options);
  const gen = new TrafficGenerator(p, rng);
  const warm = 50 + rng.below(800);
  for (let i = 0; i < warm; i++) {
    const o = gen.next();
    try {
      applyOp(p, o);
      accesses++;
    } catch {
      return { profile, restores, refused, accesses, finding: null }; // campaign (a) reports traffic findings
    }
  }
  const rounds = 1 + rng.below(4);
  for (let round = 0; round < rounds; round++) {
    const json = JSON.stringify(p.snapshot());
    const mutated = JSON.parse(json) as Record<string, unknown>;
    const did: string[] = [];
    const m = 1 + (rng.chance(0.3) ? rng.below(4) : 0);
    for (let k = 0; k < m; k++) did.push(mutate(mutated, rng));
    log?.(`round ${round}: ${did.join('; ')}`);
    const untouched = twinOf(p, options, json);
    const continuation: Op[] = [];
    const n = 50 + rng.below(500);
    for (let i = 0; i < n; i++) continuation.push(gen.next());
    restores++;
    let accepted: boolean;
    try {
      p.restore(mutated);
      accepted = true;
    } catch (e) {
      accepted = false;
      refused++;
      if (!(e instanceof SnapshotError))
        return found(
          `refused with ${(e as Error)?.constructor?.name ?? typeof e}`,
          `restore of a mutated snapshot threw ${errorText(e)} instead of SnapshotError (${did.join('; ')})`,
        );
      log?.(`  refused: ${(e as Error).message}`);
      const after = JSON.stringify(p.snapshot());
      if (after !== json)
        return found(
          'refused restore changed the platform',
          `refused (${(e as Error).message}) yet the platform changed: ${firstDifference(JSON.parse(json), JSON.parse(after))} (${did.join('; ')})`,
        );
    }
    if (!accepted) {
      const d = runBoth(p, untouched, continuation);
      accesses += 2 * continuation.length;
      if (d !== null) return found(`after refusal: ${d.kind}`, `after a refused restore (${did.join('; ')}), against an untouched twin: ${d.text}`);
      continue;
    }
    log?.('  accepted');
    let again: Platform;
    const snap2 = JSON.stringify(p.snapshot());
    try {
      again = twinOf(p, options, snap2);
    } catch (e) {
      return found('accepted state not re-restorable', `accepted (${did.join('; ')}) but its own snapshot is refused: ${errorText(e)}`);
    }
    const s3 = JSON.stringify(again.snapshot());
    if (s3 !== snap2)
      return found(
        'accepted state drifts on re-restore',
        `accepted (${did.join('; ')}); re-restored snapshot differs: ${firstDifference(JSON.parse(snap2), JSON.parse(s3))}`,
      );
    const d = runBoth(p, again, continuation);
    accesses += 2 * continuation.length;
    if (d !== null) return found(`after acceptance: ${d.kind}`, `accepted (${did.join('; ')}), against its re-restored twin: ${d.text}`);
  }
  return { profile, restores, refused, accesses, finding: null };
}

export function runSnapshotFuzz(budgetMs: number, seed: number): Record<string, unknown> & { cases: number; seconds: number; findings: string[] } {
  const t0 = Date.now();
  const deadline = t0 + budgetMs;
  const log = new FindingLog();
  let restores = 0;
  let refused = 0;
  let accesses = 0;
  let index = 0;
  const perProfile: Record<string, { restores: number; refused: number; findings: number }> = {};
  for (const name of FUZZ_PROFILES) perProfile[name] = { restores: 0, refused: 0, findings: 0 };
  for (; Date.now() < deadline; index++) {
    let r: SnapshotCaseResult;
    try {
      r = snapshotFuzzCase(seed, index);
    } catch (e) {
      const profile = FUZZ_PROFILES[index % FUZZ_PROFILES.length]!;
      r = { profile, restores: 0, refused: 0, accesses: 0, finding: { kind: 'harness throw', text: `${errorText(e)}; seed ${seed} case ${index}` } };
    }
    restores += r.restores;
    refused += r.refused;
    accesses += r.accesses;
    const s = perProfile[r.profile]!;
    s.restores += r.restores;
    s.refused += r.refused;
    if (r.finding !== null) {
      s.findings++;
      log.add(r.profile, r.finding.kind, r.finding.text);
    }
  }
  return {
    cases: restores,
    seconds: (Date.now() - t0) / 1000,
    findings: log.lines(),
    unit: 'mutated snapshots restored',
    refused,
    accepted: restores - refused,
    guestAccesses: accesses,
    platformCases: index,
    perProfile,
    reproduce: `npm run fuzz -- --only snapshot --seed ${seed} --case <case>`,
  };
}

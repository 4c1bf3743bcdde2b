// `npm run fuzz -- --seconds N [--seed S] [--only NAME]`: the long fuzz campaigns with a time budget.
// Every exported `run<Something>Fuzz(budgetMs, seed)` of the modules in this folder runs in turn
// with an equal share of the budget and the same seed, and returns
// `{ cases, seconds, findings }` (findings: one line each with the seed and case index that
// reproduce it). A campaign that throws, or overruns its share, is itself a finding. One line per
// campaign and a summary go to stdout; the exit code is 0 with no finding, 1 with findings, 2 for
// a usage error. FUZZ_SECONDS / FUZZ_SEED are the environment forms of --seconds / --seed.
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const USAGE =
  'usage: npm run fuzz -- [--seconds N] [--seed S] [--only NAME]   (N > 0, default 60; S an integer 1..2^32-1)\n' +
  '       npm run fuzz -- --only NAME --seed S --case I             (replay one case of a campaign, with its trace)';

interface Args {
  readonly seconds: number;
  readonly seed: number;
  readonly only: string | null;
  readonly caseIndex: number | null;
  readonly seedGiven: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Args {
  let seconds: string | undefined = env.FUZZ_SECONDS;
  let seed: string | undefined = env.FUZZ_SEED;
  let only: string | null = null;
  let caseIndex: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--seconds') seconds = value();
    else if (flag === '--seed') seed = value();
    else if (flag === '--only') only = value();
    else if (flag === '--case') caseIndex = value();
    else if (flag === '--help' || flag === '-h') throw new UsageError('');
    else throw new UsageError(`unknown argument '${a}'`);
  }
  const s = seconds === undefined ? 60 : Number(seconds);
  if (!(s > 0) || !Number.isFinite(s)) throw new UsageError(`--seconds must be a positive number, got '${seconds}'`);
  let sd: number;
  if (seed === undefined) sd = (Date.now() % 0xfffffffe) + 1;
  else {
    sd = Number(seed);
    if (!Number.isInteger(sd) || sd < 1 || sd > 0xffffffff) throw new UsageError(`--seed must be an integer 1..4294967295, got '${seed}'`);
  }
  let ci: number | null = null;
  if (caseIndex !== undefined) {
    ci = Number(caseIndex);
    if (!Number.isInteger(ci) || ci < 0) throw new UsageError(`--case must be a case index (an integer ≥ 0), got '${caseIndex}'`);
    if (seed === undefined || only === null) throw new UsageError('--case needs --seed and --only (the campaign that reported it)');
  }
  return { seconds: s, seed: sd, only, caseIndex: ci, seedGiven: seed !== undefined };
}

export interface FuzzResult {
  cases: number;
  seconds: number;
  findings: string[];
  [extra: string]: unknown;
}

type Campaign = { name: string; file: string; fn: (budgetMs: number, seed: number) => unknown };
/** A campaign module may export `<something>FuzzCase(seed, index, log)` to replay one case with a trace. */
type Replayer = { name: string; file: string; fn: (seed: number, index: number, log: (line: string) => void) => unknown };

async function discover(here: string, only: string | null, replayers: Replayer[] = []): Promise<Campaign[]> {
  const campaigns: Campaign[] = [];
  for (const file of readdirSync(here)
    .filter((f) => f.endsWith('.js'))
    .sort()) {
    if (['run.js', 'fuzz.js', 'harness.js'].includes(file)) continue;
    const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== 'function') continue;
      const needle = only?.toLowerCase();
      if (needle !== undefined && !name.toLowerCase().includes(needle) && !file.toLowerCase().includes(needle)) continue;
      if (/^[a-z][A-Za-z0-9]*FuzzCase$/.test(name)) replayers.push({ name, file, fn: fn as Replayer['fn'] });
      if (!/^run[A-Za-z0-9]*Fuzz$/.test(name)) continue;
      campaigns.push({ name, file, fn: fn as Campaign['fn'] });
    }
  }
  return campaigns;
}

/** A result in the convention's shape; older shapes (decodeCases/executed/ok) are read as well. */
function normalise(raw: unknown, wallSeconds: number): FuzzResult {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const cases = typeof r.cases === 'number' ? r.cases : num(r.decodeCases) + num(r.executed);
  const findings = Array.isArray(r.findings)
    ? r.findings.map(String)
    : r.ok === false
      ? [`campaign reported ok: false: ${JSON.stringify(r).slice(0, 300)}`]
      : [];
  return { ...r, cases, seconds: typeof r.seconds === 'number' ? r.seconds : wallSeconds, findings };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message !== '') process.stderr.write(`fuzz: ${e.message}\n`);
      process.stderr.write(USAGE + '\n');
      return e.message === '' ? 0 : 2;
    }
    throw e;
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const replayers: Replayer[] = [];
  const campaigns = await discover(here, args.only, replayers);
  if (args.caseIndex !== null) {
    if (replayers.length !== 1) {
      process.stderr.write(
        `fuzz: --case needs --only to name exactly one campaign that can replay a case; matches: ${replayers.map((r) => r.name).join(', ') || 'none'}\n`,
      );
      return 2;
    }
    const r = replayers[0]!;
    const result = await r.fn(args.seed, args.caseIndex, (line) => process.stdout.write(line + '\n'));
    process.stdout.write(JSON.stringify(result) + '\n');
    const finding = (result as { finding?: unknown } | null)?.finding;
    return finding === null || finding === undefined ? 0 : 1;
  }
  if (campaigns.length === 0) {
    process.stderr.write(`fuzz: no campaign matches${args.only === null ? '' : ` '${args.only}'`}\n`);
    return 2;
  }
  const shareMs = (args.seconds * 1000) / campaigns.length;
  process.stdout.write(`# seed ${args.seed}, ${args.seconds} s over ${campaigns.length} campaign(s), ${(shareMs / 1000).toFixed(1)} s each\n`);
  let totalCases = 0;
  let totalFindings = 0;
  const started = Date.now();
  for (const c of campaigns) {
    const t0 = Date.now();
    let result: FuzzResult;
    try {
      result = normalise(await c.fn(shareMs, args.seed), (Date.now() - t0) / 1000);
    } catch (e) {
      const wall = (Date.now() - t0) / 1000;
      result = { cases: 0, seconds: wall, findings: [`${c.name} threw (seed ${args.seed}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`] };
    }
    const wall = (Date.now() - t0) / 1000;
    // A campaign must stop within its budget (a little slack for its last case and teardown).
    if (wall > (shareMs / 1000) * 1.25 + 5) {
      result.findings.push(`${c.name} overran its budget: ${wall.toFixed(1)} s for ${(shareMs / 1000).toFixed(1)} s (seed ${args.seed})`);
    }
    totalCases += result.cases;
    totalFindings += result.findings.length;
    const rate = result.seconds > 0 ? Math.round(result.cases / result.seconds) : 0;
    process.stdout.write(`${c.name}: ${result.cases} cases in ${result.seconds.toFixed(1)} s (${rate}/s), ${result.findings.length} finding(s)\n`);
    for (const f of result.findings.slice(0, 50)) process.stdout.write(`  finding: ${f}\n`);
    if (result.findings.length > 50) process.stdout.write(`  … and ${result.findings.length - 50} more\n`);
    const { cases: _c, seconds: _s, findings: _f, ...extra } = result;
    if (Object.keys(extra).length > 0) process.stdout.write(`  ${JSON.stringify(extra)}\n`);
  }
  const total = (Date.now() - started) / 1000;
  process.stdout.write(
    `# summary: seed ${args.seed}, ${campaigns.length} campaign(s), ${totalCases} cases in ${total.toFixed(1)} s, ${totalFindings} finding(s)\n`,
  );
  return totalFindings === 0 ? 0 : 1;
}

process.exitCode = await main();

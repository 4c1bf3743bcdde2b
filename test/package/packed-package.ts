// The package as `npm run package` packs it, unpacked as a linked (pnpm-style) install outside the
// repository, shared by every test that needs it (test/package, test/docs) and cached between runs.
// Packing and unpacking take seconds of CPU (a rebuild of a stale dist/ ~30 s more), so the result is
// kept in the temporary directory (outside the repository, so nothing resolves from its node_modules),
// keyed by a hash of everything the tarball is made from; a test file that finds it ready uses it,
// one that finds another worker packing it waits for it.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** hvmdev's dependencies (and theirs) that the install links beside it, as a strict install would. */
const DEPENDENCIES = ['immer', 'reflect-metadata', 'tsyringe', 'tslib'];
/** What the tarball is made from besides dist/ and src/ (package.json "files" and the packer). */
const PACKED_FILES = ['package.json', 'tools/pack-package.mjs', 'README.md', 'CHANGELOG.md', 'LICENSE'];
const PACKED_DIRS = ['dist/src', 'dist/cli', 'src', 'docs'];
/** How long to wait for another worker's build and pack before giving up. */
const WAIT_MS = 600_000;

export interface PackedPackage {
  /** The tarball `npm run package` wrote. */
  readonly tarball: string;
  /** The unpacked package: <store>/node_modules/hvmdev, its dependencies linked beside it. */
  readonly installed: string;
}

export function link(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(from, to, 'dir');
}

/** Whether dist/ is missing, older than src/, or holds output of a source file that is gone. */
function distIsStale(): boolean {
  if (!existsSync(join(REPO_ROOT, 'dist/cli/hvmdev.js'))) return true;
  const built = (f: string) => join(REPO_ROOT, 'dist/src', f.replace(/\.ts$/, '.js'));
  const sources = (readdirSync(join(REPO_ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  if (sources.some((f) => !existsSync(built(f)) || statSync(built(f)).mtimeMs < statSync(join(REPO_ROOT, 'src', f)).mtimeMs)) return true;
  const outputs = (readdirSync(join(REPO_ROOT, 'dist/src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
  if (outputs.some((f) => !existsSync(join(REPO_ROOT, 'src', f.replace(/\.js$/, '.ts'))))) return true;
  // The bundle is written after tsc: older than the library output means an interrupted build.
  return statSync(join(REPO_ROOT, 'dist/cli/hvmdev.js')).mtimeMs < statSync(join(REPO_ROOT, 'dist/src/cli/bin.js')).mtimeMs;
}

/** A hash of the tarball's inputs: file names, sizes and modification times (contents for the small files). */
function inputsKey(): string {
  const h = createHash('sha256');
  for (const f of PACKED_FILES) h.update(`${f}\0`).update(readFileSync(join(REPO_ROOT, f)));
  for (const d of PACKED_DIRS) {
    for (const f of (readdirSync(join(REPO_ROOT, d), { recursive: true }) as string[]).sort()) {
      if (d === 'docs' && f.startsWith('api')) continue;
      const s = statSync(join(REPO_ROOT, d, f));
      if (s.isFile()) h.update(`${d}/${f}\0${s.size}\0${s.mtimeMs}\0`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let cached: PackedPackage | undefined;

/**
 * The packed and unpacked package for the current tree, built (when dist/ is stale), packed and
 * unpacked once per tree. Test files in parallel workers take turns through a lock folder.
 */
export function packedPackage(): PackedPackage {
  if (cached !== undefined) return cached;
  // One cache folder per checkout, so parallel worktrees never share (or prune) each other's.
  const base = join(tmpdir(), `hvmdev-packed-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}`);
  const lock = join(base, 'lock');
  mkdirSync(base, { recursive: true });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest wait was left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > WAIT_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`packedPackage: gave up waiting for ${lock}; remove it if no test run holds it`);
      sleep(250);
    }
  }
  try {
    // CI's `npm ci` builds dist/; a checkout edited since its last build is rebuilt here first.
    if (distIsStale()) execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
    const dir = join(base, inputsKey());
    if (!existsSync(join(dir, 'ready.json'))) pack(dir, base);
    cached = JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8')) as PackedPackage;
    return cached;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Packs into `dir` and unpacks there; removes the packs of earlier trees. */
function pack(dir: string, base: string): void {
  for (const old of readdirSync(base)) if (old !== 'lock') rmSync(join(base, old), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync(process.execPath, [join(REPO_ROOT, 'tools/pack-package.mjs'), dir], { encoding: 'utf8' }).trim();
  const installed = join(dir, 'store/node_modules/hvmdev');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const dep of DEPENDENCIES) link(join(REPO_ROOT, 'node_modules', dep), join(dir, 'store/node_modules', dep));
  writeFileSync(join(dir, 'ready.json'), JSON.stringify({ tarball, installed } satisfies PackedPackage));
}

// Relative links in Markdown and the anchors they name, resolved the way GitHub renders them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Markdown without its fenced code blocks (a `#` line there is not a heading, a link not a link). */
export function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped (letters, digits, `_`, `-` kept), spaces as `-`. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page's headings give, a repeated heading numbered `-1`, `-2`, … as GitHub does. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.*?)[ \t#]*$/gm)) {
    const slug = headingSlug(m[1]!);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** The inline links' targets of a page, in order (`[text](target)`; the text may span lines). */
export function linkTargets(markdown: string): string[] {
  const text = withoutFences(markdown).replace(/`[^`\n]*`/g, ''); // a link in inline code is text
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** Paths (relative to the root) whose targets are generated, not committed: a link into them is not checked. */
export const GENERATED = ['docs/api/'];

/**
 * What is wrong with each relative link of `page` (a path relative to `root`): a file that does not
 * exist, or an anchor its target page has no heading for. URLs with a scheme (https:, mailto:) are
 * not checked.
 */
export function brokenLinks(root: string, page: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const from = join(root, page);
  const problems: string[] = [];
  for (const target of linkTargets(read(from))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const hash = target.indexOf('#');
    const path = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
    const file = path === '' ? from : resolve(dirname(from), decodeURIComponent(path));
    const inRepo = relative(root, file).replace(/\\/g, '/');
    if (GENERATED.some((g) => inRepo.startsWith(g))) continue;
    if (!existsSync(file)) {
      problems.push(`${page}: ${target}: no file ${inRepo}`);
      continue;
    }
    if (anchor !== null && file.endsWith('.md') && !anchorsOf(read(file)).has(anchor)) {
      problems.push(`${page}: ${target}: ${inRepo} has no heading #${anchor}`);
    }
  }
  return problems;
}

/**
 * The Markdown pages (paths relative to `root`) a reader reaches from `start` by following relative
 * links; a link to a folder reaches every page in it, as GitHub lists them.
 */
export function reachablePages(root: string, start: string): Set<string> {
  const reached = new Set<string>([start]);
  const queue = [start];
  for (let page = queue.pop(); page !== undefined; page = queue.pop()) {
    for (const target of linkTargets(readFileSync(join(root, page), 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const path = decodeURIComponent(target.split('#')[0]!);
      if (path === '') continue;
      const file = resolve(dirname(join(root, page)), path);
      if (!existsSync(file)) continue;
      const found = statSync(file).isDirectory()
        ? readdirSync(file)
            .filter((f) => f.endsWith('.md'))
            .map((f) => join(file, f))
        : file.endsWith('.md')
          ? [file]
          : [];
      for (const f of found) {
        const rel = relative(root, f).replace(/\\/g, '/');
        if (!reached.has(rel)) {
          reached.add(rel);
          queue.push(rel);
        }
      }
    }
  }
  return reached;
}

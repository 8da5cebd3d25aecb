import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Every relative link in every Markdown file of the repository resolves inside it: the file (or
 * folder) exists, and a `#fragment` into a Markdown file names one of its headings (GitHub's
 * anchors). Links to other sites are not followed (the machine has no network).
 */
const ROOT = join(__dirname, '..', '..');

function markdownFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '' && !path.startsWith('node_modules/') && existsSync(join(ROOT, path)));
}

/** Link targets of a Markdown text, code spans and fenced blocks left out. */
export function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);
  const references = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1]!);
  return [...inline, ...references];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(path, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = anchorOf(match[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function brokenLinks(file: string): string[] {
  const absolute = join(ROOT, file);
  const broken: string[] = [];
  for (const target of linkTargets(readFileSync(absolute, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: …
    const [pathPart, fragment] = target.split('#', 2) as [string, string | undefined];
    const resolved = pathPart === '' ? absolute : resolve(dirname(absolute), decodeURIComponent(pathPart));
    if (relative(ROOT, resolved).startsWith('..')) {
      broken.push(`${target} (outside the repository)`);
      continue;
    }
    if (!existsSync(resolved)) {
      broken.push(`${target} (no such file)`);
      continue;
    }
    if (fragment !== undefined && fragment !== '' && resolved.endsWith('.md') && statSync(resolved).isFile() && !anchorsOf(resolved).has(fragment)) {
      broken.push(`${target} (no such heading)`);
    }
  }
  return broken;
}

describe('Markdown links', () => {
  it('finds the documents (README, docs/API.md, docs/ARCHITECTURE.md among them)', () => {
    expect(markdownFiles()).toEqual(expect.arrayContaining(['README.md', 'docs/API.md', 'docs/ARCHITECTURE.md']));
  });

  it('every relative link in every Markdown file resolves inside the repository', () => {
    const broken = markdownFiles().flatMap((file) => brokenLinks(file).map((link) => `${file}: ${link}`));
    expect(broken).toEqual([]);
  });

  it('and the checker sees what it must: inline and reference links, not code; anchors as GitHub makes them', () => {
    const sample = ['See [a](docs/A.md#x-y "title") and [site](https://example.com).', '[b]: ../b.md', '`[c](nope.md)`', '```', '[d](nope.md)', '```'].join('\n');
    expect(linkTargets(sample)).toEqual(['docs/A.md#x-y', 'https://example.com', '../b.md']);
    expect(anchorOf('Reconnect storms: one instance / a zone')).toBe('reconnect-storms-one-instance--a-zone');
    expect(anchorOf('`npm run bench` — figures')).toBe('npm-run-bench--figures');
  });
});

/**
 * 88: the code in README.md and docs/*.md runs. Every ```ts block is a program a user would paste: it is
 * type-checked as TypeScript with `strict`, run as an ES module, and run as CommonJS (its `import … from
 * 'descent'` turned into `require`), against the built package (dist/) resolved by name through a node_modules
 * link, in a temporary directory. A block preceded by `<!-- fragment -->` is a fragment (it uses names defined
 * around it) and is only counted.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const DOCS = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Block {
  file: string;
  line: number;
  code: string;
  fragment: boolean;
}

/** The ```ts blocks of a Markdown file, with their line numbers. */
function blocks(file: string): Block[] {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j]!.trim() !== '```') j++;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    out.push({ file, line: start + 1, code: lines.slice(start, j).join('\n'), fragment: k >= 0 && lines[k]!.trim() === '<!-- fragment -->' });
    i = j;
  }
  return out;
}

/** ESM imports of 'descent' as CommonJS requires, the body in an async function (for top-level await). */
function toCommonJs(code: string): string {
  const body = code.replace(/import\s*\{([^}]*)\}\s*from\s*'descent';/g, (_, names: string) => `const {${names.replace(/\s+as\s+/g, ': ')}} = require('descent');`);
  assert.doesNotMatch(body, /^\s*import\s/m, 'only named imports of descent are converted');
  return `'use strict';\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exitCode = 1; });\n`;
}

describe('88 documentation code runs', () => {
  const dist = path.join(root, 'dist', 'index.js');
  // The snippets run in a temporary directory: an addon path given relative to ours (the sanitizer job) must stay valid.
  const env = { ...process.env, ...(process.env.DESCENT_ADDON_PATH ? { DESCENT_ADDON_PATH: path.resolve(process.env.DESCENT_ADDON_PATH) } : {}) };
  const all = DOCS.flatMap(blocks);
  let tmp = '';
  before(function () {
    if (!fs.existsSync(dist)) {
      console.log('      (skipped: dist/ not built; run npm run build:ts)');
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-88-'));
    fs.mkdirSync(path.join(tmp, 'node_modules'));
    fs.symlinkSync(root, path.join(tmp, 'node_modules', 'descent'), 'dir');
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the docs hold runnable TypeScript blocks (README has the quick start)', () => {
    assert.ok(all.filter((b) => !b.fragment && b.file === 'README.md').length >= 1, 'README.md has a runnable ```ts block');
  });

  it('every runnable block type-checks under strict TypeScript against the published types', function () {
    const runnable = all.filter((b) => !b.fragment);
    if (runnable.length === 0) this.skip();
    const files = runnable.map((b, i) => {
      const f = path.join(tmp, `snippet${i}.mts`);
      fs.writeFileSync(f, `${b.code}\nexport {};\n`);
      return f;
    });
    fs.writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'node16', moduleResolution: 'node16', types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')], skipLibCheck: true },
      files,
    }));
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(tmp, 'tsconfig.json')], { encoding: 'utf8' });
    const where = runnable.map((b, i) => `snippet${i} = ${b.file}:${b.line}`).join(', ');
    assert.equal(r.status, 0, `tsc --strict on the docs' blocks (${where}):\n${r.stdout}${r.stderr}`);
  });

  for (const [kind, ext] of [['ES module', 'mjs'], ['CommonJS', 'cjs']] as const) {
    it(`every runnable block runs as ${kind}`, function () {
      this.timeout(300_000);
      const runnable = all.filter((b) => !b.fragment);
      if (runnable.length === 0) this.skip();
      runnable.forEach((b, i) => {
        const dir = fs.mkdtempSync(path.join(tmp, `${ext}${i}-`));
        const f = path.join(tmp, `run${i}.${ext}`);
        fs.writeFileSync(f, ext === 'mjs' ? b.code : toCommonJs(b.code));
        try {
          execFileSync(process.execPath, [f], { cwd: dir, encoding: 'utf8', stdio: 'pipe', timeout: 240_000, env });
        } catch (e) {
          const err = e as { stdout?: string; stderr?: string };
          assert.fail(`${b.file}:${b.line} as ${kind} failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
        }
      });
    });
  }

  it('fragments are marked as such (the only blocks not run)', () => {
    for (const b of all.filter((x) => x.fragment)) assert.ok(b.code.trim().length > 0, `${b.file}:${b.line}`);
  });
});

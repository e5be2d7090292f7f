import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { LogisticRegression, loadCsvSync } from '../lib';
import { native, requireNative } from './support/backends';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist', 'index.js');
// The linux-x64 platform package's binary (npm run prebuild:all linux-x64-gnu).
const platformDir = path.join(root, 'npm', 'linux-x64-gnu');
const platformBinary = path.join(platformDir, 'descent.node');
const prebuild = fs.existsSync(platformBinary) ? platformBinary : undefined;
const PLATFORMS = ['linux-x64-gnu', 'linux-arm64-gnu', 'win32-x64'];

function needDist(ctx: Mocha.Context): void {
  if (!fs.existsSync(dist)) {
    console.log('      (skipped: dist/ not built; run npm run build:ts)');
    ctx.skip();
  }
}
function needPrebuild(ctx: Mocha.Context): void {
  if (!prebuild) {
    console.log('      (skipped: no npm/linux-x64-gnu/descent.node; run npm run prebuild:all linux-x64-gnu)');
    ctx.skip();
  }
}
const node = (code: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

describe('85 package: prebuilt binary', () => {
  it('the linux-x64 binary needs no libopenblas, libgfortran, libgomp or libstdc++ (ldd)', function () {
    needPrebuild(this);
    const libs = execFileSync('ldd', [prebuild!], { encoding: 'utf8' });
    for (const bad of ['libopenblas', 'libgfortran', 'libgomp', 'libstdc++', 'libblas']) assert.ok(!libs.includes(bad), `${bad} in:\n${libs}`);
    const exported = execFileSync('nm', ['-D', '--defined-only', prebuild!], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(exported.map((l) => l.split(' ').at(-1)).sort(), ['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });

  it('the linux-x64 binary loads and trains to the same weights as the source build', function () {
    needPrebuild(this);
    needDist(this);
    const code = `const d=require('./dist');const m=new d.LogisticRegression({standardize:true});const x=d.loadCsvSync(d.datasetPath('breast-cancer'));` +
      `m.fit(x.X,x.y,{epochs:5,seed:1}).then(()=>console.log(JSON.stringify({i:d.info(),w:Array.from(m.getParameterVector())})))`;
    const r = node(code, { DESCENT_ADDON_PATH: prebuild!, DESCENT_BACKEND: 'native', DESCENT_GEMM: 'openblas' });
    assert.equal(r.status, 0, r.stderr);
    const { i, w } = JSON.parse(r.stdout);
    assert.equal(i.backend, 'native');
    assert.equal(i.addon.from, 'DESCENT_ADDON_PATH');
    assert.equal(i.addon.path, prebuild);
    const local = node(code, { DESCENT_ADDON_PATH: '', DESCENT_BACKEND: 'native', DESCENT_GEMM: 'openblas' });
    assert.equal(local.status, 0, local.stderr);
    const l = JSON.parse(local.stdout);
    assert.notEqual(l.i.addon.path, prebuild);
    for (let k = 0; k < w.length; k++) assert.ok(Math.abs(w[k] - l.w[k]) <= 1e-5 * (1 + Math.abs(l.w[k])), `weight ${k}: ${w[k]} vs ${l.w[k]}`);
  });

  it('DESCENT_SIMD forces each lower table; the CPU check never picks one the CPU lacks', function () {
    requireNative(this);
    needDist(this);
    const best = native!.info().simdBest;
    const order = native!.info().tables;
    assert.deepEqual(order, process.arch === 'arm64' ? ['scalar', 'neon'] : ['scalar', 'avx2', 'avx512']);
    for (const want of order) {
      const r = node(`console.log(require('./dist').info().simd)`, { DESCENT_SIMD: want });
      const expected = order.indexOf(want) <= order.indexOf(best) ? want : best;
      assert.equal(r.stdout.trim(), expected);
    }
  });
});

describe('85 package: backend selection', () => {
  before(function () {
    needDist(this);
  });
  it('DESCENT_BACKEND=js runs on the JS backend and says why', () => {
    const r = node(`const d=require('./dist');console.log(JSON.stringify(d.info()))`, { DESCENT_BACKEND: 'js' });
    const i = JSON.parse(r.stdout);
    assert.equal(i.backend, 'js');
    assert.match(i.reason, /DESCENT_BACKEND=js/);
  });
  it('an addon that cannot load falls back to JS with one warning; DESCENT_BACKEND=native makes it an error listing fixes', () => {
    const code = `const d=require('./dist');const m=new d.LinearRegression();m.fit([[1],[2]],[1,2],{epochs:1}).then(()=>m.fit([[1],[2]],[1,2],{epochs:1})).then(()=>console.log(d.info().backend))`;
    const r = node(code, { DESCENT_ADDON_PATH: '/nonexistent/descent.node', DESCENT_BACKEND: '' });
    assert.equal(r.stdout.trim(), 'js');
    assert.equal(r.stderr.match(/DescentWarning/g)?.length, 1, r.stderr);
    const f = node(`const d=require('./dist');try{new d.LinearRegression({backend:'native'}).fit([[1]],[1]).catch(e=>{console.log(e.name);console.log(e.message)})}catch(e){console.log(e.name)}`, { DESCENT_ADDON_PATH: '/nonexistent/descent.node' });
    assert.match(f.stdout, /BackendError/);
    assert.match(f.stdout, /Likely fixes/);
    assert.match(f.stdout, /npm rebuild descent/);
  });
});

describe('85 package: worker threads', () => {
  before(function () {
    needDist(this);
  });
  it('four workers load descent and train breast-cancer concurrently; all equal the main thread', async () => {
    const d = loadCsvSync(path.join(root, 'datasets', 'breast-cancer.csv'));
    const m = new LogisticRegression({ standardize: true });
    await m.fit(d.X, d.y, { epochs: 30, batchSize: 16, learningRate: 0.05, seed: 3 });
    const expected = Array.from(m.getParameterVector());
    const results = await Promise.all(Array.from({ length: 4 }, () => new Promise<{ params: number[]; backend: string }>((resolve, reject) => {
      const w = new Worker(path.join(__dirname, 'fixtures', 'worker-train.js'), { workerData: { root, epochs: 30 } });
      w.on('message', (msg) => {
        if (msg.error) reject(new Error(msg.error));
        else if (msg.params) {
          resolve(msg);
          void w.terminate();
        }
      });
      w.on('error', reject);
    })));
    for (const r of results) {
      assert.equal(r.backend, native ? 'native' : 'js');
      assert.deepEqual(r.params, expected);
    }
  });

  it('terminating workers mid-training does not crash the process', async () => {
    for (let k = 0; k < 6; k++) {
      const w = new Worker(path.join(__dirname, 'fixtures', 'worker-train.js'), { workerData: { root, epochs: 100000 } });
      await new Promise((r) => w.once('message', r));
      await new Promise((r) => setTimeout(r, 20 + 15 * k));
      await w.terminate();
    }
    const m = new LogisticRegression();
    await m.fit([[0], [1]], [0, 1], { epochs: 1 });
    assert.equal(m.predict([[1]]).length, 1);
  });
});

describe('85 package: tarball', () => {
  let files: { path: string; size: number }[] = [];
  let size = 0;
  before(function () {
    needDist(this);
    this.timeout(120000);
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const info = JSON.parse(out)[0];
    files = info.files;
    size = info.size;
  });
  it('holds dist/, the native sources, binding.gyp, datasets/, README and licences — and nothing else', () => {
    const paths = files.map((f) => f.path);
    for (const need of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/cli/main.js', 'binding.gyp', 'native/binding/addon.cc', 'native/kernels/optimizers_impl.h', 'native/engine/trainer.cc', 'native/io/csv.cc', 'native/third_party/fast_float/LICENSE', 'datasets/diabetes.csv', 'datasets/breast-cancer.csv', 'datasets/digits.csv', 'datasets/README.md', 'README.md', 'LICENSE', 'package.json']) {
      assert.ok(paths.includes(need), `missing ${need}`);
    }
    for (const need of ['scripts/install.js', 'scripts/platform-package.js', 'scripts/blas-config.js']) assert.ok(paths.includes(need), `missing ${need}`);
    // Binaries travel only in the platform packages.
    assert.deepEqual(paths.filter((p) => p.endsWith('.node')), []);
    const allowed = /^(dist\/|native\/(binding|engine|kernels|io|third_party)\/|scripts\/(install|platform-package|blas-config)\.js$|datasets\/|binding\.gyp$|README\.md$|LICENSE$|package\.json$)/;
    const extra = paths.filter((p) => !allowed.test(p));
    assert.deepEqual(extra, []);
    assert.ok(!paths.some((p) => /^(test|bench|examples|\.ci|build)\//.test(p)));
  });
  it('packs to under 2 MB (the binaries are in the platform packages)', () => {
    assert.ok(size < 2 * 1024 * 1024, `${(size / 1048576).toFixed(1)} MB`);
  });
});

describe('85 package: platform packages', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const main = require('../package.json') as { version: string; optionalDependencies: Record<string, string>; files: string[] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PUBLISHED, platformPackage } = require('../scripts/platform-package.js') as { PUBLISHED: string[]; platformPackage(p?: string, a?: string): string };
  it('descent lists exactly the npm/ packages as optionalDependencies, at its own version', () => {
    assert.deepEqual(Object.keys(main.optionalDependencies).sort(), PLATFORMS.map((p) => `@descent/${p}`).sort());
    assert.deepEqual(PUBLISHED.slice().sort(), Object.keys(main.optionalDependencies).sort());
    for (const v of Object.values(main.optionalDependencies)) assert.equal(v, main.version);
  });
  it('each package.json names its platform (os, cpu, libc) and ships descent.node alone', () => {
    for (const p of PLATFORMS) {
      const pj = JSON.parse(fs.readFileSync(path.join(root, 'npm', p, 'package.json'), 'utf8'));
      assert.equal(pj.name, `@descent/${p}`);
      assert.equal(pj.version, main.version);
      assert.equal(pj.main, 'descent.node');
      assert.deepEqual(pj.files, ['descent.node']);
      const [os_, cpu] = p.split('-');
      assert.deepEqual(pj.os, [os_]);
      assert.deepEqual(pj.cpu, [cpu]);
      assert.deepEqual(pj.libc, p.endsWith('-gnu') ? ['glibc'] : undefined);
      assert.equal(platformPackage(os_, cpu).startsWith(`@descent/${os_}-${cpu}`), true);
    }
  });
  it('the loader and the install script look for the same package as the platform table', () => {
    assert.equal(platformPackage('win32', 'x64'), '@descent/win32-x64');
    assert.equal(platformPackage('darwin', 'arm64'), '@descent/darwin-arm64');
    if (process.platform === 'linux') assert.equal(platformPackage(), `@descent/linux-${process.arch}-gnu`);
  });
});

describe('85 package: install from the tarballs with no compiler', function () {
  this.timeout(600000);
  let scratch = '';
  let tgz = '';
  let env: NodeJS.ProcessEnv = {};
  before(function () {
    needDist(this);
    if (process.env.DESCENT_SKIP_INSTALL_TEST) {
      console.log('      (skipped: DESCENT_SKIP_INSTALL_TEST is set)');
      this.skip();
    }
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-install-'));
    tgz = path.join(scratch, execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').at(-1)!);
    const bin = path.join(scratch, 'bin');
    fs.mkdirSync(bin);
    // npm runs scripts and npx runs package bins through sh (a shell, not a compiler).
    for (const tool of ['node', 'npm', 'npx', 'sh']) fs.symlinkSync(execFileSync('which', [tool], { encoding: 'utf8' }).trim(), path.join(bin, tool));
    env = { ...process.env, PATH: bin, DESCENT_ADDON_PATH: '', DESCENT_BACKEND: '', DESCENT_SIMD: '', DESCENT_GEMM: '' };
  });
  after(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });
  const app = (name: string): string => {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
    return dir;
  };

  it('descent + its linux-x64 platform package: the addon loads from the package and `npx descent demo` runs natively', function () {
    needPrebuild(this);
    const pkg = path.join(scratch, execFileSync('npm', ['pack', platformDir, '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').at(-1)!);
    const dir = app('with-package');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', tgz, pkg], { cwd: dir, env, stdio: 'pipe' });
    assert.ok(!spawnSync('sh', ['-c', 'command -v cc g++ make'], { env }).stdout?.toString().trim(), 'no compiler on PATH');
    const i = JSON.parse(execFileSync('node', ['-e', "console.log(JSON.stringify(require('descent').info()))"], { cwd: dir, env, encoding: 'utf8' }));
    assert.equal(i.backend, 'native');
    assert.equal(i.addon.from, 'platform package');
    assert.match(i.addon.path, /node_modules\/@descent\/linux-x64-gnu\/descent\.node$/);
    assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'descent', 'build', 'Release')), 'no source build was attempted');
    const demo = execFileSync('npx', ['descent', 'demo'], { cwd: dir, env, encoding: 'utf8' });
    assert.match(demo, /breast-cancer/);
    assert.match(demo, /backend: native/);
  });

  it('descent alone (no platform package, no compiler): npm install exits 0, and require() runs on JS with one warning naming what was missing', () => {
    const dir = app('alone');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', tgz], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /missing a C\+\+17 compiler/);
    const code = "const d=require('descent');const m=new d.LinearRegression();m.fit([[1],[2]],[1,2],{epochs:1}).then(()=>m.fit([[1],[2]],[1,2],{epochs:1})).then(()=>console.log(JSON.stringify(d.info())))";
    const run = spawnSync('node', ['-e', code], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const i = JSON.parse(run.stdout);
    assert.equal(i.backend, 'js');
    assert.equal(i.addon.from, null);
    assert.match(i.addon.installNote, /missing a C\+\+17 compiler \(c\+\+ \/ g\+\+ \/ clang\+\+\), make/);
    assert.equal(run.stderr.match(/DescentWarning/g)?.length, 1, run.stderr);
    assert.match(run.stderr, /@descent\/linux-x64-gnu is not installed/);
  });
});

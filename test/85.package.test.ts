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
const prebuildDir = path.join(root, 'prebuilds', 'linux-x64');
const prebuild = fs.existsSync(prebuildDir) ? fs.readdirSync(prebuildDir).find((f) => f.endsWith('.node')) : undefined;

function needDist(ctx: Mocha.Context): void {
  if (!fs.existsSync(dist)) {
    console.log('      (skipped: dist/ not built; run npm run build:ts)');
    ctx.skip();
  }
}
function needPrebuild(ctx: Mocha.Context): void {
  if (!prebuild) {
    console.log('      (skipped: no prebuilds/linux-x64/*.node; run npm run prebuild)');
    ctx.skip();
  }
}
const node = (code: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

describe('85 package: prebuilt binary', () => {
  it('the prebuild needs no libopenblas, libgfortran, libgomp or libstdc++ (ldd)', function () {
    needPrebuild(this);
    const libs = execFileSync('ldd', [path.join(prebuildDir, prebuild!)], { encoding: 'utf8' });
    for (const bad of ['libopenblas', 'libgfortran', 'libgomp', 'libstdc++', 'libblas']) assert.ok(!libs.includes(bad), `${bad} in:\n${libs}`);
    const exported = execFileSync('nm', ['-D', '--defined-only', path.join(prebuildDir, prebuild!)], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(exported.map((l) => l.split(' ').at(-1)).sort(), ['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });

  it('the prebuild loads and trains like the source build', function () {
    needPrebuild(this);
    needDist(this);
    const r = node(`const d=require('./dist');const i=d.info();console.log(JSON.stringify(i))`, { DESCENT_ADDON_PATH: path.join(prebuildDir, prebuild!), DESCENT_BACKEND: 'native' });
    assert.equal(r.status, 0, r.stderr);
    const i = JSON.parse(r.stdout);
    assert.equal(i.backend, 'native');
    assert.match(i.reason, /prebuilds/);
  });

  it('DESCENT_SIMD forces each lower table; the CPU check never picks one the CPU lacks', function () {
    requireNative(this);
    needDist(this);
    const best = native!.info().simdBest;
    const order = ['scalar', 'avx2', 'avx512'];
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
    if (prebuild) assert.ok(paths.includes(`prebuilds/linux-x64/${prebuild}`));
    const allowed = /^(dist\/|native\/(binding|engine|kernels|io|third_party)\/|prebuilds\/linux-x64\/|datasets\/|binding\.gyp$|README\.md$|LICENSE$|package\.json$)/;
    const extra = paths.filter((p) => !allowed.test(p));
    assert.deepEqual(extra, []);
    assert.ok(!paths.some((p) => /^(test|bench|examples|\.ci|build)\//.test(p)));
  });
  it('packs to under 15 MB', () => {
    assert.ok(size < 15 * 1024 * 1024, `${(size / 1048576).toFixed(1)} MB`);
  });
});

describe('85 package: install from the tarball with no compiler', function () {
  this.timeout(600000);
  it('npm install <tgz> --ignore-scripts, then info() reports the prebuild and `npx descent demo` runs (PATH: node, npm, npx and sh only)', function () {
    needPrebuild(this);
    needDist(this);
    if (process.env.DESCENT_SKIP_INSTALL_TEST) {
      console.log('      (skipped: DESCENT_SKIP_INSTALL_TEST is set)');
      this.skip();
    }
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-install-'));
    try {
      const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
      const app = path.join(scratch, 'app');
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
      const bin = path.join(scratch, 'bin');
      fs.mkdirSync(bin);
      // npx runs package bins through sh (a shell, not a compiler).
      for (const tool of ['node', 'npm', 'npx', 'sh']) fs.symlinkSync(execFileSync('which', [tool], { encoding: 'utf8' }).trim(), path.join(bin, tool));
      const env = { ...process.env, PATH: bin, DESCENT_ADDON_PATH: '', DESCENT_BACKEND: '' };
      execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', path.join(scratch, tgz)], { cwd: app, env, stdio: 'pipe' });
      assert.ok(!spawnSync('sh', ['-c', 'command -v cc g++ make'], { env }).stdout?.toString().trim(), 'no compiler on PATH');
      const i = JSON.parse(execFileSync('node', ['-e', "console.log(JSON.stringify(require('descent').info()))"], { cwd: app, env, encoding: 'utf8' }));
      assert.equal(i.backend, 'native');
      assert.match(i.reason, /prebuilds\/linux-x64/);
      const demo = execFileSync('npx', ['descent', 'demo'], { cwd: app, env, encoding: 'utf8' });
      assert.match(demo, /breast-cancer/);
      assert.match(demo, /backend: native/);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});

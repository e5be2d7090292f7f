import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FormatError, IOError } from '../lib/errors';
import { FASHION_MNIST_DIR, loadFashionMnist, loadIdx, parseIdx } from '../lib/data/idx';

/** Builds an IDX buffer: header for `code`/`dims`, then `body` (already big-endian). */
function idx(code: number, dims: number[], body: number[] | Uint8Array = []): Uint8Array {
  const head = [0, 0, code, dims.length];
  for (const d of dims) head.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  return Uint8Array.from([...head, ...body]);
}

/** Big-endian bytes of values written with a DataView setter. */
function be(size: number, values: number[], set: (v: DataView, off: number, x: number) => void): number[] {
  const dv = new DataView(new ArrayBuffer(size * values.length));
  values.forEach((x, i) => set(dv, i * size, x));
  return [...new Uint8Array(dv.buffer)];
}

function throwsFormat(fn: () => unknown, problem: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    assert.match(e.message, problem);
    assert.match(e.message, /<buffer>|test-source/);
    return true;
  });
}

describe('idx: IDX file loading', () => {
  describe('parseIdx', () => {
    it('reads ubyte (0x08), 1-D', () => {
      const a = parseIdx(idx(0x08, [4], [0, 1, 128, 255]));
      assert.equal(a.dtype, 'uint8');
      assert.deepEqual(a.shape, [4]);
      assert.ok(a.data instanceof Uint8Array);
      assert.deepEqual([...a.data], [0, 1, 128, 255]);
    });

    it('reads sbyte (0x09), 2-D, with negatives', () => {
      const a = parseIdx(idx(0x09, [2, 2], [0x00, 0x7f, 0x80, 0xff]));
      assert.equal(a.dtype, 'int8');
      assert.deepEqual(a.shape, [2, 2]);
      assert.ok(a.data instanceof Int8Array);
      assert.deepEqual([...a.data], [0, 127, -128, -1]);
    });

    it('reads short (0x0B) big-endian, 3-D', () => {
      const a = parseIdx(idx(0x0b, [1, 2, 2], [0x01, 0x02, 0xff, 0xfe, 0x80, 0x00, 0x7f, 0xff]));
      assert.equal(a.dtype, 'int16');
      assert.deepEqual(a.shape, [1, 2, 2]);
      assert.ok(a.data instanceof Int16Array);
      // 0x0102 = 258 (would be 513 if little-endian), 0xFFFE = -2, 0x8000 = -32768, 0x7FFF = 32767
      assert.deepEqual([...a.data], [258, -2, -32768, 32767]);
    });

    it('reads int (0x0C) big-endian, 2-D', () => {
      const a = parseIdx(idx(0x0c, [3, 1], [0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfd, 0x80, 0, 0, 0]));
      assert.equal(a.dtype, 'int32');
      assert.deepEqual(a.shape, [3, 1]);
      assert.ok(a.data instanceof Int32Array);
      assert.deepEqual([...a.data], [0x01020304, -3, -2147483648]);
    });

    it('reads float (0x0D) big-endian, 1-D', () => {
      const body = be(4, [1.5, -2.25, 0.1], (v, o, x) => v.setFloat32(o, x, false));
      const a = parseIdx(idx(0x0d, [3], body));
      assert.equal(a.dtype, 'float32');
      assert.ok(a.data instanceof Float32Array);
      assert.deepEqual([...a.data], [1.5, -2.25, Math.fround(0.1)]);
    });

    it('reads double (0x0E) big-endian, 3-D', () => {
      const vals = [1.5, -2.25, Math.PI, -1e300, 0, 5e-324];
      const a = parseIdx(idx(0x0e, [1, 3, 2], be(8, vals, (v, o, x) => v.setFloat64(o, x, false))));
      assert.equal(a.dtype, 'float64');
      assert.deepEqual(a.shape, [1, 3, 2]);
      assert.ok(a.data instanceof Float64Array);
      assert.deepEqual([...a.data], vals);
    });

    it('accepts zero-sized dimensions and multi-byte dimension values', () => {
      assert.deepEqual(parseIdx(idx(0x0c, [0, 0xffffffff])).shape, [0, 0xffffffff]);
      const big = parseIdx(idx(0x08, [0x0102], new Uint8Array(0x0102)));
      assert.deepEqual(big.shape, [258]);
    });

    it('works on a Buffer view with a nonzero byteOffset and returns a copy', () => {
      const inner = idx(0x0b, [2], [0x01, 0x02, 0x00, 0x03]);
      const outer = Buffer.alloc(inner.length + 3);
      outer.set(inner, 3);
      const view = outer.subarray(3);
      const a = parseIdx(view);
      assert.deepEqual([...a.data], [258, 3]);
      const u = parseIdx(idx(0x08, [2], [7, 8]));
      assert.notEqual(u.data.buffer, view.buffer);
    });
  });

  describe('parseIdx on malformed input', () => {
    it('fewer than 4 bytes', () => {
      throwsFormat(() => parseIdx(new Uint8Array([0, 0, 8])), /at least 4 header bytes/);
    });
    it('nonzero magic', () => {
      throwsFormat(() => parseIdx(Uint8Array.from([0, 1, 8, 1, 0, 0, 0, 0])), /magic/);
      throwsFormat(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0])), /magic/);
    });
    it('unknown dtype code', () => {
      throwsFormat(() => parseIdx(idx(0x0a, [1], [0])), /unknown dtype code 0x0A/);
    });
    it('zero dimensions', () => {
      throwsFormat(() => parseIdx(Uint8Array.from([0, 0, 8, 0])), /dimensions is 0/);
    });
    it('truncated dimension list', () => {
      const full = idx(0x08, [2, 2], [1, 2, 3, 4]);
      throwsFormat(() => parseIdx(full.subarray(0, 10)), /truncated header/);
    });
    it('data shorter than the dimensions say', () => {
      throwsFormat(() => parseIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5])), /shorter/);
      throwsFormat(() => parseIdx(idx(0x0e, [1], [0, 0, 0, 0])), /shorter/);
    });
    it('data longer than the dimensions say', () => {
      throwsFormat(() => parseIdx(idx(0x08, [2], [1, 2, 3])), /longer/);
      throwsFormat(() => parseIdx(idx(0x0b, [1], [1, 2, 3, 4])), /longer/);
    });
    it('dimensions whose product overflows, without allocating', () => {
      const before = process.memoryUsage().arrayBuffers;
      throwsFormat(() => parseIdx(idx(0x0e, [0xffffffff, 0xffffffff], [1, 2, 3, 4, 5, 6, 7, 8])), /shorter/);
      throwsFormat(() => parseIdx(idx(0x08, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff])), /shorter/);
      throwsFormat(() => parseIdx(idx(0x08, [65536, 65536], [1])), /shorter/);
      assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'no large allocation');
    });
    it('names the source in the message', () => {
      throwsFormat(() => parseIdx(new Uint8Array(2), 'test-source.idx'), /test-source\.idx/);
    });
  });

  describe('loadIdx', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-idx-'));
    });
    after(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('reads a gzip file and the same data uncompressed identically', () => {
      const body = be(4, [1, -1, 1.5, -2.25, 3, 1e-3], (v, o, x) => v.setFloat32(o, x, false));
      const raw = idx(0x0d, [2, 3], body);
      const plain = path.join(dir, 'a-idx2-float');
      const gz = path.join(dir, 'a-idx2-float.gz');
      fs.writeFileSync(plain, raw);
      fs.writeFileSync(gz, zlib.gzipSync(raw));
      const a = loadIdx(plain);
      const b = loadIdx(gz);
      assert.deepEqual(a, b);
      assert.deepEqual(a.shape, [2, 3]);
      assert.deepEqual([...a.data], [1, -1, 1.5, -2.25, 3, Math.fround(1e-3)]);
    });

    it('detects gzip by content, not by file name', () => {
      const raw = idx(0x08, [3], [9, 8, 7]);
      const p = path.join(dir, 'no-extension');
      fs.writeFileSync(p, zlib.gzipSync(raw));
      const a = loadIdx(p);
      assert.deepEqual([...a.data], [9, 8, 7]);
      // A small gunzip output is a slice of zlib's 16 KiB chunk: the result must not expose that shared buffer.
      assert.equal(a.data.buffer.byteLength, 3);
    });

    it('throws IOError with cause for a missing file (as every entry point), and FormatError naming the path for a malformed one', () => {
      const missing = path.join(dir, 'missing.idx');
      assert.throws(() => loadIdx(missing), (e: unknown) => {
        assert.ok(e instanceof IOError);
        assert.match(e.message, /Cannot read IDX file/);
        assert.ok(e.cause instanceof Error);
        return true;
      });
      const bad = path.join(dir, 'bad.idx');
      fs.writeFileSync(bad, idx(0x08, [4], [1, 2]));
      assert.throws(() => loadIdx(bad), (e: unknown) => e instanceof FormatError && e.message.includes(bad) && /shorter/.test(e.message));
      const badGz = path.join(dir, 'bad.gz');
      fs.writeFileSync(badGz, zlib.gzipSync(idx(0x08, [4], [1, 2, 3, 4])).subarray(0, 12));
      assert.throws(() => loadIdx(badGz), (e: unknown) => e instanceof FormatError && /gunzip/.test(e.message) && e.cause !== undefined);
    });
  });

  describe('loadFashionMnist', () => {
    it('loads the real data set (60000 + 10000 images of 28×28)', function () {
      if (!fs.existsSync(FASHION_MNIST_DIR)) {
        console.log('      (skipped: Fashion-MNIST not installed; run apt-get install -y dataset-fashion-mnist)');
        this.skip();
      }
      const { train, test, classNames } = loadFashionMnist();
      assert.deepEqual(classNames, [
        'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
      ]);
      assert.equal(train.X.rows, 60000);
      assert.equal(train.X.cols, 784);
      assert.equal(test.X.rows, 10000);
      assert.equal(test.X.cols, 784);
      assert.ok(train.X.data instanceof Float32Array);
      assert.equal(train.X.data.length, 60000 * 784);
      assert.equal(train.y.length, 60000);
      assert.equal(test.y.length, 10000);
      assert.equal(train.featureNames.length, 784);
      assert.equal(train.featureNames[0], 'px0');
      assert.equal(train.featureNames[783], 'px783');
      assert.equal(train.targetName, 'label');
      for (const ds of [train, test]) {
        let min = Infinity;
        let max = -Infinity;
        for (const v of ds.X.data) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        assert.equal(min, 0);
        assert.equal(max, 1);
      }
      const counts = new Array<number>(10).fill(0);
      for (const v of train.y) {
        assert.ok(Number.isInteger(v) && v >= 0 && v <= 9, `label ${v}`);
        counts[v]!++;
      }
      assert.deepEqual(counts, new Array(10).fill(6000));
      const testClasses = new Set(test.y);
      assert.equal(testClasses.size, 10);
      for (const v of testClasses) assert.ok(Number.isInteger(v) && v >= 0 && v <= 9);
      assert.equal(train.y[0], 9);
      assert.equal(classNames[train.y[0]!], 'Ankle boot');
    });

    it('limit takes the first N rows; dtype float64', function () {
      if (!fs.existsSync(FASHION_MNIST_DIR)) {
        console.log('      (skipped: Fashion-MNIST not installed; run apt-get install -y dataset-fashion-mnist)');
        this.skip();
      }
      const { train, test } = loadFashionMnist(FASHION_MNIST_DIR, { limit: 100, dtype: 'float64' });
      assert.equal(train.X.rows, 100);
      assert.equal(test.X.rows, 100);
      assert.equal(train.X.data.length, 100 * 784);
      assert.equal(train.y.length, 100);
      assert.ok(train.X.data instanceof Float64Array);
      assert.equal(train.y[0], 9);
    });

    it('reads unzipped files with the same base names', function () {
      if (!fs.existsSync(FASHION_MNIST_DIR)) {
        console.log('      (skipped: Fashion-MNIST not installed; run apt-get install -y dataset-fashion-mnist)');
        this.skip();
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-fmnist-'));
      try {
        // Small split files written from the first rows of the real test set, unzipped.
        const imgs = loadIdx(path.join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
        const labs = loadIdx(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
        const n = 5;
        for (const prefix of ['train', 't10k']) {
          fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), idx(0x08, [n, 28, 28], imgs.data.subarray(0, n * 784) as Uint8Array));
          fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), idx(0x08, [n], labs.data.subarray(0, n) as Uint8Array));
        }
        const { train, test } = loadFashionMnist(dir);
        assert.equal(train.X.rows, n);
        assert.deepEqual([...test.y], [...labs.data.subarray(0, n)]);
        assert.equal(train.X.data[200], Math.fround(imgs.data[200]! / 255));

        // Count mismatch and wrong image size are FormatErrors.
        fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx(0x08, [n - 1], labs.data.subarray(0, n - 1) as Uint8Array));
        assert.throws(() => loadFashionMnist(dir), (e: unknown) => e instanceof FormatError && /does not match label count/.test(e.message));
        fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idx(0x08, [n, 784], imgs.data.subarray(0, n * 784) as Uint8Array));
        assert.throws(() => loadFashionMnist(dir), (e: unknown) => e instanceof FormatError && /28, 28/.test(e.message));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('throws IOError mentioning apt-get for a missing directory or file', () => {
      const missing = path.join(os.tmpdir(), `descent-no-such-dir-${process.pid}`);
      assert.throws(() => loadFashionMnist(missing), (e: unknown) => e instanceof IOError && /apt-get install -y dataset-fashion-mnist/.test(e.message));
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-empty-'));
      try {
        assert.throws(
          () => loadFashionMnist(empty),
          (e: unknown) => e instanceof IOError && /train-images-idx3-ubyte/.test(e.message) && /apt-get install -y dataset-fashion-mnist/.test(e.message),
        );
      } finally {
        fs.rmSync(empty, { recursive: true, force: true });
      }
    });
  });
});

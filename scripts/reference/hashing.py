#!/usr/bin/python3
"""Oracle for test/97.hashing.test.ts: scikit-learn 1.2 HashingVectorizer on texts with Unicode, punctuation and
n-grams, for several option sets. Writes test/fixtures/text/hashing.json (CSR, indices sorted per row).

  /usr/bin/python3 scripts/reference/hashing.py test/fixtures/text/hashing.json
"""
import json, sys
from sklearn.feature_extraction.text import HashingVectorizer
texts = [
    "The quick brown fox jumps over the lazy dog!",
    "Ünïcödé wörds: naïve café, résumé — and CJK 漢字テスト 123 45",
    "e-mail: someone@example.com; URLs https://example.org/a_b?c=d&e=f",
    "Numbers 3.14159, 2e10 and ½ ² ٣٤ mixed_with_underscores __init__",
    "a I x y z single letters are dropped, 'quoted' \"double\" (parens) [brackets]",
    "Repeated repeated REPEATED words words words",
    "",
    "   \t\n  whitespace only and  multiple   spaces\tand\ttabs\n",
    "Emoji 😀 and combining e\u0301 accents, Ελληνικά κείμενο, русский текст",
    "İstanbul straße ǅemal ﬁnancial",
]
cases = []
for nf, ngr, alt, norm, low in [(2**20, (1, 1), True, 'l2', True), (2**10, (1, 2), True, 'l2', True), (2**18, (1, 3), False, None, True), (16, (2, 2), True, 'l1', False), (2**20, (1, 2), False, 'l2', False)]:
    hv = HashingVectorizer(n_features=nf, ngram_range=ngr, alternate_sign=alt, norm=norm, lowercase=low)
    X = hv.transform(texts).tocsr()
    X.sort_indices()
    cases.append({'nFeatures': nf, 'ngramRange': list(ngr), 'alternateSign': alt, 'norm': norm, 'lowercase': low,
                  'indptr': X.indptr.tolist(), 'indices': X.indices.tolist(), 'values': X.data.tolist()})
import sklearn
from sklearn.utils import murmurhash3_32
keys = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'foo', 'hello world', 'ünïcödé', '漢字', '😀😀', 'x' * 37]
murmur = [{'key': k, 'seed': seed, 'hash': int(murmurhash3_32(k.encode('utf-8'), seed=seed))} for k in keys for seed in (0, 42, 2**31)]
json.dump({'generator': 'scripts/reference/hashing.py', 'sklearn': sklearn.__version__, 'texts': texts, 'cases': cases, 'murmur': murmur}, open(sys.argv[1], 'w'), indent=1, ensure_ascii=False)

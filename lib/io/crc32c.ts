/**
 * CRC32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF, the checksum of
 * iSCSI, ext4, Btrfs and SSE4.2's `crc32` instruction. Check value: CRC32C("123456789") = 0xE3069283.
 *
 * Slicing-by-8 (eight 256-entry tables, eight bytes per step): several hundred MB/s in plain JS, so model files of
 * tens of MB are checked in milliseconds. Model files (lib/io/model-file.ts) store it as 8 lowercase hex digits.
 */

const POLY = 0x82f63b78;

/** `TABLES[k][b]`: the CRC of byte `b` followed by `k` zero bytes (k = 0 … 7), flattened to one array. */
const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + b]!;
      t[k * 256 + b] = (t[prev & 0xff]! ^ (prev >>> 8)) >>> 0;
    }
  }
  return t;
})();

/**
 * Continues a CRC32C over `bytes`. `crc` is a previous result (default 0, the start), so
 * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`.
 * @returns the checksum as an unsigned 32-bit integer.
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  const T = TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const lo = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c =
      T[7 * 256 + (lo & 0xff)]! ^
      T[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      T[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      T[4 * 256 + (lo >>> 24)]! ^
      T[3 * 256 + bytes[i + 4]!]! ^
      T[2 * 256 + bytes[i + 5]!]! ^
      T[256 + bytes[i + 6]!]! ^
      T[bytes[i + 7]!]!;
  }
  for (; i < n; i++) c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC32C as 8 lowercase hex digits (the form model files store). */
export function crc32cHex(bytes: Uint8Array, crc = 0): string {
  return crc32c(bytes, crc).toString(16).padStart(8, '0');
}

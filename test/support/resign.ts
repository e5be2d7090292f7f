/**
 * Re-computes the checksums of a version 2 model file after a deliberate edit, as an editor would: tests that
 * exercise the checks behind the checksums (NaN tensors, a relabelled class, …) edit a file and re-sign it.
 */
import { crc32cHex } from '../../lib/io/crc32c';

export function resign(buf: Uint8Array): Buffer {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
  const meta = header.__metadata__ as Record<string, string>;
  const data = b.subarray(8 + n);
  const sums = JSON.parse(meta.checksums!);
  for (const [name, e] of Object.entries<{ data_offsets: [number, number] }>(header)) {
    if (name !== '__metadata__') sums.tensors[name] = crc32cHex(data.subarray(e.data_offsets[0], e.data_offsets[1]));
  }
  for (const k of ['model', 'checkpoint']) if (meta[k] !== undefined) sums.metadata[k] = crc32cHex(Buffer.from(meta[k]!, 'utf8'));
  meta.checksums = JSON.stringify(sums);
  let h = Buffer.from(JSON.stringify(header));
  h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

// Content digests of float64 tensors, the same bytes numpy hashes: what golden files and checkpoints record of their inputs.
import * as crypto from 'crypto';
import type { Tensor } from '../linalg/tensor';

/**
 * SHA-256 of tensors' float64 little-endian bytes, concatenated in order. In numpy:
 * `hashlib.sha256(b''.join(np.ascontiguousarray(a, '<f8').tobytes() for a in arrays)).hexdigest()`.
 *
 * @example
 * sha256Tensors([u, v]); // '9f86d0…'
 */
export function sha256Tensors(ts: readonly Tensor[]): string {
  const h = crypto.createHash('sha256');
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const t of ts) {
    if (le) h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    else {
      const b = Buffer.alloc(8 * t.data.length);
      t.data.forEach((x, i) => b.writeDoubleLE(x, 8 * i));
      h.update(b);
    }
  }
  return h.digest('hex');
}

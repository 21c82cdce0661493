/**
 * Output buffers for encoders. V8 keeps typed arrays of at most 64 bytes on the JS heap; a larger
 * `new Uint8Array(n)` needs its own off-heap backing store and costs ~5× an encode's other work. Like Node's
 * Buffer pool, small outputs are carved out of a shared slab instead, as plain Uint8Array views.
 *
 * Consequence for callers: `bytes.buffer` may be shared with other packets. Always honour `byteOffset` and
 * `byteLength` (as `new DataView(b.buffer, b.byteOffset, b.byteLength)` does), and never transfer or detach
 * `bytes.buffer`. A live view keeps its whole slab (SLAB_BYTES) alive, as Node's pooled Buffers do.
 */
const SLAB_BYTES = 16 * 1024
/** Outputs above this get their own allocation, so one large packet cannot pin a fresh slab. */
const POOLED_MAX_BYTES = SLAB_BYTES >>> 2

let slab = new ArrayBuffer(SLAB_BYTES)
let slabOffset = 0

/** A zero-filled region of `length` bytes (each slab region is handed out once). */
export function allocBytes(length: number): Uint8Array {
  if (length > POOLED_MAX_BYTES) return new Uint8Array(length)
  if (slabOffset + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES)
    slabOffset = 0
  }
  const bytes = new Uint8Array(slab, slabOffset, length)
  slabOffset = (slabOffset + length + 7) & ~7 // keep views 8-byte aligned
  return bytes
}

/** A copy of `bytes` in a pooled region (a plain Uint8Array even when `bytes` is a Node Buffer). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = allocBytes(bytes.length)
  copy.set(bytes)
  return copy
}

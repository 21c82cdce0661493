/** Deterministic fuzzing helpers shared by the codec fuzz tests (a seeded PRNG and a byte mutator). */

/** mulberry32: a small seeded PRNG, so a fuzz run is repeatable from its seed. Values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [0, n) from a mulberry32 stream seeded with `seed`: picks for mutations and chunk sizes. */
export function picker(seed: number): (n: number) => number {
  const rand = mulberry32(seed)
  return (n) => Math.floor(rand() * n)
}

/** Byte values that sit on OER boundaries (length forms, VarUInt widths, sign bits). */
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x88, 0xff]

/**
 * A copy of `seed` with 1–4 edits: a random byte, a boundary byte, or truncation at a random point
 * (which ends the edits).
 */
export function mutateBytes(rand: () => number, seed: Uint8Array): Uint8Array {
  const b = Uint8Array.from(seed)
  const edits = 1 + Math.floor(rand() * 4)
  for (let k = 0; k < edits && b.length > 0; k++) {
    const at = Math.floor(rand() * b.length)
    const r = rand()
    if (r < 0.55) b[at] = Math.floor(rand() * 256)
    else if (r < 0.8) b[at] = BOUNDARY_BYTES[Math.floor(rand() * BOUNDARY_BYTES.length)]!
    else return b.subarray(0, at)
  }
  return b
}

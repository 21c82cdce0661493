/**
 * WebSocket binary data frames (RFC 6455 §5.2), gathered into batches that go to the socket in one write.
 *
 * Why our own, beside `ws`: ws frames each message on its own, with two socket writes per message (header and
 * payload) through the stream machinery, and on a connector's packet path that was a large part of the link's
 * cost. A BTP session gathers its frames in a FrameBatch instead: each frame's header and payload are written
 * straight into the batch's memory (a BTP packet is encoded in place, not built and then copied), and the batch
 * goes out in one write. ws still does everything else: the handshake, reading and parsing frames,
 * ping/pong/close. Its sender never holds data of ours in a queue between our writes, because it queues only
 * while compressing or reading a Blob, and BTP sockets have compression off and send no Blobs; so frames keep
 * their order on the socket.
 *
 * Clients mask every frame with a fresh random key (§5.3: unpredictable, from a strong source); servers never
 * mask (§5.1).
 */
import { randomFillSync } from 'node:crypto'

/** FIN set, no reserved bits, opcode 2 (binary): every BTP message is one unfragmented binary frame. */
export const FIN_BINARY = 0x82
export const MASK_BIT = 0x80
export const MASK_KEY_LENGTH = 4
/** Random bytes drawn at once for masking keys (as ws does: one system call per 2048 frames). */
const KEY_POOL_BYTES = 8 * 1024
/**
 * Memory a batch is written into. Regions are handed to the socket once and never written again; a new slab
 * is taken when one is full, and an old one is freed when its last write is done. Sized for a batch of 48
 * frames of a few hundred bytes.
 */
const SLAB_BYTES = 32 * 1024

let keyPool = Buffer.alloc(0)
let keyAt = KEY_POOL_BYTES

function headerLength(payloadLength: number, masked: boolean): number {
  const base = payloadLength < 126 ? 2 : payloadLength < 0x1_0000 ? 4 : 10
  return masked ? base + MASK_KEY_LENGTH : base
}

/** Bytes of the frames of `payloads`. */
export function framesSize(payloads: readonly Uint8Array[], masked: boolean): number {
  let size = 0
  for (const p of payloads) size += headerLength(p.length, masked) + p.length
  return size
}

function writeHeader(out: Buffer, at: number, length: number, masked: boolean): number {
  out[at++] = FIN_BINARY
  const maskBit = masked ? MASK_BIT : 0
  if (length < 126) {
    out[at++] = maskBit | length
  } else if (length < 0x1_0000) {
    out[at++] = maskBit | 126
    out.writeUInt16BE(length, at)
    at += 2
  } else {
    out[at++] = maskBit | 127
    out.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at)
    out.writeUInt32BE(length >>> 0, at + 4)
    at += 8
  }
  if (masked) {
    if (keyAt + MASK_KEY_LENGTH > KEY_POOL_BYTES) {
      keyPool = randomFillSync(Buffer.allocUnsafe(KEY_POOL_BYTES))
      keyAt = 0
    }
    out[at] = keyPool[keyAt]!
    out[at + 1] = keyPool[keyAt + 1]!
    out[at + 2] = keyPool[keyAt + 2]!
    out[at + 3] = keyPool[keyAt + 3]!
    keyAt += MASK_KEY_LENGTH
    at += MASK_KEY_LENGTH
  }
  return at
}

/** XORs `out[start..end)` with the 4-byte key just before `start` (§5.3): masks, and unmasks, a payload in place. */
export function xorMask(out: Uint8Array, start: number, end: number): void {
  const k0 = out[start - 4]!
  const k1 = out[start - 3]!
  const k2 = out[start - 2]!
  const k3 = out[start - 1]!
  let i = start
  for (; i + 4 <= end; i += 4) {
    out[i]! ^= k0
    out[i + 1]! ^= k1
    out[i + 2]! ^= k2
    out[i + 3]! ^= k3
  }
  // At most three bytes left, at key positions 0, 1, 2 (i - start is a multiple of 4).
  if (i < end) out[i]! ^= k0
  if (i + 1 < end) out[i + 1]! ^= k1
  if (i + 2 < end) out[i + 2]! ^= k2
}

/**
 * Frames waiting for one socket write. `begin(n)` writes a frame header for `n` payload bytes and returns where
 * the payload goes in `out`; the caller writes exactly `n` bytes there and calls `end()` (or `cancel()`).
 * `add(payload)` does all three. `take()` hands over the batch (usually one buffer; more when it outgrew a slab).
 */
export class FrameBatch {
  private slab: Buffer = Buffer.alloc(0)
  /** Where the batch starts in the slab, and where the next frame goes. */
  private start = 0
  private at = 0
  /** The open frame: it starts at frameAt, its payload is [payloadAt, at). */
  private frameAt = 0
  private payloadAt = 0
  /** Parts of the batch left in earlier slabs. */
  private readonly earlier: Buffer[] = []
  private earlierBytes = 0
  frames = 0

  constructor(private readonly masked: boolean) {}

  /** The memory frames are written into (valid until the next `begin`). */
  get out(): Buffer {
    return this.slab
  }

  /** Bytes in the batch. */
  get bytes(): number {
    return this.earlierBytes + this.at - this.start
  }

  begin(payloadLength: number): number {
    const size = headerLength(payloadLength, this.masked) + payloadLength
    if (this.at + size > this.slab.length) {
      if (this.at > this.start) {
        const part = this.slab.subarray(this.start, this.at)
        this.earlier.push(part)
        this.earlierBytes += part.length
      }
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size))
      this.start = this.at = 0
    }
    this.frameAt = this.at
    this.payloadAt = writeHeader(this.slab, this.at, payloadLength, this.masked)
    this.at = this.payloadAt + payloadLength
    return this.payloadAt
  }

  end(): void {
    if (this.masked) xorMask(this.slab, this.payloadAt, this.at)
    this.frames++
  }

  /** Drops the frame begun last (its payload could not be written). */
  cancel(): void {
    this.at = this.frameAt
  }

  add(payload: Uint8Array): void {
    const at = this.begin(payload.length) // first: it may move to a new slab
    this.slab.set(payload, at)
    this.end()
  }

  /** The batch's bytes, in order, to be written as they are; the batch is empty afterwards. */
  take(): Buffer[] {
    const parts = this.earlier.splice(0)
    if (this.at > this.start) parts.push(this.slab.subarray(this.start, this.at))
    this.start = this.at
    this.earlierBytes = 0
    this.frames = 0
    return parts
  }
}

/** The frames of `payloads`, in order, in one buffer. Masked when `masked` (clients). */
export function encodeFrames(payloads: readonly Uint8Array[], masked: boolean): Buffer {
  const batch = new FrameBatch(masked)
  for (const payload of payloads) batch.add(payload)
  const parts = batch.take()
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
}

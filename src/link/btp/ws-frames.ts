/**
 * WebSocket binary data frames (RFC 6455 §5.2), many written to the socket as one buffer.
 *
 * Why our own, beside `ws`: ws frames each message on its own, with two socket writes per message (header and
 * payload) through the stream machinery, and on a connector's packet path that was a large part of the link's
 * cost. A BTP session writes its batch of frames here in one write instead. ws still does everything else:
 * the handshake, reading and parsing frames, ping/pong/close. Its sender never holds data of ours in a queue
 * between our writes, because it queues only while compressing or reading a Blob, and BTP sockets have
 * compression off and send no Blobs; so frames keep their order on the socket.
 *
 * Clients mask every frame with a fresh random key (§5.3: unpredictable, from a strong source); servers never
 * mask (§5.1).
 */
import { randomFillSync } from 'node:crypto'

/** FIN set, opcode 2 (binary): every BTP message is one unfragmented binary frame. */
const FIN_BINARY = 0x82
const MASK_BIT = 0x80
const MASK_KEY_LENGTH = 4
/** Random bytes drawn at once for masking keys (as ws does: one system call per 2048 frames). */
const KEY_POOL_BYTES = 8 * 1024

let keyPool = Buffer.alloc(0)
let keyAt = KEY_POOL_BYTES

/**
 * Batches are cut from shared slabs, each region handed out once, as Node's Buffer pool does for small
 * buffers: a batch of 48 frames (~7 KB) is past that pool's limit, and an ArrayBuffer of its own per write
 * showed in the profile (allocation, then sweeping by the GC). A slab is freed when its last batch is written.
 */
const SLAB_BYTES = 64 * 1024
const SLAB_MAX_REGION = SLAB_BYTES / 4
let slab = new ArrayBuffer(0)
let slabAt = 0

function allocOut(size: number): Buffer {
  if (size > SLAB_MAX_REGION) return Buffer.allocUnsafe(size)
  if (slabAt + size > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES)
    slabAt = 0
  }
  const out = Buffer.from(slab, slabAt, size)
  slabAt = (slabAt + size + 7) & ~7
  return out
}

function headerLength(payloadLength: number, masked: boolean): number {
  const base = payloadLength < 126 ? 2 : payloadLength < 0x1_0000 ? 4 : 10
  return masked ? base + MASK_KEY_LENGTH : base
}

/** Bytes of the frames of `payloads` as one buffer. */
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
  return at
}

function writeMaskedPayload(out: Buffer, at: number, payload: Uint8Array): number {
  if (keyAt + MASK_KEY_LENGTH > KEY_POOL_BYTES) {
    keyPool = randomFillSync(Buffer.allocUnsafe(KEY_POOL_BYTES))
    keyAt = 0
  }
  const k0 = keyPool[keyAt]!
  const k1 = keyPool[keyAt + 1]!
  const k2 = keyPool[keyAt + 2]!
  const k3 = keyPool[keyAt + 3]!
  keyAt += MASK_KEY_LENGTH
  out[at] = k0
  out[at + 1] = k1
  out[at + 2] = k2
  out[at + 3] = k3
  at += MASK_KEY_LENGTH
  const n = payload.length
  let i = 0
  for (; i + 4 <= n; i += 4) {
    out[at + i] = payload[i]! ^ k0
    out[at + i + 1] = payload[i + 1]! ^ k1
    out[at + i + 2] = payload[i + 2]! ^ k2
    out[at + i + 3] = payload[i + 3]! ^ k3
  }
  // At most three bytes left, at key positions 0, 1, 2 (i is a multiple of 4).
  if (i < n) out[at + i] = payload[i]! ^ k0
  if (i + 1 < n) out[at + i + 1] = payload[i + 1]! ^ k1
  if (i + 2 < n) out[at + i + 2] = payload[i + 2]! ^ k2
  return at + n
}

/** The frames of `payloads`, in order, in one buffer: what goes on the socket. Masked when `masked` (clients). */
export function encodeFrames(payloads: readonly Uint8Array[], masked: boolean): Buffer {
  const out = allocOut(framesSize(payloads, masked))
  let at = 0
  for (const payload of payloads) {
    at = writeHeader(out, at, payload.length, masked)
    if (masked) {
      at = writeMaskedPayload(out, at, payload)
    } else {
      out.set(payload, at)
      at += payload.length
    }
  }
  return out
}

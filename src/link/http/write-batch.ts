/**
 * Bytes waiting for one socket write: HTTP/1.1 requests or responses written straight into shared memory, with
 * no buffer of their own and no concatenation at the write (as FrameBatch does for BTP's WebSocket frames).
 *
 * Memory comes in slabs. A region handed to the socket (`take`) is never written again; when a message does not
 * fit in what is left of the slab, a new slab is taken and the old one is freed once its last write is done.
 */

/**
 * Slabs start small and double, up to the largest, each time a batch spills over into a new one: a connection
 * that carries one message per write (no pipelining) keeps to small slabs (many such connections are open at
 * once, and small ones come from Node's shared pool), a busy pipelined one grows to fit a turn's few dozen
 * messages of a few hundred bytes each.
 */
const SLAB_BYTES_MIN = 2 * 1024
const SLAB_BYTES_MAX = 32 * 1024

export class WriteBatch {
  private slab: Buffer = Buffer.alloc(0)
  private slabBytes = SLAB_BYTES_MIN
  /** Where the batch starts in the slab, and where the next message goes. */
  private start = 0
  private at = 0
  /** Parts of the batch left in earlier slabs. */
  private readonly earlier: Buffer[] = []
  private earlierBytes = 0
  /** Messages in the batch. */
  messages = 0

  /** The memory messages are written into (valid until the next `reserve`). */
  get out(): Buffer {
    return this.slab
  }

  /** Bytes in the batch. */
  get bytes(): number {
    return this.earlierBytes + this.at - this.start
  }

  /**
   * Room for one message of at most `maxBytes`: returns where it starts in `out`. The caller writes it there and
   * calls `commit(end)` with where it ended (a message that cannot be written is dropped by not committing).
   */
  reserve(maxBytes: number): number {
    if (this.at + maxBytes > this.slab.length) {
      if (this.at > this.start) {
        const part = this.slab.subarray(this.start, this.at)
        this.earlier.push(part)
        this.earlierBytes += part.length
        if (this.slabBytes < SLAB_BYTES_MAX) this.slabBytes *= 2
      }
      this.slab = Buffer.allocUnsafe(Math.max(this.slabBytes, maxBytes))
      this.start = this.at = 0
    }
    return this.at
  }

  commit(end: number): void {
    this.at = end
    this.messages++
  }

  /** The batch's bytes, in order: one buffer when it fits in one slab (nearly always). Empty afterwards. */
  take(): Buffer {
    let bytes: Buffer
    if (this.earlier.length === 0) bytes = this.slab.subarray(this.start, this.at)
    else {
      this.earlier.push(this.slab.subarray(this.start, this.at))
      bytes = Buffer.concat(this.earlier, this.earlierBytes + this.at - this.start)
      this.earlier.length = 0
    }
    this.start = this.at
    this.earlierBytes = 0
    this.messages = 0
    return bytes
  }
}

/** Writes `n` (a non-negative integer) in decimal at `out[at..]`; returns where it ends. */
export function writeDecimal(out: Buffer, at: number, n: number): number {
  if (n < 10) {
    out[at] = 48 + n
    return at + 1
  }
  let digits = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
  let i = at + digits
  for (let x = n; i > at; x = Math.floor(x / 10)) out[--i] = 48 + (x % 10)
  return at + digits
}

/** Longest decimal writeDecimal writes for a body length (Number.MAX_SAFE_INTEGER has 16 digits). */
export const DECIMAL_MAX_BYTES = 16

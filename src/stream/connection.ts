/**
 * The receiving half of a STREAM connection: plain state records. The logic that reads them is pure
 * (receive-decide.ts); the one place that writes them is receive-apply.ts. No classes with hidden fields.
 */
import type { StreamKeys } from './crypto.js'
import type { ReceiptSetup } from './credentials.js'
import { SEQUENCE_WINDOW_MAX } from './limits.js'

export type CloseState = { readonly kind: 'open' } | { readonly kind: 'closed'; readonly by: 'local' | 'remote'; readonly code: number; readonly message: string }

export const OPEN: CloseState = { kind: 'open' }

/** One stream as the receiver sees it. Advertised limits (`receiveMax`, `dataMaxOffset`) never shrink. */
export interface StreamRecord {
  readonly id: bigint
  state: CloseState
  /** StreamMaxMoney we advertise: the most this stream may receive in total. */
  receiveMax: bigint
  totalReceived: bigint
  /** StreamMaxData we advertise: the highest byte offset (exclusive) the peer may send. */
  dataMaxOffset: bigint
  /** Bytes delivered in order to the application (the next expected offset). */
  dataDelivered: bigint
  /** Highest end offset seen, for the connection-level data limit. */
  dataHighest: bigint
  /** Out-of-order fragments by offset, bounded by STREAM_FRAGMENTS_MAX. */
  readonly fragments: Map<bigint, Uint8Array>
}

export interface ConnectionRecord {
  /** The token from the destination address: stable, unique per connection, not secret. */
  readonly id: string
  readonly keys: StreamKeys
  readonly receipt?: ReceiptSetup
  state: CloseState
  remoteAddress?: string
  remoteAsset?: { readonly code: string; readonly scale: number }
  readonly streams: Map<bigint, StreamRecord>
  /** ConnectionMaxStreamId we advertise for the peer's streams. */
  maxStreamId: bigint
  /** ConnectionMaxData we advertise. */
  connectionMaxData: bigint
  totalReceived: bigint
  readonly sequences: SequenceWindow
  lastActivityMs: number
  /** The latest `expiresAt` of any Prepare seen: until then a replay could still arrive. */
  latestExpiryMs: number
  readonly openedAtMs: number
}

export interface ConnectionDefaults {
  /** Parity of the stream IDs the peer opens: 1n (odd) when we are the server, 0n (even) for the client. */
  readonly peerStreamParity: bigint
  readonly maxStreamId: bigint
  readonly connectionMaxData: bigint
  readonly streamReceiveMax: bigint
  readonly streamMaxData: bigint
}

export function newConnection(id: string, keys: StreamKeys, receipt: ReceiptSetup | undefined, defaults: ConnectionDefaults, nowMs: number): ConnectionRecord {
  return {
    id,
    keys,
    ...(receipt && { receipt }),
    state: OPEN,
    streams: new Map(),
    maxStreamId: defaults.maxStreamId,
    connectionMaxData: defaults.connectionMaxData,
    totalReceived: 0n,
    sequences: new SequenceWindow(),
    lastActivityMs: nowMs,
    latestExpiryMs: nowMs,
    openedAtMs: nowMs,
  }
}

export function newStream(id: bigint, defaults: ConnectionDefaults): StreamRecord {
  return {
    id,
    state: OPEN,
    receiveMax: defaults.streamReceiveMax,
    totalReceived: 0n,
    dataMaxOffset: defaults.streamMaxData,
    dataDelivered: 0n,
    dataHighest: 0n,
    fragments: new Map(),
  }
}

/**
 * The sequences already seen on a connection, for replay detection: everything at or below `low`, plus a
 * bounded set above it. When the set passes SEQUENCE_WINDOW_MAX the smallest entries fold into `low` (older
 * sequences then count as seen: a refused late packet is safe, a double credit is not).
 */
export class SequenceWindow {
  private low = -1n
  private readonly above = new Set<bigint>()

  has(sequence: bigint): boolean {
    return sequence <= this.low || this.above.has(sequence)
  }

  add(sequence: bigint): void {
    if (sequence === this.low + 1n) {
      // In order (the usual case on one link): no set operations unless earlier gaps are waiting.
      this.low = sequence
      if (this.above.size > 0) while (this.above.delete(this.low + 1n)) this.low++
      return
    }
    if (this.has(sequence)) return
    this.above.add(sequence)
    while (this.above.delete(this.low + 1n)) this.low++
    if (this.above.size > SEQUENCE_WINDOW_MAX) this.fold()
  }

  private fold(): void {
    const sorted = [...this.above].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const drop = sorted.slice(0, sorted.length - SEQUENCE_WINDOW_MAX / 2)
    for (const s of drop) this.above.delete(s)
    this.low = drop[drop.length - 1]!
    while (this.above.delete(this.low + 1n)) this.low++
  }
}

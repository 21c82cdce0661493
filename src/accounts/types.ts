/**
 * The account model and the balance-ledger port (ARCHITECTURE.md "Money rules").
 *
 * Sign convention (as interledger-rs): an account's balance is what the node owes the peer.
 * A Prepare from the peer lowers it (the peer pays us); a Fulfill of a Prepare we sent to the peer raises it.
 */
export type AccountRelation = 'parent' | 'peer' | 'child'

export interface BtpSettings {
  /** Dial out: `btp+ws://user:token@host:port/path` or `btp+wss://…`. */
  url?: string
  /** Token the peer must present when it dials our BTP server. */
  incomingToken?: string
}

export interface HttpSettings {
  /** Where we POST Prepares for this peer. */
  url?: string
  outgoingToken?: string
  incomingToken?: string
  /** JWT_HS_256: verify the peer's JWTs with this shared secret. */
  incomingJwtSecret?: string
  /** JWT_HS_256: send JWTs derived from this shared secret (instead of outgoingToken). */
  outgoingJwtSecret?: string
  mode?: 'sync' | 'async'
  /** Sync requests in flight per connection (HTTP/1.1 pipelining); absent or 1 = none. */
  pipelining?: number
  /** Keep-alive connections to the peer; absent = the link's default (64, or 4 with pipelining, or 1 with http2). */
  connections?: number
  /** Sync requests over HTTP/2 instead of HTTP/1.1. */
  http2?: boolean
}

export interface Account {
  readonly id: string
  readonly relation: AccountRelation
  readonly assetCode: string
  readonly assetScale: number
  /** The peer's ILP address; children default to `<node address>.<id>`. */
  readonly ilpAddress?: string
  readonly maxPacketAmount?: bigint
  /** How far the peer may go into debt to us (e.g. -1000000n). Default 0n: no credit. */
  readonly minBalance?: bigint
  /** A Prepare that would push what we owe the peer above this is rejected T04 (RFC 32). Unset: no limit. */
  readonly maxBalance?: bigint
  readonly settleThreshold?: bigint
  readonly settleTo?: bigint
  readonly packetsPerMinute?: number
  readonly amountPerMinute?: bigint
  /** Static route prefixes reached through this account. */
  readonly routes?: readonly string[]
  /** CCP: advertise our routes to this peer. Unset: yes for parents and peers, no for children. */
  readonly sendRoutes?: boolean
  /** CCP: learn routes from this peer. Unset: yes for parents and peers, no for children. */
  readonly receiveRoutes?: boolean
  readonly btp?: BtpSettings
  readonly http?: HttpSettings
}

/** A pending (reserved) balance change, returned by reserve*, consumed exactly once by commit or release. */
export interface Hold {
  readonly accountId: string
  readonly amount: bigint
  readonly direction: 'incoming' | 'outgoing'
}

export type ReserveResult = { ok: true; hold: Hold } | { ok: false; code: 'T04' | 'F02'; message: string }

export interface BalanceSnapshot {
  /** Committed balance: what the node owes the peer. */
  balance: bigint
  /** Reserved by Prepares from the peer not yet fulfilled (will lower the balance). */
  pendingIncoming: bigint
  /** Reserved by Prepares to the peer not yet fulfilled (will raise the balance). */
  pendingOutgoing: bigint
}

export interface JournalEntry {
  readonly seq: bigint
  readonly at: Date
  /** 'transfer' for a fulfilled packet hop, 'adjust' for admin/settlement changes. */
  readonly kind: 'transfer' | 'adjust' | 'settlement'
  /** Each leg changes one account's balance by `delta` (negative = peer paid us). */
  readonly legs: readonly { accountId: string; delta: bigint }[]
  readonly memo?: string
}

/**
 * The ledger port. reserveIncoming, reserveOutgoing and release are synchronous (decide and apply with no await between check and update);
 * commit resolves only when the change is durable (adapters batch writes: group commit).
 */
export interface BalanceLedger {
  /** Incoming Prepare from `account`: refuse T04 if balance - pendingIncoming - amount < minBalance. */
  reserveIncoming(account: Account, amount: bigint): ReserveResult
  /** Outgoing Prepare to `account`: refuse T04 if balance + pendingOutgoing + amount > maxBalance. */
  reserveOutgoing(account: Account, amount: bigint): ReserveResult
  /** Undo a reservation (Reject, expiry, error). Each hold is released or committed exactly once. */
  release(hold: Hold): void
  /**
   * Finalise holds as one journal entry (e.g. debit the sender, credit the next hop). A ledger that is as durable
   * as it gets at once (memory) returns the entry; one that writes to disk returns a promise that resolves when
   * the entry is durable. Callers must handle both (`await` does); the connector skips a promise hop per packet.
   */
  commit(holds: readonly Hold[], memo?: string): JournalEntry | Promise<JournalEntry>
  /** Direct change outside the packet path (admin top-up, settlement). Resolves when durable. */
  adjust(accountId: string, delta: bigint, kind: 'adjust' | 'settlement', memo?: string): Promise<JournalEntry>
  snapshot(accountId: string): BalanceSnapshot
  /** Checks that the journal sums to the balances; lists every mismatch. */
  verify(): Promise<{ ok: boolean; mismatches: { accountId: string; balance: bigint; journalSum: bigint }[] }>
  close(): Promise<void>
}

/**
 * Writing a batch of journal entries and the balances they leave, as one SQLite transaction.
 * `inline` runs the transaction on the calling thread (its fsync blocks the event loop for one batch);
 * `worker` runs it on a worker thread with its own connection, so the event loop keeps forwarding packets
 * while the disk syncs (docs/ledger.md "Group commit and durability").
 */
import { Worker } from 'node:worker_threads'
import { LedgerError } from './errors.js'
import { openLedgerDatabase, type SqliteDatabase, type SynchronousMode } from './schema.js'
import type { JournalEntry } from './types.js'

/** A journal row as written: legs already encoded (journal.ts encodeLegs). Structured-cloneable. */
export interface StoredEntry {
  readonly seq: bigint
  readonly atMs: number
  readonly kind: JournalEntry['kind']
  readonly legs: string
  readonly memo: string | null
}

export interface WriteBatch {
  readonly entries: readonly StoredEntry[]
  /** Each touched account's balance after the batch (decimal text) and the seq of its last change. */
  readonly balances: readonly (readonly [accountId: string, balance: string, seq: bigint])[]
}

export interface JournalWriter {
  write(batch: WriteBatch): void | Promise<void>
  close(): Promise<void>
}

export type WriterKind = 'inline' | 'worker'

/** The transaction itself, on `db` (used directly by the inline writer and inside the worker). */
export function createBatchTransaction(db: SqliteDatabase): (batch: WriteBatch) => void {
  const insertEntry = db.prepare('INSERT INTO journal (seq, at, kind, legs, memo) VALUES (?, ?, ?, ?, ?)')
  const upsertBalance = db.prepare(
    'INSERT INTO balances (account_id, balance, seq) VALUES (?, ?, ?) ' +
      'ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, seq = excluded.seq',
  )
  const transaction = db.transaction((batch: WriteBatch) => {
    for (const e of batch.entries) insertEntry.run(e.seq, BigInt(e.atMs), e.kind, e.legs, e.memo)
    for (const [accountId, balance, seq] of batch.balances) upsertBalance.run(accountId, balance, seq)
  })
  return (batch) => transaction.immediate(batch)
}

export function createInlineWriter(db: SqliteDatabase): JournalWriter {
  const write = createBatchTransaction(db)
  return { write, close: async () => {} }
}

/**
 * A batch crosses to the writer thread as one JSON string: cloning one string is a copy, while structured
 * cloning thousands of small objects cost more than the rest of the commit path (measured).
 */
export function serializeBatch(batch: WriteBatch): string {
  const entries = batch.entries.map((e) => [String(e.seq), e.atMs, e.kind, e.legs, e.memo])
  const balances = batch.balances.map(([accountId, balance, seq]) => [accountId, balance, String(seq)])
  return JSON.stringify([entries, balances])
}

export function parseBatch(text: string): WriteBatch {
  const [entries, balances] = JSON.parse(text) as [[string, number, StoredEntry['kind'], string, string | null][], [string, string, string][]]
  return {
    entries: entries.map(([seq, atMs, kind, legs, memo]) => ({ seq: BigInt(seq), atMs, kind, legs, memo })),
    balances: balances.map(([accountId, balance, seq]) => [accountId, balance, BigInt(seq)] as const),
  }
}

/** Messages between the ledger and its writer thread (`batch` as serializeBatch made it). */
export type WriterRequest = { readonly id: number; readonly batch: string } | { readonly id: number; readonly close: true }
export type WriterResponse = { readonly id: number; readonly ok: true } | { readonly id: number; readonly ok: false; readonly error: string }

export interface WorkerWriterData {
  readonly path: string
  readonly synchronous: SynchronousMode
}

interface Call {
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/**
 * Starts the writer thread. Synchronous: batches posted before the thread is up wait in its message queue; if
 * it cannot open the file, the first write fails with LEDGER_WRITE_FAILED. The thread keeps the process alive
 * only while a write is in flight (so a forgotten close() never hangs a process, and an awaited commit is never
 * cut short by the process exiting).
 */
export function createWorkerWriter(path: string, synchronous: SynchronousMode): JournalWriter {
  const workerData: WorkerWriterData = { path, synchronous }
  const worker = new Worker(new URL('./journal-writer-worker.js', import.meta.url), { workerData })
  worker.unref()
  const calls = new Map<number, Call>()
  let nextId = 1
  let dead: Error | undefined
  let closing = false

  function settle(id: number): Call | undefined {
    const call = calls.get(id)
    calls.delete(id)
    if (calls.size === 0 && !closing) worker.unref()
    return call
  }
  function die(err: Error): void {
    dead ??= err
    for (const call of calls.values()) call.reject(dead)
    calls.clear()
    worker.unref()
  }
  worker.on('message', (msg: WriterResponse) => {
    const call = settle(msg.id)
    if (msg.ok) call?.resolve()
    else call?.reject(new LedgerError('LEDGER_WRITE_FAILED', `journal writer: ${msg.error}`))
  })
  worker.on('error', (err) => die(new LedgerError('LEDGER_WRITE_FAILED', `journal writer failed: ${err.message}`, { cause: err })))
  worker.on('exit', (code) => die(new LedgerError('LEDGER_WRITE_FAILED', `journal writer exited (code ${code})`)))

  function call(request: (id: number) => WriterRequest): Promise<void> {
    if (dead !== undefined) return Promise.reject(dead)
    const id = nextId++
    return new Promise<void>((resolve, reject) => {
      calls.set(id, { resolve, reject })
      worker.ref()
      worker.postMessage(request(id))
    })
  }

  return {
    write: (batch) => call((id) => ({ id, batch: serializeBatch(batch) })),
    async close() {
      if (dead !== undefined) return
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
      closing = true
      worker.ref()
      await call((id) => ({ id, close: true }))
      await exited
    },
  }
}

/** Opens the writer's own connection (inside the worker). */
export function openWriterDatabase(data: WorkerWriterData): SqliteDatabase {
  return openLedgerDatabase(data.path, { synchronous: data.synchronous })
}

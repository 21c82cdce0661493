/**
 * Group commit: many callers' writes share one transaction and one fsync (ARCHITECTURE.md "Money rules" 5).
 * Items queue up during a tick; one setImmediate later (after the event loop has read every socket that was
 * ready) they are written in batches of at most `batchMax`. Each caller's promise resolves when its batch is
 * durable. An asynchronous writer (a worker thread) has one batch in flight at a time while the next one fills
 * up: the pipeline of a classic group commit. A failed write fails every queued item and every later enqueue:
 * durability is lost, the node must stop.
 */
import { LedgerError } from './errors.js'

export interface GroupCommit<T> {
  /** Resolves with `item` when it has been written durably. */
  enqueue(item: T): Promise<T>
  /** Resolves when everything enqueued so far is durable (rejects if the writer failed). */
  drain(): Promise<void>
  /** Items waiting to be written (not counting a batch being written). */
  queued(): number
}

export interface GroupCommitOptions<T> {
  /** Writes one batch durably as one transaction; throws or rejects on failure. */
  readonly write: (batch: readonly T[]) => void | Promise<void>
  readonly batchMax: number
}

interface Waiting<T> {
  readonly item: T
  readonly resolve: (item: T) => void
  readonly reject: (err: unknown) => void
}

export function createGroupCommit<T>(options: GroupCommitOptions<T>): GroupCommit<T> {
  const { write, batchMax } = options
  if (!Number.isInteger(batchMax) || batchMax < 1) throw new RangeError('batchMax must be a positive integer')
  let queue: Waiting<T>[] = []
  let scheduled = false
  let writing = false
  let failure: LedgerError | undefined
  let lastPromise: Promise<unknown> = Promise.resolve()

  function schedule(): void {
    if (scheduled || writing || failure !== undefined) return
    scheduled = true
    setImmediate(run)
  }

  function fail(batch: readonly Waiting<T>[], cause: unknown): void {
    failure = new LedgerError('LEDGER_WRITE_FAILED', 'durable write failed; the ledger refuses further work', { cause })
    for (const w of [...batch, ...queue]) w.reject(failure)
    queue = []
  }

  function done(batch: readonly Waiting<T>[]): void {
    writing = false
    for (const w of batch) w.resolve(w.item)
    if (queue.length > 0) schedule()
  }

  /** Writes one batch, then yields to the event loop before the next, so one flush never starves the sockets. */
  function run(): void {
    scheduled = false
    if (queue.length === 0 || failure !== undefined) return
    const batch = queue.length <= batchMax ? queue : queue.slice(0, batchMax)
    queue = queue.length <= batchMax ? [] : queue.slice(batchMax)
    writing = true
    let pending: void | Promise<void>
    try {
      pending = write(batch.map((w) => w.item))
    } catch (cause) {
      writing = false
      fail(batch, cause)
      return
    }
    if (pending === undefined) return done(batch)
    pending.then(
      () => done(batch),
      (cause: unknown) => {
        writing = false
        fail(batch, cause)
      },
    )
  }

  return {
    enqueue(item) {
      if (failure !== undefined) return Promise.reject(failure)
      const promise = new Promise<T>((resolve, reject) => queue.push({ item, resolve, reject }))
      schedule()
      lastPromise = promise
      return promise
    },
    drain() {
      if (failure !== undefined) return Promise.reject(failure)
      return lastPromise.then(() => undefined)
    },
    queued() {
      return queue.length
    },
  }
}

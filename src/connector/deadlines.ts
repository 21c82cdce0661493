/**
 * One coarse timer for every packet in flight (STYLE.md habit 10): deadlines fall into slots of
 * `resolutionMs`; a single interval runs while any deadline is pending and fires each slot once its time has
 * passed. Adding and cancelling are O(1) (a linked list per slot, no hashing per packet); nothing is allocated
 * per tick.
 *
 * A deadline never fires early: an entry due at `at` fires at the first tick with now() >= at, at most about
 * `resolutionMs` late. The interval stops at the first tick that finds nothing pending, so an idle connector
 * holds no timer (after at most one more tick; close() stops it at once).
 */
/** A scheduled deadline: what `add` returns and `cancel` takes. */
export interface Deadline {
  /** Neither fired nor cancelled yet. */
  readonly pending: boolean
}

export interface DeadlineTimer {
  /** Calls `onDeadline` once at `at` (ms since the epoch on the injected clock), unless cancelled first. */
  add(onDeadline: () => void, at: number): Deadline
  /** Cancels the deadline (no-op if it already fired or was cancelled). */
  cancel(deadline: Deadline): void
  readonly size: number
  /** Fires every pending deadline now (shutdown: in-flight packets get their timeout answer at once). */
  expireAll(): void
  /** Cancels everything without firing and stops the interval. */
  close(): void
}

/** Default slot width: R00 comes at most this late after an outgoing expiry (≥ 1 s before the incoming one). */
export const DEADLINE_RESOLUTION_MS = 10

export interface DeadlineTimerOptions {
  readonly now: () => number
  readonly resolutionMs?: number
}

/** The deadlines of one slot, a doubly linked list through the entries: adding and cancelling hash nothing. */
interface Bucket {
  readonly slot: number
  head: Entry | undefined
  tail: Entry | undefined
}

class Entry implements Deadline {
  prev: Entry | undefined = undefined
  next: Entry | undefined = undefined
  /** The bucket the entry is linked into; undefined once it fired or was cancelled. */
  bucket: Bucket | undefined = undefined
  constructor(readonly onDeadline: () => void) {}
  get pending(): boolean {
    return this.bucket !== undefined
  }
}

export function createDeadlineTimer(options: DeadlineTimerOptions): DeadlineTimer {
  const { now } = options
  const resolution = options.resolutionMs ?? DEADLINE_RESOLUTION_MS
  const slots = new Map<number, Bucket>()
  let count = 0
  /** The bucket `add` used last: deadlines come in runs to one slot, so most adds skip the map lookup. */
  let lastBucket: Bucket | undefined
  let interval: ReturnType<typeof setInterval> | undefined
  /** Lowest slot that may still hold entries. */
  let nextSlot = Infinity

  /** Takes the entry out of its bucket (and the bucket out of the map once empty). */
  function unlink(entry: Entry, bucket: Bucket): void {
    if (entry.prev === undefined) bucket.head = entry.next
    else entry.prev.next = entry.next
    if (entry.next === undefined) bucket.tail = entry.prev
    else entry.next.prev = entry.prev
    entry.prev = entry.next = entry.bucket = undefined
    timer.size = --count
    if (bucket.head === undefined && slots.get(bucket.slot) === bucket) {
      slots.delete(bucket.slot)
      if (lastBucket === bucket) lastBucket = undefined // never append to a bucket that is out of the map
    }
  }

  function fire(slot: number): void {
    const bucket = slots.get(slot)
    if (bucket === undefined) return
    // One at a time from the head: a callback may cancel a sibling of the same slot (it unlinks itself).
    for (let entry = bucket.head; entry !== undefined; entry = bucket.head) {
      unlink(entry, bucket)
      entry.onDeadline()
    }
  }

  function tick(): void {
    const due = Math.floor(now() / resolution)
    const from = nextSlot
    // Set before firing: a deadline added by a callback lowers it again and is seen on the next tick.
    nextSlot = due + 1
    if (due - from > slots.size) {
      // A long gap (clock jump, deadline far in the past): visit the occupied slots, not every slot between.
      const ready = [...slots.keys()].filter((slot) => slot <= due).sort((x, y) => x - y)
      for (const slot of ready) fire(slot)
    } else {
      for (let slot = from; slot <= due && count > 0; slot++) fire(slot)
    }
    if (count === 0) {
      nextSlot = Infinity
      stop()
    }
  }

  function stop(): void {
    if (interval !== undefined) clearInterval(interval)
    interval = undefined
  }

  function add(onDeadline: () => void, at: number): Deadline {
    const entry = new Entry(onDeadline)
    // ceil: the slot's start is never before `at`, so firing when the slot is due is never early.
    const slot = Math.ceil(at / resolution)
    let bucket = lastBucket !== undefined && lastBucket.slot === slot ? lastBucket : slots.get(slot)
    if (bucket === undefined) slots.set(slot, (bucket = { slot, head: undefined, tail: undefined }))
    lastBucket = bucket
    // Appended: a slot's deadlines fire in the order they were added.
    entry.prev = bucket.tail
    if (bucket.tail === undefined) bucket.head = entry
    else bucket.tail.next = entry
    bucket.tail = entry
    entry.bucket = bucket
    timer.size = ++count
    if (slot < nextSlot) nextSlot = slot
    if (interval === undefined) interval = setInterval(tick, resolution)
    return entry
  }

  function cancel(deadline: Deadline): void {
    const entry = deadline as Entry
    const bucket = entry.bucket
    if (bucket === undefined) return
    unlink(entry, bucket)
    // The interval is left to the next tick to stop: at one packet in flight, starting and clearing a timer
    // for every packet showed in the profile.
    if (count === 0) nextSlot = Infinity
  }

  function pendingEntries(): Entry[] {
    const entries: Entry[] = []
    for (const bucket of slots.values()) for (let e = bucket.head; e !== undefined; e = e.next) entries.push(e)
    return entries
  }

  // `size` is a data property kept equal to `count`: the send stage reads it for every packet, and a literal's
  // own getter is called through a generic property load.
  const timer = {
    add,
    cancel,
    size: 0,
    expireAll() {
      const pending = pendingEntries()
      for (const entry of pending) cancel(entry)
      for (const entry of pending) entry.onDeadline()
    },
    close() {
      for (const entry of pendingEntries()) cancel(entry)
      nextSlot = Infinity
      stop()
    },
  }
  return timer
}

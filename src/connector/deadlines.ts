/**
 * One coarse timer for every packet in flight (STYLE.md habit 10): deadlines fall into slots of
 * `resolutionMs`; a single interval runs while any deadline is pending and fires each slot once its time has
 * passed. Adding and cancelling are O(1) (a Set per slot); nothing is allocated per tick.
 *
 * A deadline never fires early: an entry due at `at` fires at the first tick with now() >= at, at most about
 * `resolutionMs` late. The interval stops at the first tick that finds nothing pending, so an idle connector
 * holds no timer (after at most one more tick; close() stops it at once).
 */
export interface Expirable {
  /** Called once when the deadline passes, unless cancelled first. */
  onDeadline(): void
}

export interface DeadlineTimer {
  /** Schedules `entry` to fire at `at` (ms since the epoch on the injected clock). */
  add(entry: Expirable, at: number): void
  /** Cancels `entry` (no-op if it already fired or was never added). */
  cancel(entry: Expirable): void
  readonly size: number
  /** Fires every pending entry now (shutdown: in-flight packets get their timeout answer at once). */
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

export function createDeadlineTimer(options: DeadlineTimerOptions): DeadlineTimer {
  const { now } = options
  const resolution = options.resolutionMs ?? DEADLINE_RESOLUTION_MS
  const slots = new Map<number, Set<Expirable>>()
  const slotOf = new Map<Expirable, number>()
  let interval: ReturnType<typeof setInterval> | undefined
  /** Lowest slot that may still hold entries. */
  let nextSlot = Infinity

  function fire(slot: number): void {
    const entries = slots.get(slot)
    if (entries === undefined) return
    slots.delete(slot)
    // A callback may cancel a sibling of the same slot: slotOf says whether it is still pending.
    for (const entry of entries) if (slotOf.delete(entry)) entry.onDeadline()
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
      for (let slot = from; slot <= due && slotOf.size > 0; slot++) fire(slot)
    }
    if (slotOf.size === 0) {
      nextSlot = Infinity
      stop()
    }
  }

  function stop(): void {
    if (interval !== undefined) clearInterval(interval)
    interval = undefined
  }

  function add(entry: Expirable, at: number): void {
    if (slotOf.has(entry)) cancel(entry)
    // ceil: the slot's start is never before `at`, so firing when the slot is due is never early.
    const slot = Math.ceil(at / resolution)
    let set = slots.get(slot)
    if (set === undefined) slots.set(slot, (set = new Set()))
    set.add(entry)
    slotOf.set(entry, slot)
    if (slot < nextSlot) nextSlot = slot
    if (interval === undefined) interval = setInterval(tick, resolution)
  }

  function cancel(entry: Expirable): void {
    const slot = slotOf.get(entry)
    if (slot === undefined) return
    slotOf.delete(entry)
    const set = slots.get(slot)
    if (set !== undefined) {
      set.delete(entry)
      if (set.size === 0) slots.delete(slot)
    }
    // The interval is left to the next tick to stop: at one packet in flight, starting and clearing a timer
    // for every packet showed in the profile.
    if (slotOf.size === 0) nextSlot = Infinity
  }

  return {
    add,
    cancel,
    get size() {
      return slotOf.size
    },
    expireAll() {
      const pending = [...slotOf.keys()]
      for (const entry of pending) cancel(entry)
      for (const entry of pending) entry.onDeadline()
    },
    close() {
      slots.clear()
      slotOf.clear()
      nextSlot = Infinity
      stop()
    },
  }
}

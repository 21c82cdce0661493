/**
 * A clock read once per turn of the event loop. A router reads the time several times per packet (arrival,
 * the Fulfill's lateness, the journal entry, the observer's latency) and a turn handles a whole socket read of
 * packets: one Date.now() serves them all (the clock reads were ~4% of the router's CPU).
 *
 * The value is dropped by a microtask queued at the first read, so it never outlives the synchronous run and
 * the microtasks queued before that read; a later read in the same turn reads the clock again. It is behind the
 * real clock by at most the time that run takes (well under a millisecond for a read of packets), which is
 * below Date.now()'s own resolution for the expiry and deadline checks that use it.
 */
export function createTurnClock(source: () => number = Date.now): () => number {
  let cached = 0
  let valid = false
  const forget = (): void => {
    valid = false
  }
  return () => {
    if (valid) return cached
    cached = source()
    valid = true
    queueMicrotask(forget)
    return cached
  }
}

/**
 * A clock read once per turn of the event loop. A router reads the time several times per packet (arrival,
 * the Fulfill's lateness, the journal entry, the observer's latency) and a turn handles a whole socket read of
 * packets: one Date.now() serves them all (the clock reads were ~4% of the router's CPU).
 *
 * The value is dropped by a microtask queued at the first read, so it never outlives the synchronous run and
 * the microtasks queued before that read; a later read reads the clock again. It is behind the real clock by
 * at most the time those take: well under a millisecond for one socket read of packets, tens of milliseconds
 * for a burst of thousands of replies at once. The checks that use it have a second or more of margin (the
 * minimum message window between outgoing and incoming expiry), and the deadline timer itself is 10 ms coarse.
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

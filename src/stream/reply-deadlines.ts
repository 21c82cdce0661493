/**
 * One timer for every packet of a payment that waits on its reply (STYLE §10: many deadlines share a coarse
 * timer). The sender used to give each packet its own AbortController, AbortSignal.any and setTimeout: about
 * 15 µs and three garbage-collected objects per packet, most of the sender's non-crypto CPU in bench:stream.
 *
 * Settling is a Map delete. The one timer is armed for the earliest deadline and not moved when that packet
 * settles: every packet of a payment waits the same time (expiry window + grace), so the timer fires about
 * once per window, expires what is due and re-arms for the earliest left. Deadlines run on the monotonic
 * clock (`performance.now()`), as the per-packet setTimeout did, not on the caller's injected `now`.
 */
import { setMaxListeners } from 'node:events'

interface Waiting {
  readonly atMs: number
  readonly timeOut: () => void
}

export interface ReplyDeadlines {
  /**
   * `reply`'s value, `failed(error)` if it rejects, or `timedOut()` if it has not settled `waitMs` from now;
   * never rejects. A reply that comes later is dropped (the link bounds its own request by the Prepare's expiry).
   */
  race<T>(reply: Promise<T>, waitMs: number, timedOut: () => T, failed: (error: unknown) => T): Promise<T>
  /** Packets still waiting (for tests). */
  readonly size: number
}

export function createReplyDeadlines(clock: () => number = () => performance.now()): ReplyDeadlines {
  const waiting = new Map<number, Waiting>()
  let nextId = 0
  let timer: NodeJS.Timeout | undefined
  let timerAtMs = Infinity

  function arm(atMs: number): void {
    if (timer !== undefined && timerAtMs <= atMs) return
    if (timer !== undefined) clearTimeout(timer)
    timerAtMs = atMs
    timer = setTimeout(fire, Math.max(1, Math.ceil(atMs - clock())))
  }

  function fire(): void {
    timer = undefined
    timerAtMs = Infinity
    const t = clock()
    // A full scan, so an out-of-order deadline is never late; it runs about once per expiry window.
    let earliestMs = Infinity
    for (const [id, w] of waiting) {
      if (w.atMs <= t) {
        waiting.delete(id)
        w.timeOut()
      } else if (w.atMs < earliestMs) earliestMs = w.atMs
    }
    if (earliestMs !== Infinity) arm(earliestMs)
  }

  function settled(id: number): boolean {
    if (!waiting.delete(id)) return false
    if (waiting.size === 0 && timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
      timerAtMs = Infinity
    }
    return true
  }

  return {
    race<T>(reply: Promise<T>, waitMs: number, timedOut: () => T, failed: (error: unknown) => T): Promise<T> {
      const id = nextId++
      const atMs = clock() + waitMs
      return new Promise<T>((resolve) => {
        waiting.set(id, { atMs, timeOut: () => resolve(timedOut()) })
        arm(atMs)
        reply.then(
          (value) => settled(id) && resolve(value),
          (err: unknown) => settled(id) && resolve(failed(err)),
        )
      })
    },
    get size() {
      return waiting.size
    },
  }
}

/**
 * The signal every packet of the payment hands its link: it aborts with the caller's. A link may listen on it
 * once per packet in flight (a BTP session does, per request), so it is ours, with no listener limit: on the
 * caller's signal Node would warn past 10 listeners (MaxListenersExceededWarning).
 */
export function followSignal(signal: AbortSignal | undefined): { readonly signal?: AbortSignal; dispose(): void } {
  if (signal === undefined) return { dispose: () => undefined }
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  const follow = (): void => controller.abort(signal.reason)
  if (signal.aborted) follow()
  else signal.addEventListener('abort', follow, { once: true })
  return { signal: controller.signal, dispose: () => signal.removeEventListener('abort', follow) }
}

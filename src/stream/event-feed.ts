/**
 * A fan-out of events to async iterators (`for await (const e of receiver.money())`). Each subscriber has a
 * bounded queue; a subscriber that falls `queueMax` events behind is ended with an error rather than letting
 * memory grow. Ending the loop (break/return) or aborting the signal unsubscribes.
 */
export class FeedOverflowError extends Error {
  override readonly name = 'FeedOverflowError'
  readonly code = 'STREAM_FEED_OVERFLOW'
}

export interface EventFeed<T> {
  push(event: T): void
  subscribe(signal?: AbortSignal): AsyncIterableIterator<T>
  /** Ends every subscription. */
  close(): void
}

interface Subscriber<T> {
  readonly queue: T[]
  wake?: () => void
  failed?: Error
  done: boolean
}

export function createEventFeed<T>(queueMax: number): EventFeed<T> {
  const subscribers = new Set<Subscriber<T>>()
  const end = (sub: Subscriber<T>): void => {
    sub.done = true
    subscribers.delete(sub)
    sub.wake?.()
  }
  return {
    push(event) {
      for (const sub of subscribers) {
        if (sub.queue.length >= queueMax) {
          sub.failed = new FeedOverflowError(`subscriber fell ${queueMax} events behind`)
          end(sub)
          continue
        }
        sub.queue.push(event)
        sub.wake?.()
      }
    },
    subscribe(signal) {
      const sub: Subscriber<T> = { queue: [], done: false }
      subscribers.add(sub)
      signal?.addEventListener('abort', () => end(sub), { once: true })
      const iterator: AsyncIterableIterator<T> = {
        async next() {
          for (;;) {
            if (sub.queue.length > 0) return { value: sub.queue.shift()!, done: false }
            if (sub.failed) throw sub.failed
            if (sub.done) return { value: undefined, done: true }
            await new Promise<void>((resolve) => (sub.wake = resolve))
            sub.wake = undefined
          }
        },
        async return() {
          end(sub)
          return { value: undefined, done: true }
        },
        [Symbol.asyncIterator]() {
          return iterator
        },
      }
      return iterator
    },
    close() {
      for (const sub of [...subscribers]) end(sub)
    },
  }
}

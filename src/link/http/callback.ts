/**
 * Async ILP over HTTP (RFC 35 draft 3): POSTs our reply to the peer's Callback-Url with the same Request-Id.
 * RFC 35: retry on 5xx or no response, stop on any 2xx or 4xx, several attempts before the Prepare expires.
 */
import { Agent, request } from 'undici'
import type { LinkLogger } from '../log.js'

/** First retry delay; doubled per attempt up to the cap, always stopping at the Prepare's expiry. */
export const CALLBACK_RETRY_FIRST_MS = 50
export const CALLBACK_RETRY_MAX_MS = 2_000
export const CALLBACK_ATTEMPTS_MAX = 10

export interface CallbackPoster {
  post(callbackUrl: string, requestId: string, body: Uint8Array, expiresAt: Date): void
  close(): Promise<void>
}

export function createCallbackPoster(options: { authorization: () => string; now: () => number; log: LinkLogger }): CallbackPoster {
  const agent = new Agent({ connections: 16, keepAliveTimeout: 30_000 })
  const closing = new AbortController()
  const timers = new Set<NodeJS.Timeout>()

  async function attempt(url: string, requestId: string, body: Uint8Array): Promise<number> {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/octet-stream', 'request-id': requestId, authorization: options.authorization() },
      body,
    })
    res.body.resume()
    return res.statusCode
  }

  function schedule(url: string, requestId: string, body: Uint8Array, expiresAt: Date, tries: number): void {
    if (closing.signal.aborted) return
    attempt(url, requestId, body).then(
      (status) => (status >= 500 ? retry(url, requestId, body, expiresAt, tries, `HTTP ${status}`) : undefined),
      (err: unknown) => retry(url, requestId, body, expiresAt, tries, (err as Error).message),
    )
  }

  function retry(url: string, requestId: string, body: Uint8Array, expiresAt: Date, tries: number, why: string): void {
    const delayMs = Math.min(CALLBACK_RETRY_FIRST_MS * 2 ** tries, CALLBACK_RETRY_MAX_MS)
    if (closing.signal.aborted || tries + 1 >= CALLBACK_ATTEMPTS_MAX || options.now() + delayMs >= expiresAt.getTime()) {
      options.log.warn({ requestId, why, tries: tries + 1 }, 'gave up posting an async ILP-over-HTTP reply')
      return
    }
    const timer = setTimeout(() => {
      timers.delete(timer)
      schedule(url, requestId, body, expiresAt, tries + 1)
    }, delayMs)
    timers.add(timer)
  }

  return {
    post: (url, requestId, body, expiresAt) => schedule(url, requestId, body, expiresAt, 0),
    async close() {
      closing.abort()
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await agent.destroy()
    },
  }
}

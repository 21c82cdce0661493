/**
 * ILP over HTTP (RFC 35) as a Link to one peer account.
 *
 * Outgoing: POST the Prepare to the peer's `http.url` with `Authorization: Bearer <outgoing token>` over
 * keep-alive connections with many requests in flight. In `sync` mode (draft 2, what deployed peers speak) the
 * reply is the 200 body, and the requests go through our HTTP/1.1 client (http1-client.ts: 64 connections with one
 * request each, or with `pipelining` > 1 a few connections carrying that many each); it measured ~10 µs of CPU
 * per packet cheaper than undici. With `http2` they go over HTTP/2 instead (http2-client.ts), a stream each. In
 * `async` mode (draft 3) the request goes through undici and carries
 * Callback-Url and Request-Id, the peer answers 202, and its reply arrives later at our server's callback path
 * (first reply per id wins).
 * Incoming: the shared HttpLinkServer hands this account's Prepares to the handler set by `handle`.
 *
 * HTTP failures, mapped as RFC 35 asks ("relay HTTP errors as an ILP Reject with a suitable F/T code"):
 * 4xx → a final F00 Reject made here (the peer refused the request itself); 5xx → LinkError LINK_REMOTE
 * (the connector answers T00, as RFC 35 says); no connection → LINK_DOWN (T01); no reply in time →
 * LINK_TIMEOUT; a 200 body that is not a Fulfill/Reject → LINK_PROTOCOL.
 */
import { randomUUID } from 'node:crypto'
import { Pool } from 'undici'
import { decodeReply, forwardablePrepareBytes, packetBytes } from '../../ilp/packet.js'
import { reject } from '../../ilp/errors.js'
import type { IlpPrepare, IlpReply } from '../../ilp/types.js'
import { LinkError, type IncomingPrepareCallback, type IncomingPrepareHandler, type Link, type SendDone } from '../types.js'
import { silentLinkLogger, type LinkLogger } from '../log.js'
import { HTTP_BODY_MAX_BYTES, type HttpEndpoint, type HttpLinkServer } from './server.js'
import { createCallbackPoster, type CallbackPoster } from './callback.js'
import { post, ReplyTooLarge, type PostReply } from './post.js'
import { createHttp1Client, HttpClientError, type HttpClientErrorCode } from './http1-client.js'
import { createHttp2Client } from './http2-client.js'
import { createJwtAuthorization } from '../jwt.js'
import { ACCOUNT_PATH } from './requests.js'

/** Requests in flight on one link before send answers LINK_OVERLOADED (RFC 18: bound what a peer can hold). */
export const HTTP_IN_FLIGHT_MAX = 4096
/** Keep-alive connections per peer; each carries one request at a time (no pipelining: replies take a while). */
export const HTTP_CONNECTIONS_DEFAULT = 64
/** Connections per peer when pipelining: few, so that many requests share each write. */
export const HTTP_PIPELINED_CONNECTIONS_DEFAULT = 4
/** Upper bound on `connections` (keep-alive connections to one peer). */
export const HTTP_CONNECTIONS_MAX = 1024
/** Upper bound on `pipelining` (requests in flight per connection); the peer's own bound is usually lower. */
export const HTTP_PIPELINING_MAX = 1024
/** Upper bound on waiting for a reply; the Prepare's own expiry usually ends it sooner (JS plugins use 35 s). */
export const HTTP_REPLY_TIMEOUT_MS = 35_000

export interface HttpLinkOptions {
  /** Our id for the peer's account: its Prepares arrive on the server under this id. */
  accountId: string
  /** The peer's endpoint. Without it the link only receives (send fails LINK_DOWN). */
  url?: string
  outgoingToken?: string
  /** Instead of `outgoingToken`: send JWTs (HS256, 30 s) derived from this secret shared with the peer. */
  outgoingJwtSecret?: string
  mode?: 'sync' | 'async'
  /** Where the peer's Prepares (and async replies) arrive. Required for `handle` and for async mode. */
  server?: HttpLinkServer
  /** Our own ILP address, for the Rejects this link makes itself (4xx). */
  address?: () => string
  /** Keep-alive connections to the peer, opened as needed: default 64, or 4 with `pipelining` (1–1024). */
  connections?: number
  /**
   * Sync mode: HTTP/1.1 requests in flight per connection (RFC 9112 §9.3.2). 1 = none, the safe default; more is
   * faster, but a slow reply delays the replies behind it on its connection.
   */
  pipelining?: number
  /**
   * Sync mode: HTTP/2 instead of HTTP/1.1 (prior knowledge for http://, ALPN for https://), every request a
   * stream of its own on `connections` connections (default 1). For peers that speak it: ours, hyper's.
   */
  http2?: boolean
  inFlightMax?: number
  /** https, sync mode: certificate authorities to trust instead of the system's (a peer with a private CA). */
  ca?: string | Buffer
  now?: () => number
  log?: LinkLogger
}

/** Our HTTP/1.1 client's failures as the connector sees them (T01 for a lost connection, T00 otherwise). */
const CLIENT_ERRORS: Record<HttpClientErrorCode, LinkError['code']> = {
  HTTP_CONNECTION_LOST: 'LINK_DOWN',
  HTTP_REPLY_TIMEOUT: 'LINK_TIMEOUT',
  HTTP_BAD_RESPONSE: 'LINK_PROTOCOL',
  HTTP_REPLY_TOO_LARGE: 'LINK_PROTOCOL',
  HTTP_CLIENT_CLOSED: 'LINK_CLOSED',
  HTTP_ABORTED: 'LINK_CLOSED',
}

type Pending = { resolve(reply: IlpReply): void; reject(err: LinkError): void; timer: NodeJS.Timeout }

function isConnectError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? ''
  return ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)
}

/** The account a peer's URL names (`/accounts/:id/ilp`), if it names one. */
function accountInPath(url: URL | undefined): string | undefined {
  const encoded = url === undefined ? undefined : ACCOUNT_PATH.exec(url.pathname)?.[1]
  try {
    return encoded === undefined ? undefined : decodeURIComponent(encoded)
  } catch {
    return undefined
  }
}

export function createHttpLink(options: HttpLinkOptions): Link {
  const mode = options.mode ?? 'sync'
  const now = options.now ?? Date.now
  const log = options.log ?? silentLinkLogger
  const address = options.address ?? (() => '')
  const inFlightMax = options.inFlightMax ?? HTTP_IN_FLIGHT_MAX
  const target = options.url === undefined ? undefined : new URL(options.url)
  const pipelining = Math.min(Math.max(1, options.pipelining ?? 1), HTTP_PIPELINING_MAX)
  const connections = options.connections === undefined ? undefined : Math.min(Math.max(1, options.connections), HTTP_CONNECTIONS_MAX)
  const pool = target === undefined || mode === 'sync' ? undefined : new Pool(target.origin, {
    connections: connections ?? HTTP_CONNECTIONS_DEFAULT,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: HTTP_REPLY_TIMEOUT_MS,
    bodyTimeout: HTTP_REPLY_TIMEOUT_MS,
  })
  const path = target === undefined ? '/' : target.pathname + target.search
  // A static token (SIMPLE profile), or JWTs derived from a shared secret (JWT_HS_256), signed anew as they age;
  // `sub` names our account at the peer when its URL does (`/accounts/:id/ilp`).
  const staticAuthorization = `Bearer ${options.outgoingToken ?? ''}`
  const pathAccount = accountInPath(target)
  const jwtAuthorization =
    options.outgoingJwtSecret === undefined
      ? undefined
      : createJwtAuthorization(options.outgoingJwtSecret, { now, ...(pathAccount !== undefined && { sub: pathAccount }) })
  const authorization = jwtAuthorization ?? ((): string => staticAuthorization)
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' }
  if (jwtAuthorization === undefined) headers.authorization = staticAuthorization
  const client =
    target === undefined || mode !== 'sync'
      ? undefined
      : options.http2 === true
        ? createHttp2Client({
            url: target,
            headers,
            ...(jwtAuthorization !== undefined && { authorization: jwtAuthorization }),
            connections: connections ?? 1,
            bodyMaxBytes: HTTP_BODY_MAX_BYTES,
            now,
            ...(options.ca !== undefined && { ca: options.ca }),
          })
        : createHttp1Client({
          url: target,
          headers,
          ...(jwtAuthorization !== undefined && { authorization: jwtAuthorization }),
          connections: connections ?? (pipelining === 1 ? HTTP_CONNECTIONS_DEFAULT : HTTP_PIPELINED_CONNECTIONS_DEFAULT),
          pipelining,
          bodyMaxBytes: HTTP_BODY_MAX_BYTES,
          now,
          ...(options.ca !== undefined && { ca: options.ca }),
        })
  const pendingAsync = new Map<string, Pending>()
  let poster: CallbackPoster | undefined
  let inFlight = 0
  let closed = false

  if (mode === 'async' && options.server === undefined) throw new Error(`account ${options.accountId}: async ILP over HTTP needs an HTTP server for callbacks`)

  function mapStatus(status: number): IlpReply | LinkError {
    if (status >= 500) return new LinkError('LINK_REMOTE', `peer answered HTTP ${status}`)
    return reject('F00', address(), `peer refused the packet: HTTP ${status}`)
  }

  function mapError(err: unknown): LinkError {
    if (err instanceof LinkError) return err
    if (err instanceof HttpClientError) return new LinkError(CLIENT_ERRORS[err.code], err.message, { cause: err })
    if (err instanceof ReplyTooLarge) return new LinkError('LINK_PROTOCOL', err.message, { cause: err })
    if (closed) return new LinkError('LINK_CLOSED', 'link closed', { cause: err })
    const name = (err as { name?: string }).name
    if (name === 'AbortError' || (err as { code?: string }).code === 'UND_ERR_ABORTED') return new LinkError('LINK_CLOSED', 'send aborted', { cause: err })
    if ((err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') return new LinkError('LINK_TIMEOUT', 'no reply in time', { cause: err })
    if (isConnectError(err)) return new LinkError('LINK_DOWN', `cannot reach ${target?.origin}: ${(err as Error).message}`, { cause: err })
    return new LinkError('LINK_REMOTE', (err as Error).message, { cause: err })
  }

  function postPrepare(prepare: IlpPrepare, signal: AbortSignal | undefined, extra?: Record<string, string>): Promise<PostReply> {
    // close() destroys the pool, which fails every request in flight.
    return post(pool!, path, { ...headers, authorization: authorization(), ...extra }, packetBytes(prepare), HTTP_BODY_MAX_BYTES, signal)
  }

  /** A sync request waits for its reply until the Prepare expires (later, it is of no use), at most HTTP_REPLY_TIMEOUT_MS. */
  function replyDeadline(prepare: IlpPrepare): number {
    const t = now()
    return Math.min(prepare.expiresAt.getTime(), t + HTTP_REPLY_TIMEOUT_MS)
  }

  function decodeBody(body: Uint8Array): IlpReply {
    try {
      return decodeReply(body)
    } catch (err) {
      throw new LinkError('LINK_PROTOCOL', `peer's reply is not a Fulfill or Reject: ${(err as Error).message}`, { cause: err })
    }
  }

  /** Sync mode: the reply in a 200 body, or the status mapped as RFC 35 asks. */
  function replyOf(res: PostReply): IlpReply | LinkError {
    if (res.status !== 200) return mapStatus(res.status)
    try {
      return decodeBody(res.body)
    } catch (err) {
      return err as LinkError
    }
  }

  /** Why a send cannot start, if it cannot. */
  function refusal(signal?: AbortSignal): LinkError | undefined {
    if (closed) return new LinkError('LINK_CLOSED', 'link closed')
    if (target === undefined) return new LinkError('LINK_DOWN', `account ${options.accountId} has no http.url`)
    if (signal?.aborted) return new LinkError('LINK_CLOSED', 'send aborted')
    if (inFlight >= inFlightMax) return new LinkError('LINK_OVERLOADED', `${inFlightMax} packets already in flight`)
    return undefined
  }

  /** Sync mode, no promise: the connector's hot path (Link.sendThen). Throws, queueing nothing, if `prepare` cannot be encoded. */
  function sendSync(prepare: IlpPrepare, done: SendDone, signal?: AbortSignal): void {
    const refused = refusal(signal)
    if (refused !== undefined) return done(undefined, refused)
    // Both throw, before anything is queued, for a Prepare that cannot be encoded. A forwarded Prepare is copied
    // once, into the request, with its new amount and expiry written over the copy.
    const raw = forwardablePrepareBytes(prepare)
    const body = raw ?? packetBytes(prepare)
    inFlight++
    client!.request(
      body,
      replyDeadline(prepare),
      (res, err) => {
        inFlight--
        const reply = res === undefined ? mapError(err) : replyOf(res)
        if (reply instanceof LinkError) done(undefined, reply)
        else done(reply)
      },
      signal,
      raw === undefined ? undefined : prepare,
    )
  }

  async function sendAsync(prepare: IlpPrepare, signal?: AbortSignal): Promise<IlpReply> {
    const requestId = randomUUID()
    const reply = new Promise<IlpReply>((resolve, rejectReply) => {
      const waitMs = Math.min(Math.max(prepare.expiresAt.getTime() - now(), 0), HTTP_REPLY_TIMEOUT_MS)
      const timer = setTimeout(() => {
        pendingAsync.delete(requestId)
        rejectReply(new LinkError('LINK_TIMEOUT', 'no callback before the Prepare expired'))
      }, waitMs)
      pendingAsync.set(requestId, { resolve, reject: rejectReply, timer })
    })
    reply.catch(() => {}) // may settle before it is awaited below; the caller still sees the rejection
    const settle = (err: LinkError): void => {
      const pending = pendingAsync.get(requestId)
      if (pending === undefined) return
      pendingAsync.delete(requestId)
      clearTimeout(pending.timer)
      pending.reject(err)
    }
    signal?.addEventListener('abort', () => settle(new LinkError('LINK_CLOSED', 'send aborted')), { once: true })
    try {
      const res = await postPrepare(prepare, signal, {
        prefer: 'respond-async',
        'callback-url': options.server!.callbackUrl,
        'request-id': requestId,
      })
      if (res.status === 200) {
        // A peer that ignores async mode answers in the body: take it as the reply.
        pendingAsync.get(requestId)?.resolve(decodeBody(res.body))
      } else if (res.status !== 202) {
        const mapped = mapStatus(res.status)
        if (mapped instanceof LinkError) settle(mapped)
        else pendingAsync.get(requestId)?.resolve(mapped)
      }
    } catch (err) {
      settle(mapError(err))
    }
    return reply.finally(() => {
      const pending = pendingAsync.get(requestId)
      if (pending !== undefined) clearTimeout(pending.timer)
      pendingAsync.delete(requestId)
    })
  }

  const endpoint: HttpEndpoint = {
    deliverReply(requestId, reply) {
      const pending = pendingAsync.get(requestId)
      if (pending === undefined) return false
      pendingAsync.delete(requestId)
      clearTimeout(pending.timer)
      pending.resolve(reply)
      return true
    },
    // Only call back where the peer lives: Callback-Url from anywhere else would let a peer aim our POSTs
    // at arbitrary hosts.
    acceptsCallback: (callbackUrl) => {
      try {
        return target !== undefined && new URL(callbackUrl).origin === target.origin
      } catch {
        return false
      }
    },
    postReply(callbackUrl, requestId, reply, prepare) {
      poster ??= createCallbackPoster({ authorization, now, log })
      const answer = reply instanceof Error ? reject('T00', address(), 'internal error') : reply
      poster.post(callbackUrl, requestId, packetBytes(answer), prepare.expiresAt)
    },
  }
  options.server?.register(options.accountId, endpoint)

  // `connected` is a data property, set false by close: the connector reads it for every packet, and a literal's
  // own getter is called through a generic property load (see btp/account-link.ts).
  const link: Link & { connected: boolean } = {
    connected: target !== undefined,
    async send(prepare, signal) {
      if (mode === 'sync') {
        return new Promise<IlpReply>((resolve, rejectSend) => sendSync(prepare, (reply, err) => (reply === undefined ? rejectSend(err) : resolve(reply)), signal))
      }
      const refused = refusal(signal)
      if (refused !== undefined) throw refused
      inFlight++
      try {
        return await sendAsync(prepare, signal)
      } catch (err) {
        throw mapError(err)
      } finally {
        inFlight--
      }
    },
    ...(mode === 'sync' && { sendThen: (prepare: IlpPrepare, done: SendDone) => sendSync(prepare, done) }),
    handle(handler: IncomingPrepareHandler, callback?: IncomingPrepareCallback) {
      if (options.server === undefined) throw new Error(`account ${options.accountId}: incoming ILP over HTTP needs an HTTP server`)
      endpoint.handler = handler
      endpoint.callback = callback
    },
    async close() {
      if (closed) return
      closed = true
      link.connected = false
      options.server?.unregister(options.accountId)
      for (const [id, pending] of pendingAsync) {
        clearTimeout(pending.timer)
        pending.reject(new LinkError('LINK_CLOSED', 'link closed'))
        pendingAsync.delete(id)
      }
      await Promise.all([pool?.destroy(), client?.close(), poster?.close()])
    },
  }
  return link
}

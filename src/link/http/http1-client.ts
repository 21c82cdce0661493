/**
 * A minimal HTTP/1.1 client for the HTTP link's sync Prepares: keep-alive connections (opened as needed, up to
 * `connections`), each carrying up to `pipelining` requests sent back to back (RFC 9112 §9.3.2; 1 = one at a
 * time, no pipelining), the requests of one turn of the event loop in one write per connection, replies read in
 * order. It measured ~10 µs of CPU per packet cheaper than undici (whose dispatch and per-request writes showed
 * in the router's profile); undici would also pipeline only requests marked idempotent.
 *
 * The price of pipelining is head-of-line blocking: a slow reply holds up every reply behind it on that
 * connection. So it is opt-in per account, and new requests go to an idle connection before a busy one (see pick).
 * Every request fails HTTP_REPLY_TIMEOUT at its own deadline, wherever it stands on its connection. When the
 * oldest one on a connection passes its deadline, the connection is stalled: it takes no new requests (a
 * new connection may open in its place), its late reply will be read and dropped, and the requests behind it
 * keep waiting for theirs until their own deadlines. They must not fail sooner: the peer may have fulfilled
 * them already, their Fulfills queued behind the slow reply, and a Fulfill the node never relays upstream is
 * money it owes downstream and cannot collect. Once every request on a stalled connection has failed or been
 * answered the connection is closed (nothing on it is worth waiting for), or taken back into use once its
 * replies caught up; past `connections` stalled connections the longest open is dropped. Replies framed by
 * Content-Length, chunked, or the end of the connection are read; anything else drops the connection
 * (HTTP_BAD_RESPONSE).
 */
import { connect as connectTcp, isIP, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { dechunk, HTTP_HEAD_MAX_BYTES, hasNoBody, headEnd, parseResponseHead, type ResponseHead } from './http1.js'
import { writeForwardedPrepare } from '../../ilp/packet.js'
import type { IlpPrepare } from '../../ilp/types.js'
import type { PostReply } from './post.js'
import { DECIMAL_MAX_BYTES, WriteBatch, writeDecimal } from './write-batch.js'

/** Idle connections are closed before this: node:http's default keepAliveTimeout is 5 s. */
export const HTTP_CLIENT_IDLE_MS = 4_000
/** Deadlines and idle connections are checked this often (one timer per client, while it has connections). */
const SWEEP_MS = 100
/** Requests written at once when this many are queued on a connection, without waiting for the end of the turn. */
const FLUSH_REQUESTS = 48
const NO_BYTES = new Uint8Array(0)

export type HttpClientErrorCode = 'HTTP_CONNECTION_LOST' | 'HTTP_REPLY_TIMEOUT' | 'HTTP_BAD_RESPONSE' | 'HTTP_REPLY_TOO_LARGE' | 'HTTP_CLIENT_CLOSED' | 'HTTP_ABORTED'

export class HttpClientError extends Error {
  override readonly name = 'HttpClientError'
  constructor(readonly code: HttpClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

export interface Http1ClientOptions {
  /** `http://host:port/path` or https; every request goes to this path. */
  url: URL
  /** Header fields sent with every request, after Host (e.g. authorization, content-type). */
  headers: Record<string, string>
  /**
   * The Authorization field's value, when it changes over time (JWTs signed anew): asked per request, the
   * request head is rebuilt when the answer changes. Takes the place of an `authorization` in `headers`.
   */
  authorization?: () => string
  connections: number
  /** Requests in flight per connection. */
  pipelining: number
  bodyMaxBytes: number
  now: () => number
  /** https: certificate authorities to trust instead of the system's (a private CA, a test certificate). */
  ca?: string | Buffer
}

/** Called once per request: with the reply, or with undefined and why there is none. */
export type ReplyDone = (reply: PostReply | undefined, err?: HttpClientError) => void

/** A client's `post`: its `request` as a promise (for callers off the hot path). */
export function postOf(request: Http1Client['request']): Http1Client['post'] {
  return (body, deadline, signal) => new Promise<PostReply>((resolve, reject) => request(body, deadline, (reply, err) => (reply === undefined ? reject(err) : resolve(reply)), signal))
}

export interface Http1Client {
  /** POSTs `body`; fails HTTP_REPLY_TIMEOUT when no reply has come by `deadline` (ms, on `now`'s clock). */
  post(body: Uint8Array, deadline: number, signal?: AbortSignal): Promise<PostReply>
  /**
   * `post` without a promise (the link's hot path); `done` may run before this returns (client closed).
   * `forwarded`: `body` is that Prepare's RAW, and its amount and expiry go over the copy in the request
   * (writeForwardedPrepare; the caller has checked them, as forwardablePrepareBytes does).
   */
  request(body: Uint8Array, deadline: number, done: ReplyDone, signal?: AbortSignal, forwarded?: IlpPrepare): void
  close(): Promise<void>
}

interface Exchange {
  body: Uint8Array
  readonly forwarded: IlpPrepare | undefined
  readonly deadline: number
  done: ReplyDone
  /** Answered, or aborted by the caller (its reply is then read off the connection and dropped). */
  settled: boolean
}

interface Connection {
  readonly socket: Socket
  readonly waiting: Exchange[]
  /** Requests written into memory and not yet to the socket. */
  readonly out: WriteBatch
  flushScheduled: boolean
  carry: Buffer | undefined
  /** 'draining': the peer will close after the replies it has sent; nothing new goes on it. */
  state: 'open' | 'draining' | 'closed'
  idleSince: number
  /** A reply framed by the end of the connection: its head. */
  untilClose: ResponseHead | undefined
  /** Its oldest request passed its deadline without a reply: it takes no new requests (see the top). */
  stalled: boolean
  /** In `idle` (see pick). */
  listedIdle: boolean
}

export function createHttp1Client(options: Http1ClientOptions): Http1Client {
  const { url, now } = options
  const tls = url.protocol === 'https:'
  const port = Number(url.port || (tls ? 443 : 80))
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname // IPv6 literals come bracketed
  const headHead = (authorization: string | undefined): Buffer => {
    const headers = authorization === undefined ? options.headers : { ...options.headers, authorization }
    const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    return Buffer.from(`POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${fields}Content-Length: `, 'latin1')
  }
  let authorization = options.authorization?.()
  let requestHead = headHead(authorization)
  const connections: Connection[] = []
  /** Requests waiting for room on a connection (all are at `pipelining`), oldest first. */
  const queued: Exchange[] = []
  let closed = false
  let sweeper: NodeJS.Timeout | undefined
  /** The connection the requests of this turn went to last (see pick). */
  let filling: Connection | undefined
  /** Stalled connections: they do not count against `options.connections`. */
  let stalled = 0
  /** Connections that became idle, most recent last; an entry may be stale (checked when taken). */
  const idle: Connection[] = []

  /** Writes the request straight into the connection's batch: head, then the body (patched when forwarded). */
  function encode(c: Connection, exchange: Exchange): void {
    const current = options.authorization?.()
    if (current !== authorization) {
      authorization = current
      requestHead = headHead(authorization)
    }
    const { body } = exchange
    const batch = c.out
    let at = batch.reserve(requestHead.length + DECIMAL_MAX_BYTES + 4 + body.length)
    const out = batch.out
    out.set(requestHead, at)
    at = writeDecimal(out, at + requestHead.length, body.length)
    out[at] = 13 // \r\n\r\n
    out[at + 1] = 10
    out[at + 2] = 13
    out[at + 3] = 10
    at += 4
    out.set(body, at)
    if (exchange.forwarded !== undefined) writeForwardedPrepare(out, at, exchange.forwarded)
    batch.commit(at + body.length)
    exchange.body = NO_BYTES // written: the memory it viewed may go
  }

  function open(): Connection {
    // SNI names a host, never an address (RFC 6066 §3).
    const sni = isIP(host) === 0 ? { servername: host } : {}
    const ca = options.ca === undefined ? {} : { ca: options.ca }
    const socket = tls ? connectTls({ host, port, ...sni, ...ca, ALPNProtocols: ['http/1.1'] }) : connectTcp({ host, port })
    socket.setNoDelay(true)
    const c: Connection = { socket, waiting: [], out: new WriteBatch(), flushScheduled: false, carry: undefined, state: 'open', idleSince: now(), untilClose: undefined, stalled: false, listedIdle: false }
    let error: Error | undefined
    socket.on('data', (chunk: Buffer) => read(c, chunk))
    socket.on('error', (err) => void (error = err))
    socket.on('end', () => endOfReplies(c))
    socket.once('close', () => lost(c, new HttpClientError('HTTP_CONNECTION_LOST', `connection to ${url.host} lost: ${error?.message ?? 'closed'}`, { cause: error })))
    connections.push(c)
    sweeper ??= setInterval(sweep, SWEEP_MS).unref()
    return c
  }

  /**
   * The connection for the next request: the one this turn's requests already go to while it has room (they
   * leave in one write), else an idle one (the most recently idle: the others may time out), else a new one while
   * there is room, else the open connection with the fewest requests in flight that has room. Stalled connections
   * take nothing. No scan of every connection per request while one is idle or may be opened.
   */
  function pick(): Connection | undefined {
    const current = filling
    if (current !== undefined && current.flushScheduled && current.state === 'open' && !current.stalled && current.waiting.length < options.pipelining) return current
    while (idle.length > 0) {
      const c = idle.pop()!
      c.listedIdle = false
      if (c.state === 'open' && !c.stalled && c.waiting.length === 0) return c
    }
    if (connections.length - stalled < options.connections) return open()
    if (options.pipelining === 1) return undefined // every connection carries its one request
    let best: Connection | undefined
    for (const c of connections) {
      if (c.state === 'open' && !c.stalled && c.waiting.length < options.pipelining && (best === undefined || c.waiting.length < best.waiting.length)) best = c
    }
    return best
  }

  /** `c` carries nothing now: listed for pick (once). */
  function nowIdle(c: Connection): void {
    if (c.listedIdle || c.state !== 'open' || c.stalled) return
    c.listedIdle = true
    idle.push(c)
  }

  function dispatch(c: Connection, exchange: Exchange): void {
    encode(c, exchange)
    c.waiting.push(exchange)
    // Without pipelining a connection carries one request: nothing to wait for.
    if (c.out.messages >= FLUSH_REQUESTS || options.pipelining === 1) return flush(c)
    if (!c.flushScheduled) {
      c.flushScheduled = true
      setImmediate(flush, c)
    }
    filling = c
  }

  function flush(c: Connection): void {
    c.flushScheduled = false
    if (c.out.messages === 0 || c.state === 'closed') return
    c.socket.write(c.out.take())
  }

  /** Moves queued requests to connections with room. */
  function pump(): void {
    while (queued.length > 0 && !closed) {
      const c = pick()
      if (c === undefined) return
      const exchange = queued.shift()!
      if (!exchange.settled) dispatch(c, exchange)
    }
  }

  function settle(exchange: Exchange, outcome: PostReply | HttpClientError): void {
    if (exchange.settled) return
    exchange.settled = true
    if (outcome instanceof HttpClientError) exchange.done(undefined, outcome)
    else exchange.done(outcome)
  }

  /** The connection is gone: the oldest request fails with `first`, the rest as connection lost. */
  function lost(c: Connection, err: HttpClientError, first: HttpClientError = err): void {
    if (c.state === 'closed') return
    c.state = 'closed'
    unstall(c)
    c.socket.destroy()
    connections.splice(connections.indexOf(c), 1)
    if (c.listedIdle) idle.splice(idle.indexOf(c), 1)
    const waiting = c.waiting.splice(0)
    waiting.forEach((exchange, i) => settle(exchange, i === 0 ? first : err))
    pump()
  }

  function drop(c: Connection, code: HttpClientErrorCode, message: string): void {
    const reason = new HttpClientError(code, message)
    lost(c, new HttpClientError('HTTP_CONNECTION_LOST', `connection to ${url.host} dropped: ${message}`, { cause: reason }), reason)
  }

  function replied(c: Connection, status: number, body: Uint8Array): void {
    settle(c.waiting.shift()!, { status, body })
    if (c.waiting.length === 0) {
      c.idleSince = now()
      unstall(c) // its replies caught up: it can carry requests again
      nowIdle(c)
    }
  }

  function unstall(c: Connection): void {
    if (!c.stalled) return
    c.stalled = false
    stalled--
  }

  function read(c: Connection, chunk: Buffer): void {
    const buf = c.carry === undefined ? chunk : Buffer.concat([c.carry, chunk])
    c.carry = undefined
    if (c.untilClose !== undefined) {
      c.carry = buf
      if (buf.length > options.bodyMaxBytes) drop(c, 'HTTP_REPLY_TOO_LARGE', `reply body over ${options.bodyMaxBytes} bytes`)
      return
    }
    let at = 0
    while (at < buf.length && c.state !== 'closed' && c.untilClose === undefined) {
      const end = headEnd(buf, at, at, buf.length)
      if (end < 0) {
        if (buf.length - at > HTTP_HEAD_MAX_BYTES) return drop(c, 'HTTP_BAD_RESPONSE', 'response head too large')
        break
      }
      const head = parseResponseHead(buf, at, end)
      if (!head.valid || head.status === 101) return drop(c, 'HTTP_BAD_RESPONSE', 'malformed or unsupported response')
      if (head.status < 200) {
        at = end // 1xx: informational, the final response follows (RFC 9110 §15.2)
        continue
      }
      if (c.waiting.length === 0) return drop(c, 'HTTP_BAD_RESPONSE', 'response without a request')
      const next = body(c, head, buf, end)
      if (next < 0) break
      at = next
      if (head.close) {
        c.state = 'draining'
        c.socket.end()
        return drain(c)
      }
    }
    if (at < buf.length && c.state !== 'closed' && c.untilClose === undefined) c.carry = buf.subarray(at)
    pump()
  }

  /** Reads the body of the response whose head ends at `from`; returns where the next response starts, or -1. */
  function body(c: Connection, head: ResponseHead, buf: Buffer, from: number): number {
    if (hasNoBody(head.status)) {
      replied(c, head.status, buf.subarray(from, from))
      return from
    }
    if (head.chunked) {
      const chunked = dechunk(buf, from, options.bodyMaxBytes)
      if (chunked === 'incomplete') return -1
      if (typeof chunked === 'string') {
        drop(c, chunked === 'too large' ? 'HTTP_REPLY_TOO_LARGE' : 'HTTP_BAD_RESPONSE', `chunked reply: ${chunked}`)
        return -1
      }
      replied(c, head.status, chunked.body)
      return chunked.end
    }
    if (head.contentLength < 0) {
      c.untilClose = head // the body runs to the end of the connection
      c.carry = buf.subarray(from)
      return -1
    }
    if (head.contentLength > options.bodyMaxBytes) {
      drop(c, 'HTTP_REPLY_TOO_LARGE', `reply body over ${options.bodyMaxBytes} bytes`)
      return -1
    }
    if (from + head.contentLength > buf.length) return -1
    replied(c, head.status, buf.subarray(from, from + head.contentLength))
    return from + head.contentLength
  }

  function endOfReplies(c: Connection): void {
    const head = c.untilClose
    if (head !== undefined && c.waiting.length > 0) {
      const bytes = c.carry ?? Buffer.alloc(0)
      if (bytes.length > options.bodyMaxBytes) return drop(c, 'HTTP_REPLY_TOO_LARGE', `reply body over ${options.bodyMaxBytes} bytes`)
      replied(c, head.status, bytes)
    }
    c.untilClose = undefined
    lost(c, new HttpClientError('HTTP_CONNECTION_LOST', `${url.host} closed the connection`))
  }

  /** The peer closes after the reply just read: the requests behind it were not answered. */
  function drain(c: Connection): void {
    lost(c, new HttpClientError('HTTP_CONNECTION_LOST', `${url.host} closed the connection (Connection: close)`))
  }

  function request(body: Uint8Array, deadline: number, done: ReplyDone, signal?: AbortSignal, forwarded?: IlpPrepare): void {
    if (closed) return done(undefined, new HttpClientError('HTTP_CLIENT_CLOSED', 'client closed'))
    const exchange: Exchange = { body, forwarded, deadline, done, settled: false }
    if (signal !== undefined) {
      const onAbort = (): void => settle(exchange, new HttpClientError('HTTP_ABORTED', 'send aborted'))
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      exchange.done = (reply, err) => {
        signal.removeEventListener('abort', onAbort)
        done(reply, err)
      }
    }
    const c = queued.length === 0 ? pick() : undefined
    if (c !== undefined) return dispatch(c, exchange)
    // Waiting for room: the body may be a view of memory its owner reuses once this returns, so it is copied.
    exchange.body = Uint8Array.prototype.slice.call(body)
    queued.push(exchange)
  }

  function sweep(): void {
    const t = now()
    for (const c of [...connections]) {
      if (c.state === 'closed') continue // closed by a callback of this sweep
      const oldest = c.waiting[0]
      if (oldest === undefined) {
        if (t - c.idleSince >= HTTP_CLIENT_IDLE_MS) lost(c, new HttpClientError('HTTP_CONNECTION_LOST', 'idle'))
        continue
      }
      const late = t >= oldest.deadline
      if (late && !c.stalled) {
        c.stalled = true // before the callbacks below, so that none of them puts a request on it
        stalled++
        // Bound: at most `connections` stalled ones besides the others. Past it the longest open goes, and the
        // requests still waiting on it fail as on a lost connection (a peer this slow is failing anyway).
        if (stalled > options.connections) {
          const longestOpen = connections.find((other) => other.stalled && other !== c)
          if (longestOpen !== undefined) drop(longestOpen, 'HTTP_REPLY_TIMEOUT', 'too many connections waiting on late replies')
        }
      }
      // Each request fails at its own deadline, wherever it stands (one behind may have an earlier expiry).
      let open = 0
      for (const exchange of c.waiting) {
        if (!exchange.settled && t >= exchange.deadline) timedOut(exchange)
        if (!exchange.settled) open++
      }
      if (late && open === 0) lost(c, new HttpClientError('HTTP_CONNECTION_LOST', 'every request on it went unanswered in time'))
    }
    while (queued.length > 0 && (queued[0]!.settled || t >= queued[0]!.deadline)) {
      settle(queued.shift()!, new HttpClientError('HTTP_REPLY_TIMEOUT', 'no connection with room in time'))
    }
    pump() // a stalled connection leaves room for a new one
    if (connections.length === 0 && queued.length === 0) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }

  function timedOut(exchange: Exchange): void {
    settle(exchange, new HttpClientError('HTTP_REPLY_TIMEOUT', 'no reply in time'))
  }

  return {
    request,
    post: postOf(request),
    async close() {
      if (closed) return
      closed = true
      clearInterval(sweeper)
      sweeper = undefined
      const err = new HttpClientError('HTTP_CLIENT_CLOSED', 'client closed')
      for (const exchange of queued.splice(0)) settle(exchange, err)
      for (const c of [...connections]) lost(c, err)
    },
  }
}

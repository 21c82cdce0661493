/**
 * The HTTP link's sync Prepares over HTTP/2 (RFC 9113), for an account with `http.http2`: cleartext with prior
 * knowledge for `http://` (as ilp-plugin-http's `outgoing.http2` does; our server and hyper's take it), TLS with
 * ALPN `h2` for `https://`.
 *
 * Every request is a stream of its own on a shared connection, so a slow reply holds up no other (HTTP/1.1
 * pipelining's head-of-line blocking is gone), and many requests share each write. It is node:http2's client
 * (nghttp2): on this machine it measured ~19k requests/s at ~38 µs of client CPU each, slower than our HTTP/1.1
 * client, so HTTP/2 is there for peers that want it, not for speed.
 *
 * Sessions (up to `connections`, default 1) open as needed and carry up to the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS streams each; requests past that wait, oldest first. Each request fails
 * HTTP_REPLY_TIMEOUT at its own deadline (its stream is cancelled). A session the peer ends (GOAWAY) or loses
 * takes no new requests; the streams it had not processed fail HTTP_CONNECTION_LOST. Idle sessions close after
 * HTTP_CLIENT_IDLE_MS. Reply bodies over `bodyMaxBytes` cancel the stream (HTTP_REPLY_TOO_LARGE).
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2'
import { isIP } from 'node:net'
import { writeForwardedPrepare } from '../../ilp/packet.js'
import type { IlpPrepare } from '../../ilp/types.js'
import { HTTP_CLIENT_IDLE_MS, HttpClientError, postOf, type Http1Client, type ReplyDone } from './http1-client.js'
import type { PostReply } from './post.js'

/** Deadlines and idle sessions are checked this often (one timer per client, while it has sessions or requests). */
const SWEEP_MS = 100
/** Streams per session when the peer's SETTINGS name no limit (RFC 9113 §6.5.2 recommends at least 100). */
const STREAMS_BEFORE_SETTINGS = 100
/** A request whose stream the peer refuses unprocessed (REFUSED_STREAM) is sent again this many times at most. */
const REFUSED_RETRIES = 3

export interface Http2ClientOptions {
  /** `http://host:port/path` (prior knowledge) or https (ALPN); every request goes to this path. */
  url: URL
  /** Header fields sent with every request (lower-case names: authorization, content-type, ...). */
  headers: Record<string, string>
  /** The Authorization field's value, asked per request (JWTs signed anew); takes the place of one in `headers`. */
  authorization?: () => string
  /** Sessions (connections) to the peer. */
  connections: number
  bodyMaxBytes: number
  now: () => number
  /** https: certificate authorities to trust instead of the system's. */
  ca?: string | Buffer
}

interface Exchange {
  readonly body: Uint8Array
  readonly deadline: number
  readonly done: ReplyDone
  stream: ClientHttp2Stream | undefined
  settled: boolean
  /** Times the peer refused its stream unprocessed. */
  retries: number
}

interface Session {
  readonly http2: ClientHttp2Session
  /** The peer's SETTINGS arrived: until then no stream starts (its stream limit is not known). */
  ready: boolean
  /** Streams open on it. */
  active: number
  /** GOAWAY received, closing or closed: it takes no new requests. */
  usable: boolean
  idleSince: number
}

export function createHttp2Client(options: Http2ClientOptions): Http1Client {
  const { url, now } = options
  const tls = url.protocol === 'https:'
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const requestHeaders = { [constants.HTTP2_HEADER_METHOD]: 'POST', [constants.HTTP2_HEADER_PATH]: `${url.pathname}${url.search}`, ...options.headers }
  const sessions: Session[] = []
  const queued: Exchange[] = []
  /** Requests with a stream open, for the deadline sweep. */
  const inFlight = new Set<Exchange>()
  let closed = false
  let sweeper: NodeJS.Timeout | undefined

  function open(): Session {
    const sni = tls && isIP(host) === 0 ? { servername: host } : {}
    const ca = options.ca === undefined ? {} : { ca: options.ca }
    const http2 = connect(url.origin, { ...sni, ...ca, peerMaxConcurrentStreams: STREAMS_BEFORE_SETTINGS })
    const session: Session = { http2, ready: false, active: 0, usable: true, idleSince: now() }
    let error: Error | undefined
    const unusable = (): void => {
      if (!session.usable) return
      session.usable = false
      sessions.splice(sessions.indexOf(session), 1)
      if (!session.ready && !sessions.some((s) => s.ready)) {
        // Never connected (refused, unreachable, not HTTP/2): the requests waiting for it fail, as an HTTP/1.1
        // request fails with its connection; each new request may try again.
        const lost = new HttpClientError('HTTP_CONNECTION_LOST', `cannot reach ${url.host} over HTTP/2: ${error?.message ?? 'closed'}`, { cause: error })
        for (const exchange of queued.splice(0)) settle(exchange, lost)
      }
      pump() // the requests waiting may go on another session
    }
    http2.on('error', (err) => void (error = err)) // its streams fail with it ('close' on each); 'close' follows
    http2.once('goaway', unusable)
    http2.once('close', unusable)
    http2.on('remoteSettings', () => {
      if (!session.ready) session.idleSince = now()
      session.ready = true
      pump() // the peer's stream limit is known: room for more, or less
    })
    sessions.push(session)
    sweeper ??= setInterval(sweep, SWEEP_MS).unref()
    return session
  }

  const room = (s: Session): number => (s.ready ? (s.http2.remoteSettings.maxConcurrentStreams ?? STREAMS_BEFORE_SETTINGS) - s.active : 0)

  /**
   * The usable session with the most room, or undefined (the request waits). A new session opens while every
   * one is full and there may be more; it takes requests once the peer's SETTINGS have come.
   */
  function pick(): Session | undefined {
    let best: Session | undefined
    let connecting = false
    for (const s of sessions) {
      if (!s.ready) connecting = true
      else if (room(s) > 0 && (best === undefined || room(s) > room(best))) best = s
    }
    if (best === undefined && !connecting && sessions.length < options.connections) open()
    return best
  }

  function settle(exchange: Exchange, outcome: PostReply | HttpClientError): void {
    if (exchange.settled) return
    exchange.settled = true
    inFlight.delete(exchange)
    if (outcome instanceof HttpClientError) exchange.done(undefined, outcome)
    else exchange.done(outcome)
  }

  function start(session: Session, exchange: Exchange): void {
    let stream: ClientHttp2Stream
    try {
      const headers = options.authorization === undefined ? requestHeaders : { ...requestHeaders, authorization: options.authorization() }
      stream = session.http2.request(headers, { endStream: false })
    } catch (err) {
      // The session went away between pick and now (ERR_HTTP2_GOAWAY_SESSION, ...): nothing was sent.
      return settle(exchange, new HttpClientError('HTTP_CONNECTION_LOST', `HTTP/2 session to ${url.host}: ${(err as Error).message}`, { cause: err }))
    }
    session.active++
    exchange.stream = stream
    inFlight.add(exchange)
    let status = 0
    let size = 0
    const chunks: Buffer[] = []
    stream.on('response', (headers) => void (status = Number(headers[constants.HTTP2_HEADER_STATUS])))
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > options.bodyMaxBytes) {
        settle(exchange, new HttpClientError('HTTP_REPLY_TOO_LARGE', `reply body over ${options.bodyMaxBytes} bytes`))
        stream.close(constants.NGHTTP2_CANCEL)
        return
      }
      chunks.push(chunk)
    })
    stream.on('end', () => {
      // No response head: the stream ended with its session ('close' says why).
      if (status !== 0) settle(exchange, { status, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) })
    })
    stream.on('error', () => {}) // 'close' follows, with the reason in rstCode
    stream.once('close', () => {
      session.active--
      if (session.active === 0) session.idleSince = now()
      if (!exchange.settled) {
        if (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM && status === 0 && exchange.retries < REFUSED_RETRIES) {
          // Not processed (RFC 9113 §8.7): safe to send again, first in line.
          exchange.retries++
          inFlight.delete(exchange)
          queued.unshift(exchange)
        } else {
          settle(exchange, new HttpClientError('HTTP_CONNECTION_LOST', `${url.host} closed the stream before replying (code ${stream.rstCode ?? 'none'})`))
        }
      }
      pump()
    })
    stream.end(exchange.body)
  }

  /** Moves queued requests to sessions with room. */
  function pump(): void {
    while (queued.length > 0 && !closed) {
      if (queued[0]!.settled) {
        queued.shift()
        continue
      }
      const session = pick()
      if (session === undefined) return
      start(session, queued.shift()!)
    }
  }

  function sweep(): void {
    const t = now()
    for (const exchange of inFlight) {
      if (t < exchange.deadline) continue
      settle(exchange, new HttpClientError('HTTP_REPLY_TIMEOUT', 'no reply in time'))
      exchange.stream?.close(constants.NGHTTP2_CANCEL)
    }
    while (queued.length > 0 && (queued[0]!.settled || t >= queued[0]!.deadline)) {
      settle(queued.shift()!, new HttpClientError('HTTP_REPLY_TIMEOUT', 'no stream with room in time'))
    }
    for (const s of [...sessions]) {
      // Idle: connected, nothing in flight for a while (a session still connecting is not idle: requests wait on it).
      if (s.ready && s.active === 0 && t - s.idleSince >= HTTP_CLIENT_IDLE_MS) {
        s.usable = false
        sessions.splice(sessions.indexOf(s), 1)
        s.http2.close()
      }
    }
    if (sessions.length === 0 && queued.length === 0 && inFlight.size === 0) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }

  function request(body: Uint8Array, deadline: number, done: ReplyDone, signal?: AbortSignal, forwarded?: IlpPrepare): void {
    if (closed) return done(undefined, new HttpClientError('HTTP_CLIENT_CLOSED', 'client closed'))
    // The body may be a view of memory its owner reuses once this returns: it is copied (and, when forwarded,
    // its amount and expiry written over the copy).
    const bytes = Uint8Array.prototype.slice.call(body)
    if (forwarded !== undefined) writeForwardedPrepare(bytes, 0, forwarded)
    const exchange: Exchange = { body: bytes, deadline, done, stream: undefined, settled: false, retries: 0 }
    if (signal !== undefined) {
      const onAbort = (): void => {
        settle(exchange, new HttpClientError('HTTP_ABORTED', 'send aborted'))
        exchange.stream?.close(constants.NGHTTP2_CANCEL)
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      const inner = exchange.done
      ;(exchange as { done: ReplyDone }).done = (reply, err) => {
        signal.removeEventListener('abort', onAbort)
        inner(reply, err)
      }
    }
    sweeper ??= setInterval(sweep, SWEEP_MS).unref()
    queued.push(exchange)
    pump()
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
      for (const exchange of [...inFlight]) settle(exchange, err)
      for (const s of sessions.splice(0)) s.http2.destroy()
    },
  }
}

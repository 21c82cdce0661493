/**
 * The incoming side of ILP over HTTP (RFC 35): one listener serves every account.
 *
 *   POST /ilp  or  POST /accounts/:id/ilp   body: OER Prepare   Authorization: Bearer <account's incoming token>
 *     sync (draft 2, what every deployed peer speaks): 200, body = Fulfill or Reject
 *     async (draft 3): the request carries Callback-Url and Request-Id; we answer 202 at once and POST the
 *     reply to the callback later (the account's link does that, with its own outgoing token)
 *   POST /ilp/callback  Request-Id: <id>   body: Fulfill or Reject — a peer's answer to our async Prepare
 *
 * Errors never crash the listener: 401 bad credentials, 404 unknown path or account, 405 not POST, 413 body too
 * large, 415 wrong content type, 400 a body that is not the ILP packet expected, 500 a handler that threw.
 * A `net` server listens; plain sync `POST`s with Content-Length bodies are read and answered by the fast path
 * (fast-path.ts: pipelined requests answered in order, the replies of one turn in one write; fast-route.ts: which
 * requests, with the checks of requests.ts); at the first other request a connection goes to node:http, which
 * serves everything else (async mode, callbacks, SPSP GETs, odd framing) with the same checks and status codes. node:http rather than fastify for that: no routing table is
 * needed for three paths, and it measured cheaper (21–26 µs of server CPU per request against 28–32 µs).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { constants as http2Constants, createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { decodePrepare, decodeReply, packetBytes } from '../../ilp/packet.js'
import type { IlpPrepare, IlpReply } from '../../ilp/types.js'
import type { Authenticate } from '../tokens.js'
import type { IncomingPrepareCallback, IncomingPrepareHandler } from '../types.js'
import { silentLinkLogger, type LinkLogger } from '../log.js'
import { createFastPath, lingeringClose } from './fast-path.js'
import { isHttp2Preface, withBytesFirst } from './h2c.js'
import { createFastRoute } from './fast-route.js'
import { ACCOUNT_PATH, bearerToken, checkContentType, decodeOr400, HttpFailure } from './requests.js'

/** Largest ILP packet: 1 type + 4 length + 33,853 body bytes (protocol-notes §2.1); 64 KiB leaves headroom. */
export const HTTP_BODY_MAX_BYTES = 64 * 1024
export { ILP_CONTENT_TYPES } from './requests.js'
export const CALLBACK_PATH = '/ilp/callback'
/** A request's headers and body must arrive this fast (slow-loris bound; a Prepare is one small POST). */
export const HTTP_REQUEST_RECEIVE_TIMEOUT_MS = 10_000
/** Idle keep-alive connections are kept this long (peers reuse them for every packet). */
export const HTTP_KEEP_ALIVE_MS = 60_000
/** Open connections per listener, all peers together. */
export const HTTP_CONNECTIONS_MAX = 4096
/** A connection with a request that cannot be parsed waits at most this long for the answers to those before it. */
const CLOSE_AFTER_ANSWERS_MAX_MS = 35_000
/** HTTP/2: requests in flight on one connection (SETTINGS_MAX_CONCURRENT_STREAMS); clients open more connections. */
export const HTTP2_STREAMS_MAX = 256
/** The coarse timer that ends slow and idle fast-path connections, and refreshes the Date field, ticks this often. */
const SWEEP_MS_MAX = 1000

/** What the server needs from the link of one account. */
export interface HttpEndpoint {
  /** The connector's handler for Prepares from this peer (set by `link.handle`). */
  handler?: IncomingPrepareHandler
  /** Its callback form, when `link.handle` was given one: the fast path uses it (no promise per request). */
  callback?: IncomingPrepareCallback
  /** Async mode: the peer wants the reply POSTed to `callbackUrl`; false refuses the request (400). */
  acceptsCallback?(callbackUrl: string): boolean
  /** `reply` is an Error when the handler threw: the link answers T00 with its own address. */
  postReply?(callbackUrl: string, requestId: string, reply: IlpReply | Error, prepare: IlpPrepare): void
  /** A reply to one of our async Prepares. False when the request id is unknown or already answered. */
  deliverReply?(requestId: string, reply: IlpReply): boolean
}

export interface HttpLinkServerOptions {
  listen: { host?: string; port: number }
  authenticate: Authenticate
  log?: LinkLogger
  /** Base of the Callback-Url we advertise (default `http://host:port`): set it when behind a proxy. */
  publicUrl?: string
  /** Non-POST requests (e.g. SPSP `GET /<account>`) go here first; resolving false falls through to 405. */
  otherRequests?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>
  /**
   * Serve https: the server's certificate chain and private key (PEM). ALPN offers h2 and http/1.1: an h2
   * connection goes straight to the HTTP/2 server, the rest to the fast path as over plain TCP.
   */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Defaults HTTP_REQUEST_RECEIVE_TIMEOUT_MS and HTTP_KEEP_ALIVE_MS; shorter in tests. */
  requestReceiveTimeoutMs?: number
  keepAliveMs?: number
  now?: () => number
}

export interface HttpLinkServer {
  /** `http://host:port` as bound (port 0 resolved). */
  readonly url: string
  /** Where peers POST replies to our async Prepares. */
  readonly callbackUrl: string
  register(accountId: string, endpoint: HttpEndpoint): void
  unregister(accountId: string): void
  /**
   * Call when what `authenticate` answers may have changed (tokens added, changed or revoked): each connection
   * remembers the credentials of its last accepted request and checks them again only after this.
   */
  credentialsChanged(): void
  /** New certificate chain and key for connections from now on (open ones keep theirs); throws without TLS. */
  setTls(tls: { cert: string | Buffer; key: string | Buffer }): void
  close(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > HTTP_BODY_MAX_BYTES) return Promise.reject(new HttpFailure(413, 'body too large'))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > HTTP_BODY_MAX_BYTES) {
        req.removeAllListeners('data')
        req.pause()
        reject(new HttpFailure(413, 'body too large'))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The peer's address for a log line; node:http2's socket proxy throws once its session is gone. */
function remoteAddress(req: IncomingMessage): string | undefined {
  try {
    return req.socket?.remoteAddress
  } catch {
    return undefined
  }
}

function send(res: ServerResponse, status: number, body: Uint8Array | string, type = 'text/plain'): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

export async function createHttpLinkServer(options: HttpLinkServerOptions): Promise<HttpLinkServer> {
  const log = options.log ?? silentLinkLogger
  const endpoints = new Map<string, HttpEndpoint>()
  const sockets = new Set<Socket>()

  function authenticate(authorization: string | undefined, pathAccount: string | undefined): { accountId: string; endpoint: HttpEndpoint } {
    const accountId = options.authenticate(pathAccount, bearerToken(authorization ?? ''))
    if (accountId === undefined || (pathAccount !== undefined && accountId !== pathAccount)) {
      throw new HttpFailure(401, 'invalid authorization')
    }
    const endpoint = endpoints.get(accountId)
    if (endpoint === undefined) throw new HttpFailure(404, 'no HTTP link for this account')
    return { accountId, endpoint }
  }

  async function onPrepare(req: IncomingMessage, res: ServerResponse, pathAccount: string | undefined): Promise<void> {
    const { accountId, endpoint } = authenticate(req.headers.authorization, pathAccount)
    checkContentType(req.headers['content-type'] ?? '')
    const prepare = decodeOr400(decodePrepare, await readBody(req), 'Prepare')
    const handler = endpoint.handler
    if (handler === undefined) throw new HttpFailure(503, 'no handler registered')
    const callbackUrl = req.headers['callback-url']
    if (typeof callbackUrl === 'string') return onAsyncPrepare(req, res, endpoint, prepare, callbackUrl)
    // No AbortSignal for the handler: the connector bounds every packet by its expiry anyway, and one
    // AbortController per request showed in the profile.
    let reply: IlpReply
    try {
      reply = await handler(prepare)
    } catch (err) {
      log.error({ err, accountId }, 'ILP-over-HTTP handler threw')
      throw new HttpFailure(500, 'internal error')
    }
    send(res, 200, packetBytes(reply), 'application/octet-stream')
  }

  function onAsyncPrepare(req: IncomingMessage, res: ServerResponse, endpoint: HttpEndpoint, prepare: IlpPrepare, callbackUrl: string): void {
    const requestId = req.headers['request-id']
    if (typeof requestId !== 'string' || requestId === '') throw new HttpFailure(400, 'Request-Id is required with Callback-Url')
    if (endpoint.postReply === undefined || endpoint.acceptsCallback?.(callbackUrl) !== true) {
      throw new HttpFailure(400, 'callback URL not accepted for this account')
    }
    send(res, 202, '')
    const postReply = endpoint.postReply
    void endpoint.handler!(prepare).then(
      (reply) => postReply(callbackUrl, requestId, reply, prepare),
      (err: unknown) => {
        log.error({ err }, 'ILP-over-HTTP handler threw (async request)')
        postReply(callbackUrl, requestId, err instanceof Error ? err : new Error(String(err)), prepare)
      },
    )
  }

  async function onCallback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { endpoint } = authenticate(req.headers.authorization, undefined)
    checkContentType(req.headers['content-type'] ?? '')
    const requestId = req.headers['request-id']
    const reply = decodeOr400(decodeReply, await readBody(req), 'Fulfill or Reject')
    // RFC 35: 400 when the Request-Id is unknown or was already answered; the sender then stops retrying.
    if (typeof requestId !== 'string' || endpoint.deliverReply?.(requestId, reply) !== true) {
      throw new HttpFailure(400, 'unknown or answered Request-Id')
    }
    send(res, 200, '')
  }

  function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!
    if (req.method !== 'POST') {
      const other = options.otherRequests
      if (other === undefined) return Promise.reject(new HttpFailure(405, 'POST only'))
      return other(req, res).then((handled) => {
        if (!handled) throw new HttpFailure(405, 'POST only')
      })
    }
    if (path === '/ilp') return onPrepare(req, res, undefined)
    if (path === CALLBACK_PATH) return onCallback(req, res)
    const match = ACCOUNT_PATH.exec(path)
    if (match !== null) {
      let accountId: string
      try {
        accountId = decodeURIComponent(match[1]!)
      } catch {
        return Promise.reject(new HttpFailure(400, 'bad account id in the path'))
      }
      return onPrepare(req, res, accountId)
    }
    return Promise.reject(new HttpFailure(404, 'not found'))
  }

  const now = options.now ?? Date.now
  const fastRouter = createFastRoute({ authenticate, log, now })

  const requestReceiveTimeoutMs = options.requestReceiveTimeoutMs ?? HTTP_REQUEST_RECEIVE_TIMEOUT_MS
  const keepAliveMs = options.keepAliveMs ?? HTTP_KEEP_ALIVE_MS

  // ------------------------------------------------------------------------------------ node:http, for the rest

  /** HTTP/1.1 connections on node:http: requests being served on each (see clientError). */
  const servingOn = new WeakMap<Socket, number>()
  /** Connections whose next request could not be parsed: closed once the requests before it are answered. */
  const closeWhenAnswered = new WeakSet<Socket>()

  /** HTTP/1.1 connections whose last request has come (its reply closes them): later ones are not served. */
  const lastRequestCame = new WeakSet<Socket>()

  /** Everything the fast path does not serve, over HTTP/1.1 (node:http) and HTTP/2 (node:http2, compat API). */
  function serveRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.httpVersionMajor === 1) {
      const socket = req.socket
      // A request pipelined behind one whose reply closes the connection: its reply could never be written, so it
      // is not served at all (a Prepare handled here would be paid downstream and never answered).
      if (lastRequestCame.has(socket)) return
      const connection = (req.headers.connection ?? '').toLowerCase()
      if (/(^|,)\s*close\s*(,|$)/.test(connection) || (req.httpVersionMinor === 0 && !/(^|,)\s*keep-alive\s*(,|$)/.test(connection))) {
        lastRequestCame.add(socket)
      }
      if (req.headers.host === undefined && req.httpVersionMinor === 1) {
        // RFC 9112 §3.2 (node:http's requireHostHeader, done here so that the requests behind it are not served).
        lastRequestCame.add(socket)
        res.setHeader('connection', 'close')
        return send(res, 400, 'Host header required')
      }
      servingOn.set(socket, (servingOn.get(socket) ?? 0) + 1)
      res.once('close', () => {
        const left = (servingOn.get(socket) ?? 1) - 1
        servingOn.set(socket, left)
        if (left === 0 && closeWhenAnswered.has(socket)) lingeringClose(socket)
      })
    }
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpFailure) {
        if (err.status === 401) log.warn({ remote: remoteAddress(req) }, 'ILP-over-HTTP request with bad credentials')
        if (err.status === 413) {
          // HTTP/1.1: the rest of the body is not read, so the connection cannot carry another request. HTTP/2
          // ends just the stream (and has no Connection field).
          if (req.httpVersionMajor === 1) {
            const socket = req.socket
            res.setHeader('connection', 'close')
            lastRequestCame.add(socket)
            // The unread body stays unread: a lingering close, so that the reset it would cause cannot cost the
            // peer the replies written before this one.
            res.once('finish', () => lingeringClose(socket))
          } else res.once('finish', () => req.destroy())
        }
        send(res, err.status, err.message)
        return
      }
      log.error({ err }, 'ILP-over-HTTP request failed')
      send(res, 500, 'internal error')
    })
  }

  const server: Server = createServer({
    keepAliveTimeout: keepAliveMs,
    requestTimeout: requestReceiveTimeoutMs,
    headersTimeout: requestReceiveTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(5, Math.floor(requestReceiveTimeoutMs / 2))),
    requireHostHeader: false, // checked in serveRequest
  }, serveRequest)
  // The sockets allow half-open connections (see fast-path.ts): node:http then answers the requests it has read
  // before it closes its side, instead of dropping them (its httpAllowHalfOpen, a Server field since Node 0.x).
  ;(server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true
  // A request node:http cannot parse: as its own default handler does, a status that says why when nothing has
  // been written on the connection yet (431 head too large, 408 too slow, else 400), then the close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (closeWhenAnswered.has(socket)) return // the parser's later errors on the same connection
    closeWhenAnswered.add(socket)
    lastRequestCame.add(socket)
    if ((servingOn.get(socket) ?? 0) > 0) {
      // Requests before the bad one are still being served: their replies (Fulfills among them) go out first,
      // then the close (see the 'close' listener in serveRequest). The connector answers every packet by its expiry.
      setTimeout(() => socket.destroy(), CLOSE_AFTER_ANSWERS_MAX_MS).unref()
      return
    }
    if (socket.writable && socket.bytesWritten === 0) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    lingeringClose(socket)
  })
  // node:http checks its request timeouts from 'listening' on; it never listens itself here (the net server does).
  server.emit('listening')

  // ------------------------------------------------------------------------------------ node:http2, prior knowledge

  const http2Sessions = new Set<ServerHttp2Session>()
  const http2 = createHttp2Server({ settings: { maxConcurrentStreams: HTTP2_STREAMS_MAX } }, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    // A request must arrive in full this fast (node:http's requestTimeout, per stream); the handler's time after
    // that is the packet's own, bounded by its expiry.
    const timer = setTimeout(() => req.stream.close(http2Constants.NGHTTP2_CANCEL), requestReceiveTimeoutMs)
    req.once('end', () => clearTimeout(timer))
    res.once('close', () => clearTimeout(timer))
    serveRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse)
  })
  http2.on('session', (session: ServerHttp2Session) => {
    http2Sessions.add(session)
    session.once('close', () => http2Sessions.delete(session))
    session.on('error', () => {}) // a peer breaking the protocol: the session closes, 'close' follows
    session.setTimeout(keepAliveMs, () => session.close()) // idle: as an HTTP/1.1 keep-alive connection
  })

  const fast = createFastPath({
    route: fastRouter.route,
    handOver(socket, rest) {
      if (isHttp2Preface(rest)) {
        http2.emit('connection', withBytesFirst(socket, rest))
        socket.resume()
        return
      }
      if (rest.length > 0) socket.unshift(rest)
      server.emit('connection', socket)
      socket.resume()
    },
    bodyMaxBytes: HTTP_BODY_MAX_BYTES,
    requestReceiveTimeoutMs,
    keepAliveMs,
    now,
  })
  const accept = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    fast.serve(socket)
  }
  let listener: NetServer
  if (options.tls === undefined) listener = createNetServer({ allowHalfOpen: true }, accept)
  else {
    const tlsListener = createTlsServer({
      allowHalfOpen: true,
      cert: options.tls.cert,
      key: options.tls.key,
      ALPNProtocols: ['h2', 'http/1.1'],
      handshakeTimeout: requestReceiveTimeoutMs,
    })
    tlsListener.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol !== 'h2') return accept(socket)
      // Negotiated by ALPN: nothing has been read off the socket, so node:http2 takes it as it is.
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      http2.emit('connection', socket)
    })
    tlsListener.on('tlsClientError', () => {}) // a failed handshake (plain HTTP to this port, a bad client): it is gone
    listener = tlsListener
  }
  listener.maxConnections = HTTP_CONNECTIONS_MAX
  const sweepMs = Math.max(5, Math.min(SWEEP_MS_MAX, Math.floor(Math.min(requestReceiveTimeoutMs, keepAliveMs) / 4)))
  const sweeper = setInterval(() => {
    fast.setDate(new Date(now()).toUTCString())
    fast.sweep()
  }, sweepMs).unref()

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject)
    listener.listen(options.listen.port, options.listen.host ?? '127.0.0.1', () => resolve())
  }).catch((err: unknown) => {
    clearInterval(sweeper)
    server.close()
    throw err
  })
  const address = listener.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = options.publicUrl ?? `${options.tls === undefined ? 'http' : 'https'}://${host}:${address.port}`

  return {
    url,
    callbackUrl: url + CALLBACK_PATH,
    register(accountId, endpoint) {
      endpoints.set(accountId, endpoint)
      fastRouter.credentialsChanged()
    },
    unregister(accountId) {
      endpoints.delete(accountId)
      fastRouter.credentialsChanged()
    },
    credentialsChanged: () => fastRouter.credentialsChanged(),
    setTls(tls) {
      if (options.tls === undefined) throw new Error('this HTTP server does not serve TLS')
      ;(listener as ReturnType<typeof createTlsServer>).setSecureContext({ cert: tls.cert, key: tls.key })
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper)
        server.close() // its timeout checker; it has no listening socket of its own
        for (const session of http2Sessions) session.destroy()
        listener.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

/**
 * The HTTP server's fast path: plain pipelined `POST`s with Content-Length bodies read straight off the socket,
 * answered in order (RFC 9112 §9.3.2), every reply ready in one turn of the event loop written in one write.
 *
 * node:http answers pipelined requests one write per response, each after the previous one finished; a
 * connector that gets many Prepares on one connection pays a syscall per reply. Here the common case is ours and
 * everything else stays node:http's, as ws-reader.ts does for BTP: at the first request the fast path does not
 * take (another method or path, async mode, Transfer-Encoding, Expect, Upgrade, HTTP/1.0, Connection other than
 * keep-alive, a head too large or malformed), it flushes its own replies, puts the bytes back on the socket
 * (`socket.unshift`) and hands the socket to node:http (`server.emit('connection')`), which serves it from that
 * request on. Bounds: head size, body size (413 and close), requests waiting per connection (reading stops past
 * it), time to receive a request (slow loris) and idle keep-alive time, all swept by one coarse timer.
 */
import type { Socket } from 'node:net'
import { HTTP_HEAD_MAX_BYTES, STATUS_TEXT, headEnd, parseRequestHead, type RequestHead } from './http1.js'
import { DECIMAL_MAX_BYTES, WriteBatch, writeDecimal } from './write-batch.js'

/** Requests read from one connection and not yet answered; reading pauses at this many (a bound per peer). */
export const HTTP_PIPELINED_MAX = 128
/** Replies written at once when this many are ready, without waiting for the end of the turn (as BTP's 48 frames). */
export const HTTP_FLUSH_REPLIES = 48

export interface FastReply {
  status: number
  body: Uint8Array
  contentType: string
}

/** Serves one request's body; calls `answer` exactly once, now or later (a callback: no promise per request). */
export type FastServe = (body: Uint8Array, answer: (reply: FastReply) => void) => void

/**
 * What the route remembers of a connection's last accepted request (one per connection, empty at first), so
 * that the requests after it, which nearly always carry the same credentials to the same path, are not
 * authenticated again from scratch.
 */
export interface RouteMemo {
  authorization: string
  target: string
  /** The route's credentials version when this was accepted: a change of accounts or tokens forgets it. */
  version: number
  /** Until when (ms) the credentials stay good without a new check: a JWT's expiry, else Infinity. */
  validUntil: number
  serve: FastServe | undefined
}

/**
 * What the server decides per request: `undefined` = not the fast path's (hand over); a FastReply = answered from
 * the head alone (the body is skipped); a function = serve the body with it. `memo` is the connection's.
 */
export type FastRoute = (head: RequestHead, memo: RouteMemo) => undefined | FastReply | FastServe

export interface FastPathOptions {
  route: FastRoute
  /** Gives the socket to node:http, with `rest` (the first request not served here, and what follows) unread. */
  handOver(socket: Socket, rest: Buffer): void
  bodyMaxBytes: number
  requestReceiveTimeoutMs: number
  keepAliveMs: number
  now: () => number
}

export interface FastPath {
  serve(socket: Socket): void
  /** Run by the server's coarse timer: ends connections that are too slow to send a request, or idle too long. */
  sweep(): void
  /** The Date field's value (RFC 9110 §6.6.1), refreshed by the server's timer. */
  setDate(date: string): void
}

const TOO_LARGE: FastReply = { status: 413, body: Buffer.from('body too large'), contentType: 'text/plain' }
const EMPTY = Buffer.alloc(0)
const INTERNAL_ERROR: FastReply = { status: 500, body: Buffer.from('internal error'), contentType: 'text/plain' }
const TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'

interface Connection {
  readonly socket: Socket
  /** Unparsed bytes (a request cut short, or read past the pipelining bound): `store[0, carried)`. */
  store: Buffer
  carried: number
  /** How far the search for the end of the carried head got. */
  scanned: number
  /** Replies in request order, from the oldest not yet written; `undefined` while the handler works. */
  readonly replies: (FastReply | undefined)[]
  /** How many replies were taken off the front of `replies` so far (a request's slot = its number - base). */
  base: number
  /** The request whose reply says `Connection: close` (-1: none). */
  closeAfter: number
  /** Replies written into memory and not yet to the socket. */
  readonly out: WriteBatch
  flushScheduled: boolean
  state: 'reading' | 'paused' | 'handing-over' | 'closing' | 'done'
  /** When the request now partly received began (0: none), and when the connection was last active. */
  partialSince: number
  activeAt: number
  handOverRest: Buffer | undefined
  /** The peer has closed its sending side: once every request read is answered, the connection closes. */
  peerEnded: boolean
  readonly memo: RouteMemo
  readonly onData: (chunk: Buffer) => void
}

/** How long a closing connection keeps reading (and dropping) what the peer still sends before it is destroyed. */
export const HTTP_LINGER_MS = 2_000

/**
 * Closes `socket` after what was written to it, reading and dropping what the peer still sends for a while.
 * Closing with unread input makes the kernel reset the connection, and a reset can make the peer drop replies it
 * had received but not yet read: the Fulfills written just before (RFC 9112 §9.6, "tear-down").
 */
export function lingeringClose(socket: Socket): void {
  if (socket.destroyed) return
  socket.end()
  socket.removeAllListeners('data')
  socket.on('data', () => {})
  socket.resume()
  setTimeout(() => socket.destroy(), HTTP_LINGER_MS).unref()
}

export function createFastPath(options: FastPathOptions): FastPath {
  const connections = new Set<Connection>()
  /** The end of every head: the Date field (refreshed by the server's timer) and the blank line. */
  let dateTail = Buffer.alloc(0)
  const setDate = (date: string): void => void (dateTail = Buffer.from(`\r\nDate: ${date}\r\n\r\n`, 'latin1'))
  setDate(new Date(options.now()).toUTCString())
  const CLOSE_TAIL = Buffer.from('Connection: close\r\n\r\n', 'latin1')
  /** Heads up to the Content-Length value, per status and content type (a handful of each). */
  const heads = new Map<string, Buffer>()
  const OK_OCTETS = headStart(200, 'application/octet-stream')

  function headStart(status: number, contentType: string): Buffer {
    const key = `${status} ${contentType}`
    let head = heads.get(key)
    if (head === undefined) {
      head = Buffer.from(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\nContent-Type: ${contentType}\r\nContent-Length: `, 'latin1')
      if (heads.size < 64) heads.set(key, head)
    }
    return head
  }

  /** Writes the reply straight into the connection's batch. */
  function encode(c: Connection, reply: FastReply, close: boolean): void {
    const { body } = reply
    const head = reply.status === 200 && reply.contentType === 'application/octet-stream' ? OK_OCTETS : headStart(reply.status, reply.contentType)
    const batch = c.out
    let at = batch.reserve(head.length + DECIMAL_MAX_BYTES + dateTail.length + CLOSE_TAIL.length + body.length)
    const out = batch.out
    out.set(head, at)
    at = writeDecimal(out, at + head.length, body.length)
    out.set(dateTail, at)
    at += dateTail.length
    if (close) {
      out.set(CLOSE_TAIL, at - 2) // over the blank line: the field, then the blank line again
      at += CLOSE_TAIL.length - 2
    }
    out.set(body, at)
    batch.commit(at + body.length)
  }

  function flush(c: Connection): void {
    c.flushScheduled = false
    if (c.out.messages > 0) {
      const bytes = c.out.take()
      if (!c.socket.destroyed) c.socket.write(bytes)
    }
    afterWrite(c)
  }

  /** Moves the replies that are next in order to the write batch. */
  function collect(c: Connection): void {
    let n = 0
    while (n < c.replies.length && c.replies[n] !== undefined) {
      encode(c, c.replies[n]!, c.base + n === c.closeAfter)
      n++
    }
    if (n === 0) return
    c.replies.splice(0, n)
    c.base += n
    if (c.out.messages >= HTTP_FLUSH_REPLIES) return flush(c)
    if (!c.flushScheduled) {
      c.flushScheduled = true
      setImmediate(flush, c)
    }
  }

  /** Once the replies are out: read again, hand over or close, as the connection's state asks. */
  function afterWrite(c: Connection): void {
    if (c.replies.length > 0 || c.out.messages > 0) {
      if (c.state === 'paused' && c.replies.length < HTTP_PIPELINED_MAX / 2) resume(c)
      return
    }
    c.activeAt = options.now()
    if (c.state === 'paused') resume(c)
    else if (c.state === 'handing-over') handOver(c)
    else if (c.state === 'closing') lingeringClose(c.socket)
    else if (c.state === 'reading' && c.peerEnded) {
      // Everything the peer sent is answered (a request it left unfinished never will be): our side closes too.
      c.state = 'done'
      connections.delete(c)
      c.socket.end()
    }
  }

  function resume(c: Connection): void {
    c.state = 'reading'
    c.socket.resume()
    parse(c, EMPTY)
  }

  function handOver(c: Connection): void {
    c.state = 'done'
    connections.delete(c)
    c.socket.removeListener('data', c.onData)
    options.handOver(c.socket, c.handOverRest ?? EMPTY)
  }

  /** A place in the reply order for the request just read: its number on this connection. */
  const reserve = (c: Connection): number => c.base + c.replies.push(undefined) - 1

  function answer(c: Connection, request: number, reply: FastReply, close = false): void {
    const slot = request - c.base
    if (close) c.closeAfter = request
    c.replies[slot] = reply
    if (slot === 0) collect(c)
  }

  /** Serves one request whose head and body are both here. */
  function dispatch(c: Connection, serve: FastServe, body: Uint8Array): void {
    const request = reserve(c)
    let answered = false
    const reply = (r: FastReply): void => {
      if (answered) return
      answered = true
      if (c.state !== 'done') answer(c, request, r)
    }
    try {
      serve(body, reply)
    } catch {
      reply(INTERNAL_ERROR)
    }
  }

  function stop(c: Connection, rest: Buffer, state: 'handing-over' | 'closing'): void {
    c.state = state
    c.handOverRest = state === 'handing-over' ? Buffer.from(rest) : undefined
    c.carried = 0
    c.socket.pause()
    afterWrite(c)
  }

  /** Appends to the carried bytes, growing the store by doubling (a request sent byte by byte costs O(n)). */
  function carry(c: Connection, bytes: Buffer): Buffer {
    const length = c.carried + bytes.length
    if (c.store.length < length) {
      const grown = Buffer.allocUnsafe(Math.max(length, 2 * c.store.length, 1024))
      c.store.copy(grown, 0, 0, c.carried)
      c.store = grown
    }
    bytes.copy(c.store, c.carried)
    c.carried = length
    return c.store.subarray(0, length)
  }

  function parse(c: Connection, chunk: Buffer): void {
    const fromCarry = c.carried > 0
    const buf = fromCarry ? carry(c, chunk) : chunk
    let at = 0
    let scanned = 0
    while (at < buf.length) {
      if (c.replies.length >= HTTP_PIPELINED_MAX) {
        c.state = 'paused'
        c.socket.pause()
        break
      }
      const end = headEnd(buf, at, fromCarry && at === 0 ? c.scanned : at, buf.length)
      if (end < 0) {
        if (buf.length - at > HTTP_HEAD_MAX_BYTES) return stop(c, buf.subarray(at), 'handing-over') // node:http answers 431
        scanned = buf.length - at
        break
      }
      // A head over the bound that arrived whole is node:http's too (431), as one that is still arriving.
      if (end - at > HTTP_HEAD_MAX_BYTES) return stop(c, buf.subarray(at), 'handing-over')
      const head = parseRequestHead(buf, at, end)
      const route = options.route(head, c.memo)
      if (route === undefined) return stop(c, buf.subarray(at), 'handing-over')
      const length = head.contentLength
      if (typeof route !== 'function' && length > options.bodyMaxBytes) {
        answer(c, reserve(c), route, true)
        return stop(c, buf, 'closing')
      }
      if (length > options.bodyMaxBytes) {
        answer(c, reserve(c), TOO_LARGE, true)
        return stop(c, buf, 'closing')
      }
      if (end + length > buf.length) break
      // A body in a carried buffer is copied: the decoded packet keeps a view of it.
      const body = fromCarry ? Uint8Array.prototype.slice.call(buf, end, end + length) : buf.subarray(end, end + length)
      at = end + length
      if (typeof route === 'function') dispatch(c, route, body)
      else answer(c, reserve(c), route)
    }
    const now = options.now()
    c.activeAt = now
    if (at < buf.length) {
      if (!fromCarry) carry(c, buf.subarray(at))
      else if (at > 0) {
        buf.copyWithin(0, at)
        c.carried = buf.length - at
      }
      c.scanned = scanned
      if (c.partialSince === 0 || at > 0) c.partialSince = now
    } else {
      c.carried = 0
      c.scanned = 0
      c.partialSince = 0
    }
  }

  function serve(socket: Socket): void {
    const c: Connection = {
      socket,
      store: EMPTY,
      carried: 0,
      scanned: 0,
      replies: [],
      base: 0,
      closeAfter: -1,
      out: new WriteBatch(),
      flushScheduled: false,
      state: 'reading',
      partialSince: 0,
      activeAt: options.now(),
      handOverRest: undefined,
      peerEnded: false,
      memo: { authorization: '', target: '', version: -1, validUntil: Infinity, serve: undefined },
      onData: (chunk: Buffer) => {
        if (c.state === 'reading') parse(c, chunk)
        else if (c.state === 'paused') carry(c, chunk)
        else if (c.state === 'handing-over') c.handOverRest = Buffer.concat([c.handOverRest!, chunk])
      },
    }
    connections.add(c)
    socket.setNoDelay(true)
    socket.on('data', c.onData)
    socket.on('error', () => {}) // a reset peer: 'close' follows
    socket.once('close', () => {
      c.state = 'done'
      connections.delete(c)
    })
    // The listener allows half-open connections: a peer that sends its requests and then closes its side still
    // gets every reply (without it Node ends our side at once, and replies to Prepares already handled are lost).
    socket.once('end', () => {
      if (c.state === 'done') return
      c.peerEnded = true
      afterWrite(c)
    })
  }

  function sweep(): void {
    const now = options.now()
    for (const c of connections) {
      const busy = c.replies.length > 0 || c.out.messages > 0
      if (c.partialSince !== 0 && c.state === 'reading' && now - c.partialSince >= options.requestReceiveTimeoutMs) {
        if (busy) {
          // The requests read before the slow one are answered first, then the connection closes: a reply the
          // handler made (a Fulfill) must reach the peer, or the node counts a payment the peer does not.
          c.partialSince = 0
          stop(c, EMPTY, 'closing')
          continue
        }
        c.state = 'done'
        connections.delete(c)
        c.socket.write(TIMEOUT_RESPONSE, 'latin1')
        lingeringClose(c.socket)
      } else if (!busy && c.partialSince === 0 && now - c.activeAt >= options.keepAliveMs) {
        c.state = 'done'
        connections.delete(c)
        c.socket.end()
      }
    }
  }

  return { serve, sweep, setDate }
}

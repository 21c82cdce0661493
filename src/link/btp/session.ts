/**
 * One authenticated BTP 2.0 connection (RFC 23), the same on either side once auth is done: ILP Prepares go out
 * as `ilp` Messages and come back as Responses; the peer's Messages are handed to the handler and answered.
 *
 * - Request ids: a counter from a random start, skipping ids still in flight, so two never collide (RFC 23);
 *   requests.ts keeps them in a table indexed by the id.
 *   A reply to no request in flight (late, unknown, duplicate) is dropped without an answer (RFC 23).
 * - BTP Errors only for what cannot be processed: a Transfer (settlement goes through engines), an `ilp` entry
 *   that is not a Prepare, duplicate protocol names, a handler that threw.
 * - Rule breakers (unreadable frames, more requests in flight than allowed, no pong) are disconnected and
 *   logged; our packets in flight on that socket fail with LINK_DOWN (the connector rejects them upstream).
 * - Reads: whole binary frames are read off the socket by ws-reader.ts, everything else by ws.
 * - Writes are batched: frames queued during one turn of the event loop go out in one socket write (framed by
 *   ws-frames.ts), or as soon as `flushFrames` are queued (the next hop starts on them while we work on the
 *   rest of a burst).
 * - One timer per connection (every BTP_TICK_MS) expires requests past their deadline and sends pings.
 */
import type { Socket } from 'node:net'
import type { WebSocket, RawData } from 'ws'
import { decodePrepare, decodeReply, forwardablePrepareBytes, packetBytes, writeForwardedPrepare } from '../../ilp/packet.js'
import type { IlpPrepare, IlpReply } from '../../ilp/types.js'
import { LinkError, type IncomingPrepareCallback, type IncomingPrepareHandler, type SendDone } from '../types.js'
import type { LinkLogger } from '../log.js'
import {
  BtpPacketType,
  decodeBtpPacket,
  duplicateProtocolName,
  ilpOnlyDataAt,
  requestIdAt,
  btpIlpLength,
  writeBtpIlp,
  encodeBtpPacket,
  primaryIlpData,
  type BtpError,
  type BtpMessage,
  type BtpResponse,
} from './packet.js'
import {
  BTP_CLOSE_GRACE_MS,
  BTP_DRAIN_MAX_MS,
  BTP_FLUSH_FRAMES,
  BTP_INCOMING_IN_FLIGHT_MAX,
  BTP_OUTGOING_IN_FLIGHT_MAX,
  BTP_PING_INTERVAL_MS,
  BTP_REQUEST_TIMEOUT_MS,
  BTP_SEND_BUFFER_MAX_BYTES,
  BTP_TICK_MS,
} from './limits.js'
import { RequestTable } from './requests.js'
import { FrameBatch } from './ws-frames.js'
import { readBinaryFramesFast } from './ws-reader.js'

export interface BtpLimits {
  /** Frames queued before they are written without waiting for the end of the event-loop turn. */
  flushFrames: number
  outgoingInFlightMax: number
  incomingInFlightMax: number
  sendBufferMaxBytes: number
  pingIntervalMs: number
  requestTimeoutMs: number
  tickMs: number
}

export const BTP_DEFAULT_LIMITS: BtpLimits = {
  flushFrames: BTP_FLUSH_FRAMES,
  outgoingInFlightMax: BTP_OUTGOING_IN_FLIGHT_MAX,
  incomingInFlightMax: BTP_INCOMING_IN_FLIGHT_MAX,
  sendBufferMaxBytes: BTP_SEND_BUFFER_MAX_BYTES,
  pingIntervalMs: BTP_PING_INTERVAL_MS,
  requestTimeoutMs: BTP_REQUEST_TIMEOUT_MS,
  tickMs: BTP_TICK_MS,
}

export interface BtpSessionOptions {
  accountId: string
  /** Read at each incoming Prepare, so `link.handle` may be called before or after the socket opens. */
  handler: () => IncomingPrepareHandler | undefined
  /** The handler's callback form, used instead when there is one (read at each incoming Prepare too). */
  callback?: () => IncomingPrepareCallback | undefined
  log: LinkLogger
  now: () => number
  limits: BtpLimits
  /** Frames are masked (RFC 6455 §5.1): true on the client's side of the WebSocket, false on the server's. */
  masked: boolean
  /** Called once when the socket is gone, whoever closed it. */
  onClose: (session: BtpSession) => void
}

export interface BtpSession {
  readonly open: boolean
  readonly inFlight: number
  send(prepare: IlpPrepare, signal?: AbortSignal): Promise<IlpReply>
  /** `send` without a promise (Link.sendThen): `done` is called once, with the reply or the LinkError. */
  sendThen(prepare: IlpPrepare, done: SendDone, signal?: AbortSignal): void
  /** Fails our requests in flight with `err` and closes the socket. */
  close(err: LinkError, wsCode?: number, reason?: string): void
}

interface Pending {
  readonly requestId: number
  readonly done: SendDone
  readonly deadline: number
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

const utf8 = new TextEncoder()
const NO_ENTRIES = [] as const

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const WS_NORMAL = 1000
export const WS_PROTOCOL_ERROR = 1002
export const WS_POLICY_VIOLATION = 1008

export function createBtpSession(ws: WebSocket, options: BtpSessionOptions): BtpSession {
  const { log, now, limits, accountId } = options
  const pending = new RequestTable<Pending>(limits.outgoingInFlightMax, Math.random() * 0x1_0000_0000)
  /** 'draining': the peer broke a rule; its frames are ignored, the answers it is owed still go out (see violation). */
  let state: 'open' | 'draining' | 'closed' = 'open'
  /** The latest expiry of the peer's Prepares (ms): how long draining may wait for their answers. */
  let latestIncomingExpiry = 0
  let endDrain: (() => void) | undefined
  let drainTimer: NodeJS.Timeout | undefined
  let incomingInFlight = 0
  const batch = new FrameBatch(options.masked)
  let flushScheduled = false
  let lastPingAt = now()
  let lastTickAt = lastPingAt
  let alive = true
  // `open` is a data property, set false by close: it is read for every packet, and a literal's own getter is
  // called through a generic property load (see account-link.ts).
  const session: BtpSession & { open: boolean } = {
    open: true,
    get inFlight() {
      return pending.size
    },
    send,
    sendThen,
    close,
  }

  // ------------------------------------------------------------------------------------ writing, batched

  /** Writes the queued frames now; the scheduled end-of-turn flush, if any, stays scheduled. */
  function write(): void {
    if (batch.frames === 0) return // all written already, when the batch filled up before the end of the turn
    const parts = batch.take()
    const socket = (ws as unknown as { _socket?: Socket })._socket
    if (ws.readyState !== ws.OPEN || socket === undefined) return
    for (const part of parts) socket.write(part)
  }

  function flush(): void {
    flushScheduled = false
    write()
  }

  /** A frame was queued: it goes out at the end of this turn of the event loop, or at once when the batch is full. */
  function scheduleWrite(): void {
    if (batch.frames >= limits.flushFrames) return write()
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  }

  function enqueue(frame: Uint8Array): void {
    batch.add(frame)
    scheduleWrite()
  }

  /**
   * The hot path: an `ilp` Message or Response encoded straight into the batch. `forwarded`: `ilp` is that
   * Prepare's RAW, and its amount and expiry go over the copy (writeForwardedPrepare).
   */
  function enqueueIlp(type: BtpPacketType.Message | BtpPacketType.Response, requestId: number, ilp: Uint8Array, forwarded?: IlpPrepare): void {
    const length = btpIlpLength(ilp.length)
    const at = batch.begin(length)
    try {
      writeBtpIlp(batch.out, at, type, requestId, ilp)
      if (forwarded !== undefined) writeForwardedPrepare(batch.out, at + length - ilp.length, forwarded)
    } catch (err) {
      batch.cancel()
      throw err
    }
    batch.end()
    scheduleWrite()
  }

  function sendError(requestId: number, code: string, name: string, message: string): void {
    const error: BtpError = {
      type: BtpPacketType.Error,
      requestId,
      code,
      name,
      triggeredAt: new Date(now()),
      data: utf8.encode(message),
      protocolData: NO_ENTRIES,
    }
    enqueue(encodeBtpPacket(error))
  }

  // ------------------------------------------------------------------------------------ outgoing requests

  function settle(requestId: number): Pending | undefined {
    const entry = pending.take(requestId)
    if (entry?.onAbort !== undefined) entry.signal!.removeEventListener('abort', entry.onAbort)
    return entry
  }

  /** Tells the sender; a `done` that throws is logged, never let into the socket's read loop. */
  function report(entry: Pending, reply: IlpReply | undefined, err?: LinkError): void {
    try {
      entry.done(reply, err)
    } catch (thrown) {
      log.error({ err: thrown, accountId }, 'a BTP send callback threw')
    }
  }

  function send(prepare: IlpPrepare, signal?: AbortSignal): Promise<IlpReply> {
    return new Promise<IlpReply>((resolve, reject) => {
      sendThen(prepare, (reply, err) => (reply !== undefined ? resolve(reply) : reject(err)), signal)
    })
  }

  function sendThen(prepare: IlpPrepare, done: SendDone, signal?: AbortSignal): void {
    if (state !== 'open') return done(undefined, new LinkError('LINK_DOWN', `BTP connection of ${accountId} is closed`))
    if (signal?.aborted) return done(undefined, new LinkError('LINK_CLOSED', 'send aborted'))
    if (pending.size >= limits.outgoingInFlightMax) {
      return done(undefined, new LinkError('LINK_OVERLOADED', `${limits.outgoingInFlightMax} packets already in flight`))
    }
    if (ws.bufferedAmount + batch.bytes > limits.sendBufferMaxBytes) {
      return done(undefined, new LinkError('LINK_OVERLOADED', 'the peer is not reading its socket'))
    }
    // Both throw here, before anything is queued, for a Prepare that cannot be encoded. A forwarded Prepare is
    // copied once, into the batch, with its new amount and expiry written over the copy.
    const raw = forwardablePrepareBytes(prepare)
    const ilp = raw ?? packetBytes(prepare)
    const requestId = pending.freeId()
    // The clock as of the last tick: the request timeout is a backstop (35 s) and ticks are 100 ms apart, so
    // reading the clock per packet would buy nothing.
    const deadline = Math.min(prepare.expiresAt.getTime(), lastTickAt + limits.requestTimeoutMs)
    const entry: Pending = { requestId, done, deadline, signal: undefined, onAbort: undefined }
    enqueueIlp(BtpPacketType.Message, requestId, ilp, raw === undefined ? undefined : prepare)
    pending.add(entry)
    if (signal !== undefined) {
      entry.signal = signal
      entry.onAbort = () => {
        const aborted = settle(requestId)
        if (aborted !== undefined) report(aborted, undefined, new LinkError('LINK_CLOSED', 'send aborted'))
      }
      signal.addEventListener('abort', entry.onAbort, { once: true })
    }
  }

  function onReply(packet: BtpResponse | BtpError): void {
    if (packet.type === BtpPacketType.Response) return onIlpResponse(packet.requestId, primaryIlpData(packet.protocolData))
    const entry = takeForReply(packet.requestId)
    if (entry !== undefined) report(entry, undefined, new LinkError('LINK_REMOTE', `peer answered BTP Error ${packet.code} ${packet.name}`))
  }

  /** The request a reply answers, taken out of the table; undefined (logged) for a reply to nothing in flight. */
  function takeForReply(requestId: number): Pending | undefined {
    const entry = settle(requestId)
    if (entry === undefined) log.debug({ accountId, requestId }, 'BTP reply to no request in flight: dropped')
    return entry
  }

  /** A Response whose first entry is `ilp` (undefined: it has none). */
  function onIlpResponse(requestId: number, ilp: Uint8Array | undefined): void {
    const entry = takeForReply(requestId)
    if (entry === undefined) return
    if (ilp === undefined) return report(entry, undefined, new LinkError('LINK_PROTOCOL', 'BTP Response without an ilp entry'))
    let reply: IlpReply
    try {
      reply = decodeReply(ilp)
    } catch (err) {
      return report(entry, undefined, new LinkError('LINK_PROTOCOL', `peer's reply is not a Fulfill or Reject: ${(err as Error).message}`, { cause: err }))
    }
    report(entry, reply)
  }

  // ------------------------------------------------------------------------------------ incoming requests

  /** Sends the handler's reply; one that cannot be encoded is logged and answered with a BTP Error (T00). */
  function answer(requestId: number, reply: IlpReply): void {
    let bytes: Uint8Array
    try {
      bytes = packetBytes(reply)
    } catch (err) {
      return fail(requestId, err)
    }
    incomingInFlight--
    if (state !== 'closed') enqueueIlp(BtpPacketType.Response, requestId, bytes)
    if (state === 'draining' && incomingInFlight === 0) endDrain?.()
  }

  function fail(requestId: number, err: unknown): void {
    incomingInFlight--
    log.error({ err, accountId }, 'handler failed on a Prepare from a BTP peer')
    if (state !== 'closed') sendError(requestId, 'T00', 'UnreachableError', 'internal error')
    if (state === 'draining' && incomingInFlight === 0) endDrain?.()
  }

  function onRequest(packet: BtpMessage): void {
    const { requestId, protocolData } = packet
    const duplicate = duplicateProtocolName(protocolData)
    if (duplicate !== undefined) return sendError(requestId, 'F01', 'InvalidFieldsError', `duplicate protocol name ${duplicate}`)
    const ilp = primaryIlpData(protocolData)
    // A Message for another sub-protocol (or a repeated auth): nothing to do, acknowledge it.
    if (ilp === undefined) return enqueue(encodeBtpPacket({ type: BtpPacketType.Response, requestId, protocolData: NO_ENTRIES }))
    onIlpMessage(requestId, ilp)
  }

  /** A Message carrying an ILP packet, for the handler. */
  function onIlpMessage(requestId: number, ilp: Uint8Array): void {
    if (incomingInFlight >= limits.incomingInFlightMax) {
      return violation(`more than ${limits.incomingInFlightMax} requests in flight`, WS_POLICY_VIOLATION, true)
    }
    const handler = options.handler()
    if (handler === undefined) return sendError(requestId, 'T00', 'UnreachableError', 'not ready for packets')
    let prepare: IlpPrepare
    try {
      prepare = decodePrepare(ilp)
    } catch (err) {
      return sendError(requestId, 'F01', 'InvalidFieldsError', `ilp entry is not an ILP Prepare: ${(err as Error).message}`)
    }
    incomingInFlight++
    const expiry = prepare.expiresAt.getTime()
    if (expiry > latestIncomingExpiry) latestIncomingExpiry = expiry
    const callback = options.callback?.()
    if (callback !== undefined) {
      try {
        callback(prepare, (reply) => answer(requestId, reply))
      } catch (err) {
        fail(requestId, err)
      }
      return
    }
    let result: Promise<IlpReply>
    try {
      result = handler(prepare)
    } catch (err) {
      return fail(requestId, err)
    }
    result.then(
      (reply) => answer(requestId, reply),
      (err: unknown) => fail(requestId, err),
    )
  }

  /**
   * A binary frame read by ws-reader.ts, `bytes[start..end)`. The hot case, a Message or Response carrying
   * only an ILP packet, is read in place (ilpOnlyDataAt) without building the BTP packet; anything else is
   * decoded in full.
   */
  function onFrame(bytes: Uint8Array, start: number, end: number): void {
    const dataAt = ilpOnlyDataAt(bytes, start, end)
    if (dataAt < 0 || state !== 'open') return onMessage(bytes.subarray(start, end), true)
    alive = true
    const requestId = requestIdAt(bytes, start)
    const ilp = bytes.subarray(dataAt, end)
    if (bytes[start] === BtpPacketType.Response) onIlpResponse(requestId, ilp)
    else onIlpMessage(requestId, ilp)
  }

  function onMessage(data: RawData | Uint8Array, isBinary: boolean): void {
    alive = true
    if (!isBinary || state !== 'open') return // BTP is binary; text frames carry nothing (interledger-rs skips them too)
    let packet
    try {
      packet = decodeBtpPacket(data as Uint8Array)
    } catch (err) {
      return violation(`unreadable BTP packet: ${(err as Error).message}`, WS_PROTOCOL_ERROR, true)
    }
    switch (packet.type) {
      case BtpPacketType.Response:
      case BtpPacketType.Error:
        return onReply(packet)
      case BtpPacketType.Message:
        return onRequest(packet)
      case BtpPacketType.Transfer:
        return sendError(packet.requestId, 'F00', 'NotAcceptedError', 'BTP Transfer is not accepted: settle through a settlement engine')
    }
  }

  // ------------------------------------------------------------------------------------ lifecycle

  /**
   * The peer broke a rule: it is disconnected. With `drain`, the Prepares it sent before are answered first: each
   * was handled (forwarded, perhaps paid downstream), and a Fulfill never sent back is money the node counts and
   * the peer does not. Meanwhile its frames are ignored and our own packets to it fail at once; the close comes
   * when the last answer is out, by the latest of those Prepares' expiries, BTP_DRAIN_MAX_MS at most.
   */
  function violation(reason: string, wsCode: number, drain = false): void {
    if (state !== 'open') return
    log.warn({ accountId, reason }, 'BTP peer broke the rules: disconnected')
    // The close reason is a fixed ASCII text: a WebSocket reason may not exceed 123 bytes, and `reason` can
    // quote the peer's bytes.
    const err = new LinkError('LINK_DOWN', `BTP peer ${accountId} disconnected: ${reason}`)
    if (!drain || incomingInFlight === 0) return close(err, wsCode, 'BTP rule broken')
    state = 'draining'
    session.open = false
    for (const entry of pending.entries()) report(settle(entry.requestId)!, undefined, err)
    endDrain = () => close(err, wsCode, 'BTP rule broken')
    drainTimer = setTimeout(endDrain, Math.min(Math.max(latestIncomingExpiry - now(), 0), BTP_DRAIN_MAX_MS))
  }

  function tick(): void {
    const t = now()
    lastTickAt = t
    for (const entry of pending.entries()) {
      if (entry.deadline <= t) report(settle(entry.requestId)!, undefined, new LinkError('LINK_TIMEOUT', 'no BTP reply before the deadline'))
    }
    if (t - lastPingAt < limits.pingIntervalMs || state !== 'open') return
    if (!alive) return violation('no pong to the last ping', WS_POLICY_VIOLATION)
    alive = false
    lastPingAt = t
    ws.ping()
  }

  const timer = setInterval(tick, limits.tickMs)

  function close(err: LinkError, wsCode = WS_NORMAL, reason = ''): void {
    if (state === 'closed') return
    flush()
    state = 'closed'
    session.open = false
    clearInterval(timer)
    clearTimeout(drainTimer)
    for (const entry of pending.entries()) report(settle(entry.requestId)!, undefined, err)
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      ws.close(wsCode, reason)
      const grace = setTimeout(() => ws.terminate(), BTP_CLOSE_GRACE_MS)
      ws.once('close', () => clearTimeout(grace))
    }
    options.onClose(session)
  }

  ws.on('message', onMessage) // frames ws reads (everything but the fast path of ws-reader.ts)
  readBinaryFramesFast(ws, onFrame)
  ws.on('pong', () => (alive = true))
  ws.on('close', () => close(new LinkError('LINK_DOWN', `BTP connection of ${accountId} was lost`)))
  ws.on('error', (err) => log.warn({ err, accountId }, 'BTP socket error'))

  return session
}

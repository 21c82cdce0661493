/**
 * The lean load generator of bench/connector.ts: a minimal BTP sender and receiver speaking to the `ws`
 * package directly (no plugin, no link object), and the same for ILP over HTTP on raw sockets (pipelined
 * HTTP/1.1), so that what is measured is the router between them. Writes are batched: frames queued in one turn of the
 * event loop go out in one corked write. Every Prepare carries unique data (ilp-connector deduplicates).
 */
import { createHash } from 'node:crypto'
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { encodeFulfill, encodePrepare } from '../src/ilp/packet.js'
import { BtpPacketType, authMessage, encodeBtpIlp, encodeBtpPacket } from '../src/link/btp/packet.js'
import { parseBtpUrl } from '../src/link/btp/client.js'
import { headEnd, parseRequestHead, parseResponseHead } from '../src/link/http/http1.js'

export const FULFILLMENT = new Uint8Array(32).fill(42)
export const CONDITION = new Uint8Array(createHash('sha256').update(FULFILLMENT).digest())
const FULFILL = encodeFulfill({ fulfillment: FULFILLMENT, data: new Uint8Array(0) })
/** Prepares live this long; the template is rebuilt every second so every packet has ~30 s left. */
const EXPIRY_MS = 30_000
const DATA_BYTES = 16
/** Latency samples kept per run (a bound on memory; enough for p99 of any run here). */
const SAMPLES_MAX = 1_000_000

export interface RunResult {
  packets: number
  fulfilled: number
  rejected: number
  rejectCodes: Record<string, number>
  elapsedMs: number
  packetsPerSecond: number
  p50Us: number
  p99Us: number
}

export interface RunOptions {
  inFlight: number
  warmupMs: number
  durationMs: number
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

/** Prepare bytes with a per-packet counter in the last 8 bytes of `data` (the last field of the packet). */
function prepareTemplate(destination: string): Uint8Array {
  return encodePrepare({
    amount: 100n,
    expiresAt: new Date(Date.now() + EXPIRY_MS),
    executionCondition: CONDITION,
    destination,
    data: new Uint8Array(DATA_BYTES),
  })
}

function stamp(frame: Uint8Array, counter: number): void {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  view.setFloat64(frame.byteLength - 8, counter)
}

/** Measures a run: `issue(done)` sends one packet and calls `done(ok, code)` when its reply arrives. */
function measure(options: RunOptions, issue: (done: (ok: boolean, code?: string) => void) => void): Promise<RunResult> {
  return new Promise((resolve) => {
    const latencies = new Float64Array(SAMPLES_MAX)
    const rejectCodes: Record<string, number> = {}
    let measuring = false
    let stopping = false
    let inFlight = 0
    let packets = 0
    let fulfilled = 0
    let rejected = 0
    let startedAt = 0
    let endedAt = 0
    const launch = (): void => {
      inFlight++
      const t0 = performance.now()
      issue((ok, code) => {
        inFlight--
        if (measuring) {
          if (packets < SAMPLES_MAX) latencies[packets] = (performance.now() - t0) * 1000
          packets++
          if (ok) fulfilled++
          else {
            rejected++
            rejectCodes[code ?? '?'] = (rejectCodes[code ?? '?'] ?? 0) + 1
          }
        }
        if (!stopping) launch()
        else if (inFlight === 0) finish()
      })
    }
    const finish = (): void => {
      const sorted = latencies.subarray(0, Math.min(packets, SAMPLES_MAX)).sort()
      const elapsedMs = endedAt - startedAt
      resolve({ packets, fulfilled, rejected, rejectCodes, elapsedMs, packetsPerSecond: (packets * 1000) / elapsedMs, p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99) })
    }
    setTimeout(() => {
      measuring = true
      startedAt = performance.now()
      setTimeout(() => {
        measuring = false
        endedAt = performance.now()
        stopping = true
      }, options.durationMs)
    }, options.warmupMs)
    for (let i = 0; i < options.inFlight; i++) launch()
  })
}

// ---------------------------------------------------------------------------------------------- BTP

/** A socket with per-tick batched writes. */
function batcher(ws: WebSocket): (frame: Uint8Array) => void {
  let queue: Uint8Array[] = []
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    const frames = queue
    queue = []
    const socket = (ws as unknown as { _socket?: Socket })._socket
    socket?.cork()
    for (const frame of frames) ws.send(frame)
    socket?.uncork()
  }
  return (frame) => {
    queue.push(frame)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

const zeroMask = (mask: Buffer): void => void mask.fill(0)

/** Dials a BTP server and authenticates; resolves with the open socket. */
export function dialBtp(url: string): Promise<WebSocket> {
  const { wsUrl, username, token } = parseBtpUrl(url)
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false, generateMask: zeroMask, maxPayload: 1 << 20 })
  return new Promise((resolve, reject) => {
    ws.once('error', reject)
    ws.once('open', () => ws.send(encodeBtpPacket(authMessage(1, token, username))))
    ws.once('message', (data: Buffer) => (data[0] === BtpPacketType.Response ? resolve(ws) : reject(new Error(`BTP auth refused by ${wsUrl}`))))
  })
}

/** Answers every `ilp` Message with the same Fulfill (ILP Prepare in, Fulfill out; nothing parsed). */
function answerPrepares(ws: WebSocket, first: 'auth' | 'prepare'): void {
  const write = batcher(ws)
  let expectAuth = first === 'auth'
  ws.on('message', (data: Buffer) => {
    if (data[0] !== BtpPacketType.Message) return
    const requestId = data.readUInt32BE(1)
    if (expectAuth) {
      expectAuth = false
      write(encodeBtpPacket({ type: BtpPacketType.Response, requestId, protocolData: [] }))
      return
    }
    write(encodeBtpIlp(BtpPacketType.Response, requestId, FULFILL))
  })
}

/** The receiver behind a router: dials in as its account and fulfils everything. */
export async function startBtpReceiverClient(url: string): Promise<{ close(): void }> {
  const ws = await dialBtp(url)
  answerPrepares(ws, 'prepare')
  return { close: () => ws.terminate() }
}

/** The receiver with no router in between (the bare link): a BTP server that fulfils everything. */
export async function startBtpReceiverServer(): Promise<{ url: string; close(): void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise((resolve) => wss.once('listening', resolve))
  wss.on('connection', (ws) => answerPrepares(ws, 'auth'))
  const { port } = wss.address() as AddressInfo
  return {
    url: `btp+ws://bare:bare@127.0.0.1:${port}`,
    close: () => {
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    },
  }
}

export interface BtpSender {
  run(options: RunOptions): Promise<RunResult>
  close(): void
}

export async function startBtpSender(url: string, destination: string): Promise<BtpSender> {
  const ws = await dialBtp(url)
  const write = batcher(ws)
  const waiting = new Map<number, (ok: boolean, code?: string) => void>()
  let nextId = 2
  let counter = 0
  let template = prepareTemplate(destination)
  let templateAt = Date.now()
  ws.on('message', (data: Buffer) => {
    if (data[0] !== BtpPacketType.Response && data[0] !== BtpPacketType.Error) return
    const done = waiting.get(data.readUInt32BE(1))
    if (done === undefined) return
    waiting.delete(data.readUInt32BE(1))
    // Response { ilp, Fulfill(13) | Reject(14) }: the ILP type byte follows the 7-byte entry header and its length.
    if (data[0] === BtpPacketType.Error) return done(false, 'BTP')
    const ilpAt = data.length - ilpLength(data)
    if (data[ilpAt] === 13) return done(true)
    const codeAt = ilpAt + 1 + (data[ilpAt + 1]! < 0x80 ? 1 : 1 + (data[ilpAt + 1]! & 0x7f))
    done(false, data.subarray(codeAt, codeAt + 3).toString('latin1'))
  })
  return {
    run: (options) =>
      measure(options, (done) => {
        if (Date.now() - templateAt > 1000) {
          template = prepareTemplate(destination)
          templateAt = Date.now()
        }
        const requestId = nextId
        nextId = (nextId + 1) >>> 0
        const frame = encodeBtpIlp(BtpPacketType.Message, requestId, template)
        stamp(frame, ++counter)
        waiting.set(requestId, done)
        write(frame)
      }),
    close: () => ws.terminate(),
  }
}

/** Length of the ILP packet at the end of an ilp-only BTP Response (its own envelope tells). */
function ilpLength(frame: Buffer): number {
  // entry data starts after: type(1) id(4) len(1-3) count(2) name(4) contentType(1) dataLen(1-3)
  let at = 5
  at += frame[at]! < 0x80 ? 1 : 1 + (frame[at]! & 0x7f)
  at += 2 + 4 + 1
  at += frame[at]! < 0x80 ? 1 : 1 + (frame[at]! & 0x7f)
  return frame.length - at
}

// ---------------------------------------------------------------------------------------------- HTTP
//
// Raw HTTP/1.1 on `net` sockets: requests pipelined on a few keep-alive connections (RFC 9112 §9.3.2), all
// written in one turn of the event loop going out in one write per socket; replies parsed in order. The
// receiver answers every request of one read in one write.

/** Connections the sender opens; packets go to the one with the fewest in flight. */
const HTTP_SENDER_CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 4)
/** Requests in flight per sender connection (1 = no pipelining, one request at a time per connection). */
const HTTP_SENDER_PIPELINING = Number(process.env.BENCH_HTTP_PIPELINING ?? 1000)

type HttpMessage = (status: number, head: Buffer, body: Buffer) => void

/** Splits a byte stream into Content-Length-framed messages (requests or responses); calls `onMessage` for each. */
function httpMessages(kind: 'request' | 'response', onMessage: HttpMessage, onError: (why: string) => void): (chunk: Buffer) => void {
  let carry: Buffer | undefined
  return (chunk) => {
    const buf = carry === undefined ? chunk : Buffer.concat([carry, chunk])
    carry = undefined
    let at = 0
    while (at < buf.length) {
      const end = headEnd(buf, at, at, buf.length)
      if (end < 0) break
      let length: number
      let status = 0
      if (kind === 'response') {
        const head = parseResponseHead(buf, at, end)
        if (!head.valid || head.chunked) return onError('response not framed by Content-Length')
        status = head.status
        length = Math.max(head.contentLength, 0)
      } else {
        length = Math.max(parseRequestHead(buf, at, end).contentLength, 0)
      }
      if (end + length > buf.length) break
      onMessage(status, buf.subarray(at, end), buf.subarray(end, end + length))
      at = end + length
    }
    if (at < buf.length) carry = buf.subarray(at)
  }
}

/** Per-socket write batching: everything queued in one turn goes out in one write. */
function httpBatcher(socket: Socket): (bytes: Buffer) => void {
  let queue: Buffer[] = []
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    const parts = queue
    queue = []
    if (!socket.destroyed) socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts))
  }
  return (bytes) => {
    queue.push(bytes)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

const FULFILL_RESPONSE = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${FULFILL.length}\r\n\r\n`, 'latin1'),
  FULFILL,
])

/** The receiver: answers every POST with the same Fulfill, in order, one write per read. */
export async function startHttpReceiver(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.setNoDelay(true)
    let replies = 0
    const read = httpMessages('request', () => void replies++, () => socket.destroy())
    socket.on('data', (chunk: Buffer) => {
      read(chunk)
      if (replies === 0) return
      socket.write(replies === 1 ? FULFILL_RESPONSE : Buffer.concat(Array<Buffer>(replies).fill(FULFILL_RESPONSE)))
      replies = 0
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp`,
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

export interface HttpSender {
  run(options: RunOptions): Promise<RunResult>
  close(): Promise<void>
}

type Done = (ok: boolean, code?: string) => void

interface SenderConnection {
  waiting: Done[]
  write(bytes: Buffer): void
  socket: Socket
}

/**
 * A sender connection that redials when the server closes it (node:http, ilp-connector's server, closes idle
 * keep-alive connections after 5 s, e.g. between two runs); the requests in flight on it fail 'NET'.
 */
function dialHttp(url: URL): Promise<SenderConnection> {
  const c = { waiting: [] } as unknown as SenderConnection
  const dial = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port || 80), noDelay: true })
      c.socket = socket
      c.write = httpBatcher(socket)
      const read = httpMessages(
        'response',
        (status, _head, body) => {
          const done = c.waiting.shift()
          if (done === undefined) return
          if (status !== 200) return done(false, `HTTP${status}`)
          if (body[0] === 13) return done(true)
          done(false, body.subarray(2, 5).toString('latin1'))
        },
        () => socket.destroy(),
      )
      socket.on('data', read)
      socket.once('connect', () => resolve())
      socket.once('error', reject)
      socket.once('close', () => {
        for (const done of c.waiting.splice(0)) done(false, 'NET')
        if (!closing.has(c)) void dial().catch(() => {})
      })
    })
  return dial().then(() => c)
}

/** Connections being closed on purpose (not redialled). */
const closing = new WeakSet<SenderConnection>()

export async function startHttpSender(url: string, token: string, destination: string, contentType = 'application/octet-stream'): Promise<HttpSender> {
  const target = new URL(url)
  const connections: SenderConnection[] = []
  for (let i = 0; i < HTTP_SENDER_CONNECTIONS; i++) connections.push(await dialHttp(target))
  /** Packets waiting for a connection with room (only when every connection has HTTP_SENDER_PIPELINING in flight). */
  const queued: (() => void)[] = []
  let counter = 0
  let template = prepareTemplate(destination)
  let templateAt = Date.now()
  const head = (length: number): Buffer =>
    Buffer.from(`POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: ${contentType}\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${length}\r\n\r\n`, 'latin1')
  let requestHead = head(template.length)
  const leastBusy = (): SenderConnection | undefined => {
    let best: SenderConnection | undefined
    for (const c of connections) if (c.waiting.length < HTTP_SENDER_PIPELINING && (best === undefined || c.waiting.length < best.waiting.length)) best = c
    return best
  }
  const issue = (done: Done): void => {
    const c = leastBusy()
    if (c === undefined) return void queued.push(() => issue(done))
    if (Date.now() - templateAt > 1000) {
      template = prepareTemplate(destination)
      templateAt = Date.now()
      requestHead = head(template.length)
    }
    const request = Buffer.allocUnsafe(requestHead.length + template.length)
    requestHead.copy(request, 0)
    request.set(template, requestHead.length)
    stamp(request, ++counter)
    c.waiting.push((ok, code) => {
      done(ok, code)
      queued.shift()?.()
    })
    c.write(request)
  }
  return {
    run: (options) => measure(options, issue),
    close: async () => {
      for (const c of connections) {
        closing.add(c)
        c.socket.destroy()
      }
    },
  }
}

/**
 * The BTP client (RFC 23): dials `btp+ws://user:token@host:port/path` (or `btp+wss://`), sends the auth
 * Message first, and once the server answers it the socket becomes a session of this Link. After a drop it
 * reconnects with exponential backoff and jitter, and authenticates again every time (RFC 23). While down,
 * send fails LINK_DOWN (the connector answers T01).
 */
import { WebSocket, type RawData } from 'ws'
import { randomInt } from 'node:crypto'
import { LinkError, type Link } from '../types.js'
import { silentLinkLogger, type LinkLogger } from '../log.js'
import { BtpPacketType, authMessage, decodeBtpPacket, encodeBtpPacket } from './packet.js'
import { BTP_AUTH_TIMEOUT_MS, BTP_FRAME_MAX_BYTES, BTP_RECONNECT_FIRST_MS, BTP_RECONNECT_MAX_MS } from './limits.js'
import { BTP_DEFAULT_LIMITS, createBtpSession, type BtpLimits } from './session.js'
import { createBtpAccountLink } from './account-link.js'

export interface BtpClientOptions {
  /** `btp+ws://user:token@host:port/path` or `btp+wss://…`; the user part is sent as auth_username. */
  url: string
  /** Our id for the peer's account (for logs). */
  accountId?: string
  log?: LinkLogger
  now?: () => number
  limits?: Partial<BtpLimits>
  reconnectFirstMs?: number
  reconnectMaxMs?: number
  authTimeoutMs?: number
  /** btp+wss: certificate authorities to trust instead of the system's (a peer with a private CA). */
  ca?: string | Buffer
}

export interface BtpClientLink extends Link {
  /** Resolves once the link is authenticated (now, or after the next successful connect). */
  whenConnected(signal?: AbortSignal): Promise<void>
}

export interface BtpUrl {
  wsUrl: string
  username: string
  token: string
}

/** Splits a `btp+ws(s)://user:token@host/path` URL into the WebSocket URL and the credentials. */
export function parseBtpUrl(url: string): BtpUrl {
  const parsed = new URL(url)
  const scheme = { 'btp+ws:': 'ws:', 'btp+wss:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[parsed.protocol]
  if (scheme === undefined) throw new Error(`BTP URL must start with btp+ws:// or btp+wss://, got ${parsed.protocol}`)
  const username = decodeURIComponent(parsed.username)
  const token = decodeURIComponent(parsed.password)
  const ws = new URL(`${scheme}//${parsed.host}${parsed.pathname}${parsed.search}`)
  return { wsUrl: ws.toString(), username, token }
}

type State =
  | { kind: 'connecting'; ws: WebSocket }
  | { kind: 'open'; ws: WebSocket }
  | { kind: 'waiting'; timer: NodeJS.Timeout }
  | { kind: 'closed' }

export function createBtpClientLink(options: BtpClientOptions): BtpClientLink {
  const log = options.log ?? silentLinkLogger
  const now = options.now ?? Date.now
  const limits: BtpLimits = { ...BTP_DEFAULT_LIMITS, ...options.limits }
  const { wsUrl, username, token } = parseBtpUrl(options.url)
  const accountId = options.accountId ?? username
  const firstMs = options.reconnectFirstMs ?? BTP_RECONNECT_FIRST_MS
  const maxMs = options.reconnectMaxMs ?? BTP_RECONNECT_MAX_MS
  const authTimeoutMs = options.authTimeoutMs ?? BTP_AUTH_TIMEOUT_MS
  const waiters = new Set<() => void>()
  let failures = 0
  let state: State

  const link = createBtpAccountLink(accountId, async () => {
    const previous = state
    state = { kind: 'closed' }
    if (previous.kind === 'waiting') clearTimeout(previous.timer)
    if (previous.kind === 'connecting' || previous.kind === 'open') previous.ws.terminate()
    for (const wake of waiters) wake()
  })

  function reconnectLater(why: string): void {
    if (state.kind === 'closed' || state.kind === 'waiting') return
    const delayMs = Math.min(firstMs * 2 ** Math.min(failures, 20), maxMs) * (0.5 + Math.random() / 2)
    failures++
    log.info({ accountId, why, delayMs: Math.round(delayMs) }, 'BTP link down; reconnecting')
    state = { kind: 'waiting', timer: setTimeout(dial, delayMs) }
  }

  function authenticated(ws: WebSocket): void {
    failures = 0
    state = { kind: 'open', ws }
    const session = createBtpSession(ws, {
      accountId,
      masked: true,
      handler: () => link.handler,
      callback: () => link.callback,
      log,
      now,
      limits,
      onClose: (s) => {
        link.detach(s)
        if (state.kind === 'open' && state.ws === ws) reconnectLater('connection lost')
      },
    })
    link.attach(session)
    log.info({ accountId }, 'BTP link authenticated')
    for (const wake of waiters) wake()
    waiters.clear()
  }

  function dial(): void {
    const ws = new WebSocket(wsUrl, { maxPayload: BTP_FRAME_MAX_BYTES, perMessageDeflate: false, handshakeTimeout: authTimeoutMs, ...(options.ca !== undefined && { ca: options.ca }) })
    state = { kind: 'connecting', ws }
    const requestId = randomInt(0, 0xffff_ffff)
    const timer = setTimeout(() => ws.terminate(), authTimeoutMs)
    const onFirst = (data: RawData, isBinary: boolean): void => {
      if (!isBinary) return
      ws.off('message', onFirst)
      clearTimeout(timer)
      let ok = false
      try {
        const reply = decodeBtpPacket(data as Buffer)
        ok = reply.requestId === requestId && reply.type === BtpPacketType.Response
        if (!ok) log.warn({ accountId, reply: reply.type === BtpPacketType.Error ? `${reply.code} ${reply.name}` : reply.type }, 'BTP authentication refused')
      } catch (err) {
        log.warn({ accountId, err }, 'unreadable answer to BTP auth')
      }
      if (ok && state.kind === 'connecting' && state.ws === ws) authenticated(ws)
      else ws.terminate()
    }
    ws.on('message', onFirst)
    ws.once('open', () => ws.send(encodeBtpPacket(authMessage(requestId, token, username))))
    ws.on('error', (err) => log.debug({ accountId, err }, 'BTP client socket error'))
    ws.once('close', () => {
      clearTimeout(timer)
      if (state.kind === 'connecting' && state.ws === ws) reconnectLater('could not connect or authenticate')
    })
  }

  state = { kind: 'waiting', timer: setTimeout(dial, 0) }

  return Object.assign(link, {
    whenConnected(signal?: AbortSignal): Promise<void> {
      if (link.connected) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          waiters.delete(wake)
          if (link.connected) resolve()
          else reject(new LinkError('LINK_CLOSED', 'link closed or aborted before it connected'))
        }
        waiters.add(wake)
        signal?.addEventListener('abort', wake, { once: true })
      })
    },
  })
}

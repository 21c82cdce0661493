/**
 * The BTP server (RFC 23): one WebSocket listener serves every account. A socket's first binary message must
 * be the auth Message (primary `auth`, secondary `auth_token`, optional `auth_username`); the credentials are
 * checked in constant time by `authenticate` (see ../tokens.ts). Anything else first, a wrong token, or
 * silence past BTP_AUTH_TIMEOUT_MS gets a BTP Error and a close. After auth the socket becomes a session of
 * the account's persistent Link (`server.link(id)`); both sides are then equal.
 */
import { WebSocketServer, type WebSocket, type RawData } from 'ws'
import type { AddressInfo } from 'node:net'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { Authenticate } from '../tokens.js'
import type { Link } from '../types.js'
import { silentLinkLogger, type LinkLogger } from '../log.js'
import {
  BTP_PROTOCOL_AUTH,
  BTP_PROTOCOL_AUTH_TOKEN,
  BTP_PROTOCOL_AUTH_USERNAME,
  BtpPacketType,
  decodeBtpPacket,
  encodeBtpPacket,
  findProtocolData,
  peekBtpHeader,
  type BtpPacket,
} from './packet.js'
import { BTP_AUTH_TIMEOUT_MS, BTP_FRAME_MAX_BYTES, BTP_PENDING_AUTH_MAX } from './limits.js'
import { BTP_DEFAULT_LIMITS, WS_POLICY_VIOLATION, createBtpSession, type BtpLimits } from './session.js'
import { createBtpAccountLink, type BtpAccountLink } from './account-link.js'

export interface BtpServerOptions {
  listen: { host?: string; port: number }
  authenticate: Authenticate
  /** Called each time an account's peer has authenticated (with the same Link object every time). */
  onLink?: (accountId: string, link: Link) => void
  log?: LinkLogger
  now?: () => number
  limits?: Partial<BtpLimits>
  authTimeoutMs?: number
  /** Serve btp+wss: the server's certificate chain and private key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer }
}

export interface BtpServer {
  /** `ws://host:port` (`wss://` with tls) as bound. */
  readonly url: string
  /** The persistent Link of an account (created on first use; connected while its peer is). */
  link(accountId: string): Link
  /** Authenticated sockets and sockets still authenticating. */
  readonly connections: number
  close(): Promise<void>
  /** New certificate chain and key for connections from now on (open ones keep theirs); throws without TLS. */
  setTls(tls: { cert: string | Buffer; key: string | Buffer }): void
}

const utf8 = new TextDecoder()

type AuthResult = { ok: true; requestId: number; accountId: string } | { ok: false; requestId: number | undefined; reason: string }

/** Decides what the first binary message of a socket means (pure: no I/O). */
export function checkAuthPacket(data: Uint8Array, authenticate: Authenticate): AuthResult {
  let packet: BtpPacket
  try {
    packet = decodeBtpPacket(data)
  } catch (err) {
    return { ok: false, requestId: peekBtpHeader(data)?.requestId, reason: `unreadable first packet: ${(err as Error).message}` }
  }
  const requestId = packet.requestId
  if (packet.type !== BtpPacketType.Message || packet.protocolData[0]?.protocolName !== BTP_PROTOCOL_AUTH) {
    return { ok: false, requestId, reason: 'the first packet must be the auth Message' }
  }
  const token = findProtocolData(packet.protocolData, BTP_PROTOCOL_AUTH_TOKEN)
  if (token === undefined) return { ok: false, requestId, reason: 'auth_token is missing' }
  const username = findProtocolData(packet.protocolData, BTP_PROTOCOL_AUTH_USERNAME)
  let accountId: string | undefined
  try {
    accountId = authenticate(username === undefined ? undefined : utf8.decode(username.data), utf8.decode(token.data))
  } catch (err) {
    return { ok: false, requestId, reason: `authentication failed: ${(err as Error).message}` }
  }
  if (accountId === undefined) return { ok: false, requestId, reason: 'invalid credentials' }
  return { ok: true, requestId, accountId }
}

export async function createBtpServer(options: BtpServerOptions): Promise<BtpServer> {
  const log = options.log ?? silentLinkLogger
  const now = options.now ?? Date.now
  const limits: BtpLimits = { ...BTP_DEFAULT_LIMITS, ...options.limits }
  const authTimeoutMs = options.authTimeoutMs ?? BTP_AUTH_TIMEOUT_MS
  const links = new Map<string, BtpAccountLink>()
  let authenticating = 0

  // Over TLS (btp+wss) the WebSocket server rides an https server of its own; the frames are read off the TLS
  // socket as off a plain one (ws-reader.ts).
  let https: HttpsServer | undefined
  if (options.tls !== undefined) {
    https = createHttpsServer({ cert: options.tls.cert, key: options.tls.key, handshakeTimeout: authTimeoutMs })
    https.on('tlsClientError', () => {}) // a failed handshake: the socket is gone, nothing to do
  }
  const wss =
    https === undefined
      ? new WebSocketServer({ host: options.listen.host ?? '127.0.0.1', port: options.listen.port, maxPayload: BTP_FRAME_MAX_BYTES, perMessageDeflate: false })
      : new WebSocketServer({ server: https, maxPayload: BTP_FRAME_MAX_BYTES, perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    const listening = https ?? wss
    listening.once('listening', resolve)
    listening.once('error', reject)
    https?.listen(options.listen.port, options.listen.host ?? '127.0.0.1')
  })
  wss.on('error', (err) => log.error({ err }, 'BTP server error'))

  function linkOf(accountId: string): BtpAccountLink {
    let link = links.get(accountId)
    if (link === undefined) {
      link = createBtpAccountLink(accountId, () => void links.delete(accountId))
      links.set(accountId, link)
    }
    return link
  }

  function refuse(ws: WebSocket, requestId: number | undefined, reason: string, remote: string | undefined): void {
    log.warn({ remote, reason }, 'BTP authentication refused')
    if (requestId !== undefined) {
      const error = { type: BtpPacketType.Error, requestId, code: 'F00', name: 'NotAcceptedError', triggeredAt: new Date(now()), data: new TextEncoder().encode(reason), protocolData: [] } as const
      ws.send(encodeBtpPacket(error))
    }
    ws.close(WS_POLICY_VIOLATION, 'authentication failed')
    const grace = setTimeout(() => ws.terminate(), 1_000)
    ws.once('close', () => clearTimeout(grace))
  }

  function accept(ws: WebSocket, requestId: number, accountId: string): void {
    ws.send(encodeBtpPacket({ type: BtpPacketType.Response, requestId, protocolData: [] }))
    const link = linkOf(accountId)
    const session = createBtpSession(ws, {
      accountId,
      masked: false,
      handler: () => link.handler,
      callback: () => link.callback,
      log,
      now,
      limits,
      onClose: (s) => link.detach(s),
    })
    link.attach(session)
    log.info({ accountId }, 'BTP peer connected')
    options.onLink?.(accountId, link)
  }

  wss.on('connection', (ws, req) => {
    const remote = req.socket.remoteAddress
    if (authenticating >= BTP_PENDING_AUTH_MAX) {
      log.warn({ remote }, 'too many BTP sockets authenticating: refused')
      ws.terminate()
      return
    }
    authenticating++
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      authenticating--
      clearTimeout(timer)
      ws.off('message', onFirst)
    }
    const timer = setTimeout(() => {
      finish()
      refuse(ws, 0, 'no auth message in time', remote)
    }, authTimeoutMs)
    const onFirst = (data: RawData, isBinary: boolean): void => {
      if (!isBinary) return // the JS client may send other frames first; only binary BTP counts
      finish()
      const result = checkAuthPacket(data as Buffer, options.authenticate)
      if (result.ok) accept(ws, result.requestId, result.accountId)
      else refuse(ws, result.requestId, result.reason, remote)
    }
    ws.on('message', onFirst)
    ws.once('close', finish)
    ws.on('error', (err) => log.debug({ err, remote }, 'BTP socket error'))
  })

  const address = (https ?? wss).address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `${https === undefined ? 'ws' : 'wss'}://${host}:${address.port}`,
    link: linkOf,
    get connections() {
      return wss.clients.size
    },
    setTls(tls) {
      if (https === undefined) throw new Error('this BTP server does not serve TLS')
      https.setSecureContext({ cert: tls.cert, key: tls.key })
    },
    async close() {
      await Promise.all([...links.values()].map((link) => link.close()))
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      if (https !== undefined) {
        https.closeAllConnections()
        await new Promise<void>((resolve) => https!.close(() => resolve()))
      }
    },
  }
}

/**
 * Helpers for node tests: a peer that fulfills over ILP over HTTP, a sender that posts Prepares to the node's
 * HTTP listener, and an admin client. Everything binds 127.0.0.1 port 0.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodePrepare, decodeReply, encodeIlpPacket, encodePrepare } from '../src/ilp/packet.js'
import { IlpPacketType, type IlpReply } from '../src/ilp/types.js'
import { parseConfig, type NodeConfig } from '../src/node/config.js'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'

export function testConfig(raw: Record<string, unknown> = {}): NodeConfig {
  return parseConfig({
    ilp_address: 'test.router',
    store: 'memory',
    log_level: 'silent',
    admin: { listen: '127.0.0.1:0', token: ADMIN_TOKEN },
    http: { listen: '127.0.0.1:0' },
    ...raw,
  })
}

/** A peer reached over ILP over HTTP that fulfills every Prepare whose condition is sha256 of FULFILLMENT. */
export const FULFILLMENT = new Uint8Array(32).fill(7)
export const CONDITION = new Uint8Array(createHash('sha256').update(FULFILLMENT).digest())

export interface FulfillingPeer {
  readonly url: string
  /** Amounts of the Prepares that reached the peer. */
  readonly received: bigint[]
  close(): Promise<void>
}

export async function startFulfillingPeer(): Promise<FulfillingPeer> {
  const received: bigint[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const prepare = decodePrepare(Buffer.concat(chunks))
      received.push(prepare.amount)
      const body = encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment: FULFILLMENT, data: new Uint8Array(0) })
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/ilp`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Posts a Prepare to the node's ILP-over-HTTP listener as `accountId`. */
export async function sendPrepare(httpUrl: string, accountId: string, token: string, destination: string, amount: bigint, condition = CONDITION): Promise<IlpReply> {
  const body = encodePrepare({ amount, destination, executionCondition: condition, expiresAt: new Date(Date.now() + 10_000), data: randomBytes(8) })
  const response = await fetch(`${httpUrl}/accounts/${accountId}/ilp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body,
  })
  if (response.status !== 200) throw new Error(`node answered HTTP ${response.status}: ${await response.text()}`)
  return decodeReply(new Uint8Array(await response.arrayBuffer()))
}

export interface AdminResponse {
  status: number
  contentType: string
  body: any
}

/** `token: null` sends no Authorization header. */
export function admin(baseUrl: string, token: string | null = ADMIN_TOKEN) {
  return async (method: string, path: string, body?: unknown): Promise<AdminResponse> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    const contentType = response.headers.get('content-type') ?? ''
    return { status: response.status, contentType, body: contentType.includes('json') && text ? JSON.parse(text) : text }
  }
}

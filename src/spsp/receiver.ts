/**
 * `createReceiver(...)`: a STREAM receiver with its SPSP endpoint, usable without a node. Give it an address
 * (and take `receiver.link` to plug into a connector: `connector.setLink(accountId, receiver.link)`), or give
 * it a `link` to a parent (BTP, ILP over HTTP, loopback): it then learns its address and asset by ILDCP
 * (RFC 31) and answers the Prepares that arrive on that link.
 */
import { randomBytes } from 'node:crypto'
import { ildcpRequest, ildcpResponseFromFulfill } from '../ilp/ildcp.js'
import { isReject, type IlpPrepare, type IlpReply } from '../ilp/types.js'
import { LinkError, type IncomingPrepareHandler, type Link } from '../link/types.js'
import { createStreamReceiver, type MoneyReceived, type StreamReceiver } from '../stream/index.js'
import { listenSpsp, type SpspHttpServer } from './http.js'

/** How long the ILDCP request to the parent may take (the request itself expires after 60 s, RFC 31). */
export const RECEIVER_ILDCP_TIMEOUT_MS = 10_000

/** A Link whose `send` is answered in-process by `answer` (what the connector calls to deliver to the account). */
export function linkTo(answer: (prepare: IlpPrepare) => Promise<IlpReply>): Link {
  let closed = false
  return {
    get connected() {
      return !closed
    },
    // Not async: the receiver's promise goes back as is (an async wrapper adds microtask hops per packet).
    send(prepare) {
      if (closed) return Promise.reject(new LinkError('LINK_CLOSED', 'the local receiver is closed'))
      try {
        return answer(prepare)
      } catch (err) {
        return Promise.reject(err) // a link rejects; it never throws at the caller
      }
    },
    // A receiver only answers; it never sends Prepares of its own into the node, so the handler goes unused.
    handle(_handler: IncomingPrepareHandler) {},
    async close() {
      closed = true
    },
  }
}

export interface CreateReceiverOptions {
  /** The receiver's ILP address. Without it, `link` is required and the address comes by ILDCP. */
  readonly address?: string
  readonly assetCode?: string
  readonly assetScale?: number
  /** A link to the receiver's parent: Prepares arriving on it go to the receiver. */
  readonly link?: Link
  /** 32 bytes; every connection's secret derives from it. Default: random (credentials die with the process). */
  readonly serverSecret?: Uint8Array
  /** Serve SPSP at `/` and `/.well-known/pay` (default `{ host: '127.0.0.1', port: 0 }`); false: none. */
  readonly spsp?: { readonly host?: string; readonly port?: number } | false
  readonly onMoney?: (event: MoneyReceived) => void
  readonly now?: () => number
  readonly signal?: AbortSignal
}

export interface Receiver {
  readonly address: string
  readonly assetCode: string
  readonly assetScale: number
  readonly stream: StreamReceiver
  /** Give this to a connector as the link of the receiver's account. */
  readonly link: Link
  /** `http://127.0.0.1:PORT/.well-known/pay` when SPSP is served. */
  readonly spspUrl: string | undefined
  generateCredentials: StreamReceiver['generateCredentials']
  readonly totalReceived: bigint
  close(): Promise<void>
}

export async function createReceiver(options: CreateReceiverOptions): Promise<Receiver> {
  const now = options.now ?? Date.now
  const asset = await addressAndAsset(options, now)
  const stream = createStreamReceiver({
    address: asset.address,
    serverSecret: options.serverSecret ?? randomBytes(32),
    assetCode: asset.assetCode,
    assetScale: asset.assetScale,
    now,
    ...(options.onMoney && { onMoney: options.onMoney }),
  })
  const handler = (prepare: IlpPrepare) => stream.handlePrepare(prepare)
  options.link?.handle(handler)
  let spsp: SpspHttpServer | undefined
  if (options.spsp !== false) {
    spsp = await listenSpsp({
      ...(options.spsp ?? {}),
      defaultAccount: 'receiver',
      generateCredentials: (_id, { receipt }) => stream.generateCredentials(receipt ? { receipt } : {}),
    })
  }
  const link = linkTo(handler)
  return {
    address: asset.address,
    assetCode: asset.assetCode,
    assetScale: asset.assetScale,
    stream,
    link,
    spspUrl: spsp && `${spsp.url}/.well-known/pay`,
    generateCredentials: (o) => stream.generateCredentials(o),
    get totalReceived() {
      return stream.totalReceived
    },
    async close() {
      stream.close()
      await link.close()
      await spsp?.close()
    },
  }
}

async function addressAndAsset(options: CreateReceiverOptions, now: () => number): Promise<{ address: string; assetCode: string; assetScale: number }> {
  if (options.address !== undefined) {
    if (options.assetCode === undefined || options.assetScale === undefined) throw new TypeError('createReceiver: an address needs assetCode and assetScale')
    return { address: options.address, assetCode: options.assetCode, assetScale: options.assetScale }
  }
  if (options.link === undefined) throw new TypeError('createReceiver: give an address or a link to learn it from (ILDCP)')
  const timeout = AbortSignal.timeout(RECEIVER_ILDCP_TIMEOUT_MS)
  const reply = await options.link.send(ildcpRequest({ now }), options.signal ? AbortSignal.any([options.signal, timeout]) : timeout)
  if (isReject(reply)) throw new Error(`the parent rejected peer.config: ${reply.code} ${reply.message}`)
  const config = ildcpResponseFromFulfill(reply)
  return { address: config.clientAddress, assetCode: options.assetCode ?? config.assetCode, assetScale: options.assetScale ?? config.assetScale }
}

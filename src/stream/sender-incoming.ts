/**
 * The sender's own connection receiving (STREAM is two-way, RFC 29 §"Connection Migration" / §"Closing"):
 * once we tell the receiver our address (ConnectionNewAddress), it may send us packets. They are handled with
 * the receiver's machinery (receive.ts) on one connection keyed by our shared secret; the peer's streams are
 * even. Money is refused unless the caller takes it (`onIncomingMoney`).
 */
import { IlpErrorCode, reject } from '../ilp/errors.js'
import { IlpPacketType, type IlpPrepare, type IlpReply } from '../ilp/types.js'
import { CodecError } from '../oer/errors.js'
import { MAX_UINT64 } from '../oer/reader.js'
import { decryptStreamPacket, type StreamKeys } from './crypto.js'
import { newConnection, type ConnectionDefaults } from './connection.js'
import { receivePacket, type DataReceived, type MoneyReceived } from './receive.js'
import type { StreamPacket } from './packet.js'
import { DEFAULT_CONNECTION_MAX_DATA, DEFAULT_MAX_STREAM_ID, DEFAULT_STREAM_MAX_DATA } from './limits.js'

export interface IncomingOptions {
  readonly sourceAddress: string
  readonly sourceAssetCode?: string
  readonly sourceAssetScale?: number
  readonly onIncomingMoney?: (event: MoneyReceived) => void
  readonly onIncomingData?: (event: DataReceived) => void
}

export type StreamIncomingHandler = (prepare: IlpPrepare) => Promise<IlpReply>

export function createIncomingHandler(keys: StreamKeys, options: IncomingOptions, now: () => number): StreamIncomingHandler {
  const defaults: ConnectionDefaults = {
    peerStreamParity: 0n,
    maxStreamId: DEFAULT_MAX_STREAM_ID,
    connectionMaxData: DEFAULT_CONNECTION_MAX_DATA,
    streamReceiveMax: options.onIncomingMoney ? MAX_UINT64 : 0n,
    streamMaxData: DEFAULT_STREAM_MAX_DATA,
  }
  const conn = newConnection('outgoing', keys, undefined, defaults, now())
  const deps = {
    address: options.sourceAddress,
    ours: { assetCode: options.sourceAssetCode ?? '', assetScale: options.sourceAssetScale ?? 0 },
    defaults,
    now,
    ...(options.onIncomingMoney && { onMoney: options.onIncomingMoney }),
    ...(options.onIncomingData && { onData: options.onIncomingData }),
  }
  return async (prepare) => {
    let packet: StreamPacket
    try {
      packet = decryptStreamPacket(keys.encryptionKey, prepare.data)
    } catch (e) {
      if (e instanceof CodecError) return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, options.sourceAddress, 'cannot decrypt or decode STREAM data')
      throw e
    }
    if (packet.packetType !== IlpPacketType.Prepare) return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, options.sourceAddress, 'STREAM packet type does not match')
    return receivePacket(deps, conn, packet, prepare)
  }
}

import { CodecError } from '../oer/errors.js'
import { IlpPacketType, type IlpReject } from './types.js'

/** ILP error codes (RFC 27 §"ILP Error Codes"), named as in the RFC. */
export const IlpErrorCode = {
  F00_BAD_REQUEST: 'F00',
  F01_INVALID_PACKET: 'F01',
  F02_UNREACHABLE: 'F02',
  F03_INVALID_AMOUNT: 'F03',
  F04_INSUFFICIENT_DESTINATION_AMOUNT: 'F04',
  F05_WRONG_CONDITION: 'F05',
  F06_UNEXPECTED_PAYMENT: 'F06',
  F07_CANNOT_RECEIVE: 'F07',
  F08_AMOUNT_TOO_LARGE: 'F08',
  F99_APPLICATION_ERROR: 'F99',
  T00_INTERNAL_ERROR: 'T00',
  T01_PEER_UNREACHABLE: 'T01',
  T02_PEER_BUSY: 'T02',
  T03_CONNECTOR_BUSY: 'T03',
  T04_INSUFFICIENT_LIQUIDITY: 'T04',
  T05_RATE_LIMITED: 'T05',
  T99_APPLICATION_ERROR: 'T99',
  R00_TRANSFER_TIMED_OUT: 'R00',
  R01_INSUFFICIENT_SOURCE_AMOUNT: 'R01',
  R02_INSUFFICIENT_TIMEOUT: 'R02',
  R99_APPLICATION_ERROR: 'R99',
} as const
export type IlpErrorCode = (typeof IlpErrorCode)[keyof typeof IlpErrorCode]

/** Human names of the standard codes (the RFC's "Name" column). */
export const IlpErrorName: Readonly<Record<string, string>> = {
  F00: 'Bad Request',
  F01: 'Invalid Packet',
  F02: 'Unreachable',
  F03: 'Invalid Amount',
  F04: 'Insufficient Destination Amount',
  F05: 'Wrong Condition',
  F06: 'Unexpected Payment',
  F07: 'Cannot Receive',
  F08: 'Amount Too Large',
  F99: 'Application Error',
  T00: 'Internal Error',
  T01: 'Peer Unreachable',
  T02: 'Peer Busy',
  T03: 'Connector Busy',
  T04: 'Insufficient Liquidity',
  T05: 'Rate Limited',
  T99: 'Application Error',
  R00: 'Transfer Timed Out',
  R01: 'Insufficient Source Amount',
  R02: 'Insufficient Timeout',
  R99: 'Application Error',
}

/** Any `[FTR][0-9][0-9]` code is well-formed (the RFC reserves the unnamed ones; implementations use e.g. F09). */
export function isValidErrorCode(code: string): boolean {
  return /^[FTR][0-9]{2}$/.test(code)
}

/** Error class of a code: final, temporary or relative. */
export function errorClass(code: string): 'final' | 'temporary' | 'relative' {
  switch (code[0]) {
    case 'T':
      return 'temporary'
    case 'R':
      return 'relative'
    default:
      return 'final'
  }
}

const EMPTY = new Uint8Array(0)

/** Builds a Reject value (rejections are values on the money path, never exceptions). */
export function reject(code: string, triggeredBy: string, message = '', data: Uint8Array = EMPTY): IlpReject {
  return { type: IlpPacketType.Reject, code, triggeredBy, message, data }
}

/** F08 Amount Too Large data (InterledgerErrorData.asn): receivedAmount UInt64 ‖ maximumAmount UInt64. */
export interface AmountTooLargeData {
  receivedAmount: bigint
  maximumAmount: bigint
}

const UINT64_MAX = 0xffff_ffff_ffff_ffffn

export function encodeAmountTooLargeData({ receivedAmount, maximumAmount }: AmountTooLargeData): Uint8Array {
  for (const v of [receivedAmount, maximumAmount]) {
    if (typeof v !== 'bigint' || v < 0n || v > UINT64_MAX) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `F08 amount ${String(v)} is not a UInt64`)
  }
  const bytes = new Uint8Array(16)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, receivedAmount)
  view.setBigUint64(8, maximumAmount)
  return bytes
}

/** Decodes F08 data; extra trailing bytes are ignored (RFC 30 extensibility). */
export function decodeAmountTooLargeData(data: Uint8Array): AmountTooLargeData {
  if (data.length < 16) throw new CodecError('OER_TRUNCATED', `F08 data must be 16 bytes, got ${data.length}`)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  return { receivedAmount: view.getBigUint64(0), maximumAmount: view.getBigUint64(8) }
}

/** An F08 Reject with its data, as every connector sends it. */
export function amountTooLarge(triggeredBy: string, receivedAmount: bigint, maximumAmount: bigint, message = ''): IlpReject {
  return reject(
    IlpErrorCode.F08_AMOUNT_TOO_LARGE,
    triggeredBy,
    message || `packet amount ${receivedAmount} exceeds the maximum of ${maximumAmount}`,
    encodeAmountTooLargeData({ receivedAmount, maximumAmount }),
  )
}

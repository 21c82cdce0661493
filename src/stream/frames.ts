/**
 * STREAM frames (RFC 29 §"Frames"). Field names follow the RFC test vectors
 * (0029-stream/test-vectors/StreamPacketFixtures.json). Frames are plain readonly values with a `type` tag.
 */

export enum FrameType {
  ConnectionClose = 0x01,
  ConnectionNewAddress = 0x02,
  ConnectionMaxData = 0x03,
  ConnectionDataBlocked = 0x04,
  ConnectionMaxStreamId = 0x05,
  ConnectionStreamIdBlocked = 0x06,
  ConnectionAssetDetails = 0x07,
  StreamClose = 0x10,
  StreamMoney = 0x11,
  StreamMaxMoney = 0x12,
  StreamMoneyBlocked = 0x13,
  StreamData = 0x14,
  StreamMaxData = 0x15,
  StreamDataBlocked = 0x16,
  /** RFC 39 (deprecated): still in the ASN.1, the fixtures and the JS implementation. */
  StreamReceipt = 0x17,
}

/** Close and error codes carried by ConnectionClose and StreamClose (RFC 29 §"Error Codes"). */
export enum StreamErrorCode {
  NoError = 0x01,
  InternalError = 0x02,
  EndpointBusy = 0x03,
  FlowControlError = 0x04,
  StreamIdError = 0x05,
  StreamStateError = 0x06,
  FrameFormatError = 0x07,
  ProtocolViolation = 0x08,
  ApplicationError = 0x09,
}

export interface ConnectionCloseFrame {
  readonly type: FrameType.ConnectionClose
  /** A UInt8; usually a `StreamErrorCode`, but any value is carried as is. */
  readonly errorCode: number
  readonly errorMessage: string
}

export interface ConnectionNewAddressFrame {
  readonly type: FrameType.ConnectionNewAddress
  readonly sourceAccount: string
}

export interface ConnectionMaxDataFrame {
  readonly type: FrameType.ConnectionMaxData
  readonly maxOffset: bigint
}

export interface ConnectionDataBlockedFrame {
  readonly type: FrameType.ConnectionDataBlocked
  readonly maxOffset: bigint
}

export interface ConnectionMaxStreamIdFrame {
  readonly type: FrameType.ConnectionMaxStreamId
  readonly maxStreamId: bigint
}

export interface ConnectionStreamIdBlockedFrame {
  readonly type: FrameType.ConnectionStreamIdBlocked
  readonly maxStreamId: bigint
}

export interface ConnectionAssetDetailsFrame {
  readonly type: FrameType.ConnectionAssetDetails
  readonly sourceAssetCode: string
  readonly sourceAssetScale: number
}

export interface StreamCloseFrame {
  readonly type: FrameType.StreamClose
  readonly streamId: bigint
  readonly errorCode: number
  readonly errorMessage: string
}

export interface StreamMoneyFrame {
  readonly type: FrameType.StreamMoney
  readonly streamId: bigint
  readonly shares: bigint
}

export interface StreamMaxMoneyFrame {
  readonly type: FrameType.StreamMaxMoney
  readonly streamId: bigint
  /** Saturates at 2^64-1 on decode (RFC 29). */
  readonly receiveMax: bigint
  readonly totalReceived: bigint
}

export interface StreamMoneyBlockedFrame {
  readonly type: FrameType.StreamMoneyBlocked
  readonly streamId: bigint
  /** Saturates at 2^64-1 on decode (RFC 29). */
  readonly sendMax: bigint
  readonly totalSent: bigint
}

export interface StreamDataFrame {
  readonly type: FrameType.StreamData
  readonly streamId: bigint
  readonly offset: bigint
  readonly data: Uint8Array
}

export interface StreamMaxDataFrame {
  readonly type: FrameType.StreamMaxData
  readonly streamId: bigint
  readonly maxOffset: bigint
}

export interface StreamDataBlockedFrame {
  readonly type: FrameType.StreamDataBlocked
  readonly streamId: bigint
  readonly maxOffset: bigint
}

export interface StreamReceiptFrame {
  readonly type: FrameType.StreamReceipt
  readonly streamId: bigint
  readonly receipt: Uint8Array
}

export type Frame =
  | ConnectionCloseFrame
  | ConnectionNewAddressFrame
  | ConnectionMaxDataFrame
  | ConnectionDataBlockedFrame
  | ConnectionMaxStreamIdFrame
  | ConnectionStreamIdBlockedFrame
  | ConnectionAssetDetailsFrame
  | StreamCloseFrame
  | StreamMoneyFrame
  | StreamMaxMoneyFrame
  | StreamMoneyBlockedFrame
  | StreamDataFrame
  | StreamMaxDataFrame
  | StreamDataBlockedFrame
  | StreamReceiptFrame

/** Frames that name a stream (they carry `streamId`). */
export type StreamFrame = Extract<Frame, { streamId: bigint }>

export function isStreamFrame(frame: Frame): frame is StreamFrame {
  return frame.type >= FrameType.StreamClose
}

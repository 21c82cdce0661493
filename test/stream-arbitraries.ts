/** fast-check generators for STREAM packets, shared by the differential and property tests. */
import fc from 'fast-check'
import { IlpPacketType } from '../src/ilp/types.js'
import { FrameType, type Frame } from '../src/stream/frames.js'
import type { StreamPacket } from '../src/stream/packet.js'

const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn })
const u8 = fc.integer({ min: 0, max: 255 })
const text = fc.string({ unit: 'grapheme', maxLength: 40 })
const bytes = fc.uint8Array({ maxLength: 200 })

export const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant(FrameType.ConnectionClose as const), errorCode: u8, errorMessage: text }),
  fc.record({ type: fc.constant(FrameType.ConnectionNewAddress as const), sourceAccount: text }),
  fc.record({ type: fc.constant(FrameType.ConnectionMaxData as const), maxOffset: u64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionDataBlocked as const), maxOffset: u64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionMaxStreamId as const), maxStreamId: u64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionStreamIdBlocked as const), maxStreamId: u64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionAssetDetails as const), sourceAssetCode: text, sourceAssetScale: u8 }),
  fc.record({ type: fc.constant(FrameType.StreamClose as const), streamId: u64, errorCode: u8, errorMessage: text }),
  fc.record({ type: fc.constant(FrameType.StreamMoney as const), streamId: u64, shares: u64 }),
  fc.record({ type: fc.constant(FrameType.StreamMaxMoney as const), streamId: u64, receiveMax: u64, totalReceived: u64 }),
  fc.record({ type: fc.constant(FrameType.StreamMoneyBlocked as const), streamId: u64, sendMax: u64, totalSent: u64 }),
  fc.record({ type: fc.constant(FrameType.StreamData as const), streamId: u64, offset: u64, data: bytes }),
  fc.record({ type: fc.constant(FrameType.StreamMaxData as const), streamId: u64, maxOffset: u64 }),
  fc.record({ type: fc.constant(FrameType.StreamDataBlocked as const), streamId: u64, maxOffset: u64 }),
  fc.record({ type: fc.constant(FrameType.StreamReceipt as const), streamId: u64, receipt: bytes }),
)

export const packetArb: fc.Arbitrary<StreamPacket> = fc.record({
  sequence: u64,
  packetType: fc.constantFrom(IlpPacketType.Prepare, IlpPacketType.Fulfill, IlpPacketType.Reject),
  amount: u64,
  frames: fc.array(frameArb, { maxLength: 8 }),
})

/** Byte views compared by content (decoded data are views; generated ones plain arrays). */
export function normalise(p: StreamPacket): unknown {
  return {
    ...p,
    frames: p.frames.map((f) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]))),
  }
}

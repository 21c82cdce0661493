/** STREAM (RFC 29): codec, crypto, receipts, receiver and sender. */
export * from './frames.js'
export * from './packet.js'
export {
  AUTH_TAG_LENGTH,
  ENCRYPTION_OVERHEAD,
  IV_LENGTH,
  SHARED_SECRET_LENGTH,
  conditionFor,
  decryptStreamData,
  decryptStreamPacket,
  deriveSharedSecretKeygen,
  deriveStreamKeys,
  encryptStreamData,
  encryptStreamPacket,
  fulfillmentFor,
  randomCondition,
  sharedSecretFromToken,
  type StreamKeys,
} from './crypto.js'
export * from './receipt.js'
export * from './limits.js'
export { createTokenCodec, tokenOf, TOKEN_NONCE_LENGTH, type ReceiptSetup, type StreamCredentials, type TokenCodec, type ParsedToken } from './credentials.js'
export {
  createStreamReceiver,
  type StreamReceiver,
  type StreamReceiverOptions,
  type MoneyReceived,
  type DataReceived,
  type ConnectionSummary,
} from './receiver.js'
export { pay, type PayOptions, type PayProgress, type PayResult } from './sender.js'
export { PAY_STREAMS_MAX, type PayStream, type PayStreamResult } from './streams-send.js'
export { PayErrorCode, PAYMENT_STREAM_ID, type PayError, type PayTarget } from './payment.js'
export type { SendPrepare } from './send-packet.js'
export type { StreamIncomingHandler } from './sender-incoming.js'
export { createEventFeed, FeedOverflowError, type EventFeed } from './event-feed.js'

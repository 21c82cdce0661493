/** SPSP (RFC 9) and payment pointers (RFC 26): the application layer. */
export { SpspError, isSpspError, type SpspErrorCode } from './errors.js'
export {
  WELL_KNOWN_PAY_PATH,
  POINTER_MAX_LENGTH,
  parsePaymentPointer,
  isValidPaymentPointer,
  paymentPointerToUrl,
  resolveSpspEndpoint,
  checkEndpointUrl,
  isLoopbackHost,
  urlToPaymentPointer,
  type PaymentPointer,
  type ResolveOptions,
} from './pointer.js'
export { decodeSharedSecret } from './secret.js'
export {
  SPSP_ACCEPT,
  SPSP_QUERY_TIMEOUT_MS,
  SPSP_MAX_REDIRECTS,
  querySpsp,
  parseSpspBody,
  parseMaxAge,
  type SpspQueryOptions,
  type SpspResponse,
} from './client.js'
export {
  SPSP_CONTENT_TYPE,
  SPSP_CORS_HEADERS,
  createSpspResponder,
  acceptsSpsp,
  type SpspCredentials,
  type ReceiptRequest,
  type GenerateCredentials,
  type SpspServerOptions,
  type SpspHttpRequest,
  type SpspHttpResponse,
  type SpspResponder,
} from './server.js'
export { spspFastifyPlugin, spspRequestListener, listenSpsp, type SpspHttpServer } from './http.js'
export { formatRatio, progressToJson, resultToJson, type PaymentProgress, type PaymentResult, type PaymentTarget, type PaymentError, type PaymentProgressJson, type PaymentResultJson } from './payment-json.js'
export { paymentsAdminPlugin, parsePaymentBody, receiverToJson, PaymentRequestError, type PaymentsBackend, type PaymentRequest, type ReceiverView, type ReceiverJson } from './payments-api.js'
export { payToPointer, toPaymentResult, type PayToPointerOptions, type PayToPointerResult } from './pay.js'
export { createReceiver, linkTo, type CreateReceiverOptions, type Receiver } from './receiver.js'
export { createLocalPayments, isLocalAccount, sendWithStream, type LocalPayments, type LocalPaymentsOptions, type LocalConnector, type LocalPaymentRequest, type LocalTransport, type SendPayment } from './local.js'
export { spspNodePlugin, type SpspPluginOptions, type SpspPluginContext, type SpspNodePlugin } from './node-plugin.js'

/**
 * The payments part of the node's admin API, as a fastify plugin the node registers on its admin app (behind
 * the same bearer token):
 *
 *   POST /accounts/:id/payments  {"destination", "amount", "fixed_delivery"?, "allow_http"?}
 *        Accept: application/x-ndjson → progress lines, then one result line (the connection closing early
 *        aborts the payment); otherwise → the result as one JSON document. 200 either way once the payment
 *        ran (its `status` says whether it completed); 400/404 when it could not start.
 *   GET  /receivers               every local account's receiver
 *   GET  /receivers/:id           one: payment pointer, SPSP URL, money received so far
 *
 * Errors carry `statusCode`, which the admin app's error handler turns into application/problem+json.
 */
import { PassThrough } from 'node:stream'
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import { progressToJson, resultToJson, type PaymentProgress, type PaymentResult } from './payment-json.js'

/** Progress lines are sent at most this often. */
export const PROGRESS_INTERVAL_MS = 100
/** A bound on the destination text (pointers are bounded far below this). */
const DESTINATION_MAX_LENGTH = 4096

export interface ReceiverView {
  readonly accountId: string
  readonly assetCode: string
  readonly assetScale: number
  /** Undefined when the node serves no SPSP (no HTTP listener). */
  readonly spspUrl?: string
  readonly paymentPointer?: string
  readonly amountReceived: bigint
  readonly connections: number
  readonly isDefault: boolean
}

export interface ReceiverJson {
  readonly account: string
  readonly asset_code: string
  readonly asset_scale: number
  readonly spsp_url?: string
  readonly payment_pointer?: string
  readonly amount_received: string
  readonly connections: number
  readonly default: boolean
}

export interface PaymentRequest {
  readonly from: string
  readonly destination: string
  readonly amount: bigint
  readonly fixedDelivery: boolean
  readonly allowHttp: boolean
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: PaymentProgress) => void
}

/** What the routes need from the node's local payments (createLocalPayments in local.ts provides it). */
export interface PaymentsBackend {
  receivers(): readonly ReceiverView[]
  receiver(accountId: string): ReceiverView | undefined
  /** Throws PaymentRequestError when the payment cannot start (unknown or non-local account, no funds). */
  check(request: Pick<PaymentRequest, 'from' | 'amount' | 'fixedDelivery'>): void
  /** Runs the payment; calls check first. */
  pay(request: PaymentRequest): Promise<PaymentResult>
}

export class PaymentRequestError extends Error {
  override readonly name = 'PaymentRequestError'
  constructor(
    readonly statusCode: 400 | 404 | 409 | 422,
    message: string,
  ) {
    super(message)
  }
}

export function receiverToJson(r: ReceiverView): ReceiverJson {
  return {
    account: r.accountId,
    asset_code: r.assetCode,
    asset_scale: r.assetScale,
    ...(r.spspUrl !== undefined && { spsp_url: r.spspUrl }),
    ...(r.paymentPointer !== undefined && { payment_pointer: r.paymentPointer }),
    amount_received: r.amountReceived.toString(),
    connections: r.connections,
    default: r.isDefault,
  }
}

/** Validates the POST body; throws PaymentRequestError(400) naming the field. */
export function parsePaymentBody(body: unknown): { destination: string; amount: bigint; fixedDelivery: boolean; allowHttp: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new PaymentRequestError(400, 'expected a JSON object')
  const { destination, amount, fixed_delivery: fixedDelivery = false, allow_http: allowHttp = false, ...rest } = body as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) throw new PaymentRequestError(400, `${unknown[0]}: unknown field`)
  if (typeof destination !== 'string' || destination === '' || destination.length > DESTINATION_MAX_LENGTH) {
    throw new PaymentRequestError(400, 'destination: expected a payment pointer or SPSP URL')
  }
  const amountText = typeof amount === 'number' && Number.isSafeInteger(amount) ? String(amount) : amount
  if (typeof amountText !== 'string' || !/^\d{1,20}$/.test(amountText) || BigInt(amountText) === 0n || BigInt(amountText) > 0xffff_ffff_ffff_ffffn) {
    throw new PaymentRequestError(400, 'amount: expected a positive integer string of at most 2^64-1')
  }
  if (typeof fixedDelivery !== 'boolean') throw new PaymentRequestError(400, 'fixed_delivery: expected a boolean')
  if (typeof allowHttp !== 'boolean') throw new PaymentRequestError(400, 'allow_http: expected a boolean')
  return { destination, amount: BigInt(amountText), fixedDelivery, allowHttp }
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>

export const paymentsAdminPlugin: FastifyPluginAsync<{ backend: PaymentsBackend }> = async (app: FastifyInstance, { backend }) => {
  app.get('/receivers', async () => backend.receivers().map(receiverToJson))
  app.get('/receivers/:id', async (request: IdRequest) => {
    const receiver = backend.receiver(request.params.id)
    if (receiver === undefined) throw new PaymentRequestError(404, `no local account "${request.params.id}"`)
    return receiverToJson(receiver)
  })
  app.post('/accounts/:id/payments', async (request: IdRequest, reply) => {
    const fields = parsePaymentBody(request.body)
    const aborted = new AbortController()
    const paymentRequest = { ...fields, from: request.params.id, signal: aborted.signal }
    // Checked before answering 200: a payment that cannot start is a 4xx, not a stream with a failure in it.
    backend.check(paymentRequest)
    const wantsStream = (request.headers.accept ?? '').includes('application/x-ndjson')
    if (!wantsStream) return resultToJson(await backend.pay(paymentRequest))
    const out = new PassThrough()
    reply.raw.once('close', () => reply.raw.writableFinished || aborted.abort())
    let lastProgressAt = 0
    const onProgress = (p: PaymentProgress) => {
      const now = performance.now()
      if (now - lastProgressAt < PROGRESS_INTERVAL_MS) return
      lastProgressAt = now
      out.write(`${JSON.stringify(progressToJson(p))}\n`)
    }
    backend.pay({ ...paymentRequest, onProgress }).then(
      (result) => out.end(`${JSON.stringify(resultToJson(result))}\n`),
      (err: unknown) => out.end(`${JSON.stringify({ event: 'error', message: (err as Error).message })}\n`),
    )
    return reply.type('application/x-ndjson').send(out)
  })
}

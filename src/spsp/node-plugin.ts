/**
 * SPSP and local payments as a node plugin (src/node/node.ts `NodePlugin`, restated here structurally because
 * spsp sits below node in the layer table):
 *
 * - `transport`: local accounts (children with no btp/http settings) get a STREAM receiver as their link;
 * - `registerAdmin`: POST /accounts/:id/payments, GET /receivers[/:id] (payments-api.ts);
 * - `httpRequest`: SPSP (`GET /<account>`, `GET /.well-known/pay`) on the node's public HTTP listener.
 *
 * `createNode(config, { plugins: [spspNodePlugin()] })`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { createLocalPayments, type LocalConnector, type LocalPayments, type LocalTransport, type SendPayment } from './local.js'
import { paymentsAdminPlugin } from './payments-api.js'
import { spspRequestListener } from './http.js'

export interface SpspPluginOptions {
  /** The account answered at `/.well-known/pay`. */
  readonly defaultAccount?: string
  /** The public base URL SPSP is reached at (e.g. `https://pay.example.com` behind a TLS proxy). Default: the HTTP listener. */
  readonly publicUrl?: string
  /** 32 bytes; keep it stable to keep handed-out credentials valid across restarts. Default: random. */
  readonly serverSecret?: Uint8Array
  readonly sendPayment?: SendPayment
}

/** The parts of NodePluginContext this plugin reads. */
export interface SpspPluginContext {
  readonly connector: LocalConnector
  readonly now: () => number
  listenerUrl(transport: string): string | undefined
}

export interface SpspNodePlugin {
  readonly name: 'spsp'
  readonly transport: LocalTransport
  readonly payments: LocalPayments
  registerAdmin(app: FastifyInstance): Promise<void>
  /** Answers SPSP requests on the HTTP listener; false leaves the request to the listener. */
  httpRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean>
  stop(): void
}

export function spspNodePlugin(options: SpspPluginOptions = {}): (ctx: SpspPluginContext) => SpspNodePlugin {
  return (ctx) => {
    const payments = createLocalPayments({
      connector: ctx.connector,
      now: ctx.now,
      spspBaseUrl: () => options.publicUrl ?? ctx.listenerUrl('http'),
      ...(options.defaultAccount !== undefined && { defaultAccount: options.defaultAccount }),
      ...(options.serverSecret !== undefined && { serverSecret: options.serverSecret }),
      ...(options.sendPayment !== undefined && { sendPayment: options.sendPayment }),
    })
    return {
      name: 'spsp',
      transport: payments.transport,
      payments,
      async registerAdmin(app) {
        await app.register(paymentsAdminPlugin, { backend: payments.backend })
      },
      httpRequest: spspRequestListener(payments.responder),
      stop: () => payments.close(),
    }
  }
}

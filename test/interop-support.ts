/**
 * Helpers to run the npm reference connector (ilp-connector 23.0.2) in-process next to our node, with
 * ilp-plugin-btp plugins as its accounts and as plain senders/receivers.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BtpPluginModule from 'ilp-plugin-btp'
import * as IlpPacket from 'ilp-packet'

export const BtpPlugin = BtpPluginModule.default
export type BtpPluginInstance = InstanceType<typeof BtpPlugin>

const requireFromConnector = createRequire(createRequire(import.meta.url).resolve('ilp-connector'))
const { createApp } = requireFromConnector('./index.js') as { createApp(opts: object, deps?: unknown): JsConnectorApp }
const reduct = requireFromConnector('reduct') as { default?: () => Deps } & (() => Deps)
const MiddlewareManager = (requireFromConnector('./services/middleware-manager.js') as { default: unknown }).default
const Accounts = (requireFromConnector('./services/accounts.js') as { default: unknown }).default
const RoutingTable = (requireFromConnector('./services/routing-table.js') as { default: unknown }).default

type Deps = (service: unknown) => any
interface JsConnectorApp {
  listen(): Promise<void>
  shutdown(): Promise<void>
}

/**
 * ilp-connector's rate backend takes a module path: a fixed table of rates, keyed `FROM:TO`, scaled by the
 * accounts' asset scales like the built-in one-to-one backend. Rates are powers of two so the float maths the
 * JS connector does is exact and the test can predict every amount to the unit.
 */
const FIXED_RATE_BACKEND = `
module.exports = class FixedRateBackend {
  constructor (opts, api) { this.rates = opts.rates; this.getInfo = api.getInfo }
  async connect () {}
  async getRate (from, to) {
    const a = this.getInfo(from), b = this.getInfo(to)
    const rate = this.rates[a.assetCode + ':' + b.assetCode]
    if (rate === undefined) throw new Error('no rate ' + a.assetCode + ':' + b.assetCode)
    return rate * Math.pow(10, b.assetScale - a.assetScale)
  }
  submitPayment () { return Promise.resolve() }
}
`

export interface JsConnector {
  /** ilp-connector's own balances (its view: positive = the peer owes the connector). */
  balance(accountId: string): bigint
  address(): string
  /** ilp-connector's routing table (configured, local and learned routes): prefix → next hop and CCP path. */
  routes(): Record<string, { nextHop: string; path: string[] }>
  close(): Promise<void>
}

export interface JsConnectorOptions {
  ilpAddress?: string
  accounts: Record<string, object>
  rates: Record<string, number>
  routes?: { targetPrefix: string; peerId: string }[]
  /** More ilp-connector options (e.g. `routeBroadcastInterval`), passed as they are. */
  extra?: Record<string, unknown>
}

/** Starts ilp-connector; `listen()` resolves once every account plugin has connected. */
export async function startJsConnector(options: JsConnectorOptions, beforeConnected: () => Promise<void> = async () => {}): Promise<JsConnector> {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-connector-'))
  const backend = join(dir, 'fixed-rate-backend.cjs')
  writeFileSync(backend, FIXED_RATE_BACKEND)
  const deps = (reduct.default ?? reduct)()
  const app = createApp(
    {
      env: 'test',
      ilpAddress: options.ilpAddress ?? 'unknown',
      backend,
      backendConfig: { rates: options.rates },
      spread: 0,
      accounts: options.accounts,
      routes: options.routes ?? [],
      initialConnectTimeout: 10_000,
      ...options.extra,
    },
    deps,
  )
  const listening = app.listen()
  await beforeConnected()
  await listening
  const balances = deps(MiddlewareManager).getMiddleware('balance')
  return {
    balance: (id) => BigInt(balances.getStatus().accounts[id].balance),
    address: () => deps(Accounts).getOwnAddress(),
    routes() {
      const table = deps(RoutingTable) as { keys(): string[]; get(prefix: string): { nextHop: string; path: string[] } }
      return Object.fromEntries(table.keys().map((prefix) => [prefix, { nextHop: table.get(prefix).nextHop, path: [...table.get(prefix).path] }]))
    },
    async close() {
      await app.shutdown()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The port an ilp-plugin-btp listener bound (it binds inside `connect()`, before a client arrives). */
export async function listenerPort(plugin: unknown): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const wss = (plugin as { _wss?: { address(): AddressInfo | null } })._wss
    const address = wss?.address()
    if (address) return address.port
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error('ilp-plugin-btp listener did not bind')
}

export function btpListener(secret: string): BtpPluginInstance {
  return new BtpPlugin({ listener: { port: 0, secret, wsOpts: { host: '127.0.0.1', port: 0 } } })
}

export const FULFILLMENT = randomBytes(32)
export const CONDITION = createHash('sha256').update(FULFILLMENT).digest()

let sequence = 0

export function jsPrepare(destination: string, amount: bigint, condition = CONDITION): Buffer {
  return IlpPacket.serializeIlpPrepare({
    amount: amount.toString(),
    expiresAt: new Date(Date.now() + 20_000),
    executionCondition: condition,
    destination,
    // unique data: ilp-connector drops Prepares identical to one it has seen (its deduplicate middleware)
    data: Buffer.from(`interop ${++sequence} ${randomBytes(4).toString('hex')}`),
  })
}

/** A JS receiver: fulfils every Prepare, records its amount; Prepares whose data starts "reject" get F99. */
export function fulfiller(received: bigint[], triggeredBy: string) {
  return async (data: Buffer): Promise<Buffer> => {
    const prepare = IlpPacket.deserializeIlpPrepare(data)
    if (prepare.data.toString().startsWith('reject')) {
      return IlpPacket.serializeIlpReject({ code: 'F99', triggeredBy, message: 'the receiver says no', data: Buffer.from('app data') })
    }
    received.push(BigInt(prepare.amount))
    return IlpPacket.serializeIlpFulfill({ fulfillment: FULFILLMENT, data: Buffer.alloc(0) })
  }
}

export function rejectPrepare(destination: string, amount: bigint): Buffer {
  return IlpPacket.serializeIlpPrepare({
    amount: amount.toString(),
    expiresAt: new Date(Date.now() + 20_000),
    executionCondition: CONDITION,
    destination,
    data: Buffer.from(`reject ${++sequence}`),
  })
}

export { IlpPacket }

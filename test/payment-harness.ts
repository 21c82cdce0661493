/**
 * Helpers for the payment interop tests and bench/stream.ts: the JavaScript reference stack (ilp-connector,
 * ilp-plugin-btp, ilp-protocol-stream 2.7.1) started in-process on 127.0.0.1, and an in-memory plugin that
 * bridges the ilp-plugin interface to our connector. Read /work/shared/interop-notes.md for the pitfalls
 * handled here.
 */
import { createRequire } from 'node:module'

/** The ilp-plugin interface, as ilp-protocol-stream declares it (util/plugin-interface.d.ts). */
export interface Plugin {
  connect(): Promise<void>
  disconnect(): Promise<void>
  isConnected(): boolean
  sendData(data: Buffer): Promise<Buffer>
  registerDataHandler(handler: (data: Buffer) => Promise<Buffer>): void
  deregisterDataHandler(): void
}

const require = createRequire(import.meta.url)

/**
 * ilp-protocol-stream 2.7.1 crashes on Node ≥ 18 in createStream() ("Cannot set property closed of #<Readable>",
 * interledgerjs issue 284). Give DataAndMoneyStream a writable `closed`, as the upstream fix does. Idempotent.
 */
export function patchIlpProtocolStream(): void {
  const { DataAndMoneyStream } = require('ilp-protocol-stream/dist/src/stream') as { DataAndMoneyStream: { prototype: object } }
  const key = Symbol.for('ilp-node.test.closed')
  if (Object.getOwnPropertyDescriptor(DataAndMoneyStream.prototype, 'closed')?.set !== undefined) return
  Object.defineProperty(DataAndMoneyStream.prototype, 'closed', {
    configurable: true,
    get(this: Record<symbol, boolean>) {
      return this[key] ?? false
    },
    set(this: Record<symbol, boolean>, value: boolean) {
      this[key] = value
    },
  })
}

/** An ilp-plugin (the interface ilp-protocol-stream and @interledger/pay take) whose sendData calls `send`. */
export function memoryPlugin(send: (packet: Uint8Array) => Promise<Uint8Array>): Plugin & { deliver(packet: Uint8Array): Promise<Uint8Array> } {
  let connected = false
  let handler: ((data: Buffer) => Promise<Buffer>) | undefined
  return {
    async connect() {
      connected = true
    },
    async disconnect() {
      connected = false
    },
    isConnected: () => connected,
    async sendData(data: Buffer) {
      const reply = await send(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength)
    },
    registerDataHandler(h) {
      handler = h
    },
    deregisterDataHandler() {
      handler = undefined
    },
    /** A packet from the other side into the plugin's registered handler (F02 when none). */
    async deliver(packet: Uint8Array) {
      if (handler === undefined) throw new Error('no data handler registered')
      return new Uint8Array(await handler(Buffer.from(packet)))
    },
  }
}

/** Plugins of older stacks also expect these; harmless no-ops. */
export function withMoneyStubs<P extends object>(plugin: P): P {
  return Object.assign(plugin, {
    sendMoney: async () => undefined,
    registerMoneyHandler: () => undefined,
    deregisterMoneyHandler: () => undefined,
  })
}

export interface ReferenceAccount {
  readonly port: number
  readonly secret: string
  readonly relation?: 'child' | 'peer' | 'parent'
  readonly assetCode?: string
  readonly assetScale?: number
  readonly maxPacketAmount?: string
}

export interface ReferenceConnector {
  btpUrl(accountId: string): string
  /** Resolves once every account's plugin is connected (ilp-connector's listen() waits for the BTP clients). */
  readonly listening: Promise<void>
  close(): Promise<void>
}

/**
 * ilp-connector 23 in this process, each account an ilp-plugin-btp server on 127.0.0.1 (interop-notes: bind
 * explicitly; spread 0 to compare amounts to the unit; rate limit lifted so 100k packets are not T05'd).
 * Its BTP servers listen at once; `listening` resolves when the clients have connected.
 */
export async function startReferenceConnector(address: string, accounts: Readonly<Record<string, ReferenceAccount>>): Promise<ReferenceConnector> {
  const { createApp } = require('ilp-connector') as { createApp: (opts: object) => { listen(): Promise<void>; shutdown(): Promise<void> } }
  const config: Record<string, object> = {}
  for (const [id, a] of Object.entries(accounts)) {
    config[id] = {
      relation: a.relation ?? 'child',
      assetCode: a.assetCode ?? 'USD',
      assetScale: a.assetScale ?? 9,
      plugin: 'ilp-plugin-btp',
      // wsOpts belongs inside `listener` (ilp-plugin-btp passes it to ws.Server): bind loopback only.
      options: { listener: { port: a.port, secret: a.secret, wsOpts: { host: '127.0.0.1', port: a.port } } },
      rateLimit: { refillCount: 1e12, capacity: 1e12 },
      ...(a.maxPacketAmount !== undefined && { maxPacketAmount: a.maxPacketAmount }),
    }
  }
  const app = createApp({ ilpAddress: address, backend: 'one-to-one', spread: 0, store: 'ilp-store-memory', accounts: config })
  const listening = app.listen()
  return {
    btpUrl: (id) => `btp+ws://:${accounts[id]!.secret}@127.0.0.1:${accounts[id]!.port}`,
    listening,
    close: () => app.shutdown(),
  }
}

export interface BtpPluginLike extends Plugin {
  disconnect(): Promise<void>
}

export function btpPlugin(server: string): BtpPluginLike {
  const BtpPlugin = require('ilp-plugin-btp') as new (opts: { server: string }) => BtpPluginLike
  return new BtpPlugin({ server })
}

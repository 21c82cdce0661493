/**
 * The JavaScript STREAM stack as an in-memory test peer: ilp-protocol-stream 2.7.1 (patched for Node ≥ 18) and an
 * ilp-plugin-shaped object that bridges it to our handlers. Shared by the STREAM interop tests.
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { decodePrepare, decodeReply, encodeIlpPacket } from '../../src/ilp/packet.js'
import type { IlpPrepare, IlpReply } from '../../src/ilp/types.js'

const require = createRequire(import.meta.url)
/* The JS reference packages are CommonJS without types we rely on: a narrow untyped surface. */
/* eslint-disable @typescript-eslint/no-explicit-any */
export const IlpStream: any = require('ilp-protocol-stream')
export const ILDCP: any = require('ilp-protocol-ildcp')
const { DataAndMoneyStream }: any = require('ilp-protocol-stream/dist/src/stream.js')

// Node >= 18: Readable#closed is a getter, and ilp-protocol-stream 2.7.1 assigns it (interop-notes.md).
// Give the subclass its own writable accessor, as the upstream fix does.
const closedKey = Symbol('closed')
Object.defineProperty(DataAndMoneyStream.prototype, 'closed', {
  configurable: true,
  get(this: any) {
    return this[closedKey] ?? false
  },
  set(this: any, v: boolean) {
    this[closedKey] = v
  },
})

export interface Ildcp {
  clientAddress: string
  assetCode: string
  assetScale: number
}

const sendsNothing = async (): Promise<IlpReply> => {
  throw new Error('the JS side sends nothing in this test')
}

/**
 * An ilp-plugin-shaped object: Prepares the JS side sends go to `outgoing` (ILDCP is answered here with
 * `ildcp`); `deliver` sends our Prepares into the JS side.
 */
export function memoryPlugin(ildcp: Ildcp, outgoing: (prepare: IlpPrepare) => Promise<IlpReply> = sendsNothing) {
  let handler: ((data: Buffer) => Promise<Buffer>) | undefined
  let connected = false
  return {
    connect: async () => void (connected = true),
    disconnect: async () => void (connected = false),
    isConnected: () => connected,
    async sendData(data: Buffer): Promise<Buffer> {
      const prepare = decodePrepare(data)
      if (prepare.destination === 'peer.config') {
        return ILDCP.serve({ requestPacket: data, handler: async () => ildcp, serverAddress: 'test.node' })
      }
      return Buffer.from(encodeIlpPacket(await outgoing(prepare)))
    },
    registerDataHandler: (h: (data: Buffer) => Promise<Buffer>) => void (handler = h),
    deregisterDataHandler: () => void (handler = undefined),
    sendMoney: async () => undefined,
    registerMoneyHandler: () => undefined,
    deregisterMoneyHandler: () => undefined,
    /** Our side sending a Prepare into the JS side. */
    async deliver(prepare: IlpPrepare): Promise<IlpReply> {
      if (!handler) throw new Error('no data handler registered')
      return decodeReply(await handler(Buffer.from(encodeIlpPacket(prepare))))
    },
  }
}

/** The ILDCP answer the JS server side gets in these tests. */
export const JS_SERVER_ILDCP: Ildcp = { clientAddress: 'test.node.carol', assetCode: 'USD', assetScale: 6 }

/** An ilp-protocol-stream server on a memory plugin that sends nothing itself; closed after the test. */
export async function startJsStreamServer(t: { after: (fn: () => unknown) => void }, ildcp: Ildcp = JS_SERVER_ILDCP) {
  const plugin = memoryPlugin(ildcp)
  const server = await IlpStream.createServer({ plugin, serverSecret: randomBytes(32) })
  t.after(() => server.close())
  return { plugin, server }
}

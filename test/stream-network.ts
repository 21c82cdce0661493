/**
 * Test doubles for STREAM: an in-memory "connector" between a sender and a receiver handler that applies
 * an exact exchange rate (rounding down, as connectors do), a maximum packet amount (F08 with data), and
 * injected failures. Used by the unit, hostile-input and interop tests; not exported from the library.
 */
import { amountTooLarge, reject } from '../src/ilp/errors.js'
import { IlpPacketType, type IlpPrepare, type IlpReply } from '../src/ilp/types.js'

export interface FakeConnectorOptions {
  /** Destination units per source unit: num/den, applied with floor. */
  readonly rate?: { num: bigint; den: bigint }
  readonly maxPacketAmount?: bigint
  /** Called per Prepare before forwarding: return a reply to answer it instead (inject T04 etc.). */
  readonly intercept?: (prepare: IlpPrepare, index: number) => IlpReply | undefined
  /** Artificial latency per packet. */
  readonly delayMs?: number
}

export interface FakeConnector {
  readonly send: (prepare: IlpPrepare) => Promise<IlpReply>
  readonly stats: { prepares: number; fulfills: number; rejects: Record<string, number>; sourceFulfilled: bigint; destinationFulfilled: bigint }
}

export function fakeConnector(next: (prepare: IlpPrepare) => Promise<IlpReply>, options: FakeConnectorOptions = {}): FakeConnector {
  const stats = { prepares: 0, fulfills: 0, rejects: {} as Record<string, number>, sourceFulfilled: 0n, destinationFulfilled: 0n }
  const rate = options.rate ?? { num: 1n, den: 1n }
  const count = (reply: IlpReply): IlpReply => {
    if (reply.type === IlpPacketType.Reject) stats.rejects[reply.code] = (stats.rejects[reply.code] ?? 0) + 1
    else stats.fulfills++
    return reply
  }
  return {
    stats,
    async send(prepare) {
      const index = stats.prepares++
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs))
      const injected = options.intercept?.(prepare, index)
      if (injected) return count(injected)
      if (options.maxPacketAmount !== undefined && prepare.amount > options.maxPacketAmount) {
        return count(amountTooLarge('test.connector', prepare.amount, options.maxPacketAmount))
      }
      const outgoing = (prepare.amount * rate.num) / rate.den
      const reply = await next({ ...prepare, amount: outgoing })
      if (reply.type === IlpPacketType.Fulfill) {
        stats.sourceFulfilled += prepare.amount
        stats.destinationFulfilled += outgoing
      }
      return count(reply)
    },
  }
}

export const t04 = (): IlpReply => reject('T04', 'test.connector', 'insufficient liquidity')

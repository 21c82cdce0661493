/** fast-check arbitraries for ILP packets, shared by the codec unit, differential and fuzz tests. */
import fc from 'fast-check'
import { ILP_ADDRESS_SCHEMES } from '../src/ilp/address.js'
import { IlpPacketType, type IlpFulfill, type IlpPrepare, type IlpReject } from '../src/ilp/types.js'
import { CodecError } from '../src/oer/errors.js'

const segment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,20}$/)

/** Valid RFC 15 addresses of 1..~200 characters (long ones are tested separately up to 1023). */
export const address = fc
  .tuple(fc.constantFrom(...ILP_ADDRESS_SCHEMES), fc.array(segment, { minLength: 1, maxLength: 8 }))
  .map(([scheme, segs]) => [scheme, ...segs].join('.'))

export const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length })

/** Data up to 600 bytes usually, sometimes up to the 32767 limit, so long length forms are exercised. */
export const data = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 600 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 32767 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
)

/**
 * Dates the reference JS codec can also handle: it formats the year without padding and maps two-digit
 * years through Date.UTC, so years before 1000 are tested against our codec alone.
 */
export const jsSafeDate = fc.date({ min: new Date('1000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
export const anyIlpDate = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })

export const amount = fc.oneof(fc.bigInt({ min: 0n, max: 0xffff_ffffn }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))

export function prepare(date: fc.Arbitrary<Date> = anyIlpDate): fc.Arbitrary<IlpPrepare> {
  return fc.record({
    amount,
    expiresAt: date,
    executionCondition: bytes(32),
    destination: address,
    data,
  }).map((p) => ({ type: IlpPacketType.Prepare, ...p }) as IlpPrepare)
}

export const fulfill: fc.Arbitrary<IlpFulfill> = fc
  .record({ fulfillment: bytes(32), data })
  .map((p) => ({ type: IlpPacketType.Fulfill, ...p }) as IlpFulfill)

export const errorCode = fc.tuple(fc.constantFrom('F', 'T', 'R'), fc.integer({ min: 0, max: 99 })).map(([c, n]) => c + String(n).padStart(2, '0'))

export const reject: fc.Arbitrary<IlpReject> = fc
  .record({
    code: errorCode,
    triggeredBy: fc.oneof({ weight: 9, arbitrary: address }, { weight: 1, arbitrary: fc.constant('') }),
    message: fc.string({ unit: 'grapheme', maxLength: 300 }),
    data,
  })
  .map((p) => ({ type: IlpPacketType.Reject, ...p }) as IlpReject)

/** The fields of a packet as plain JSON-able values, for comparing two decoders. */
export function plain(packet: IlpPrepare | IlpFulfill | IlpReject): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(packet)) {
    out[k] = v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v
  }
  return out
}

/** Runs `fn`; returns the CodecError code it threw, or undefined. Any other exception is rethrown. */
export function codecErrorCode(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    if (err instanceof CodecError) return err.code
    throw err
  }
}

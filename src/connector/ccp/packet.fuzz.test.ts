/**
 * Differential tests against ilp-protocol-ccp 1.2.3 (the serializers ilp-connector uses) and decoder fuzzing.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as CcpJs from 'ilp-protocol-ccp'
import { CodecError } from '../../oer/errors.js'
import {
  CcpMode,
  decodeRouteControlRequest,
  decodeRouteUpdateRequest,
  encodeRouteControlRequest,
  encodeRouteUpdateRequest,
  type CcpRouteControlRequest,
  type CcpRouteProp,
  type CcpRouteUpdateRequest,
} from './packet.js'
import { mulberry32, mutateBytes as mutate } from '../../../test/support/fuzz.js'

const RUNS = 3000

const uuid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Buffer.from(b).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
})
const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
const address = fc.string({ unit: 'binary-ascii', maxLength: 40 })

const control: fc.Arbitrary<CcpRouteControlRequest> = fc.record({
  mode: fc.constantFrom(CcpMode.Idle, CcpMode.Sync),
  lastKnownRoutingTableId: uuid,
  lastKnownEpoch: u32,
  features: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
})

/** Flag combinations ilp-protocol-ccp can write (it derives transitive/partial from optional). */
const flags = fc.constantFrom(
  { isOptional: false, isTransitive: true, isPartial: false },
  { isOptional: true, isTransitive: false, isPartial: false },
  { isOptional: true, isTransitive: true, isPartial: false },
  { isOptional: true, isTransitive: true, isPartial: true },
)
const prop: fc.Arbitrary<CcpRouteProp> = fc.oneof(
  fc.record({ flags, id: fc.integer({ min: 0, max: 0xffff }), value: fc.uint8Array({ maxLength: 40 }) }).map(({ flags, id, value }) => ({ ...flags, isUtf8: false, id, value })),
  fc.record({ flags, id: fc.integer({ min: 0, max: 0xffff }), text: fc.string({ maxLength: 20 }) }).map(({ flags, id, text }) => ({
    ...flags,
    isUtf8: true,
    id,
    value: new Uint8Array(Buffer.from(text, 'utf8')),
  })),
)
const update: fc.Arbitrary<CcpRouteUpdateRequest> = fc.record({
  routingTableId: uuid,
  currentEpochIndex: u32,
  fromEpochIndex: u32,
  toEpochIndex: u32,
  holdDownTime: u32,
  speaker: address,
  newRoutes: fc.array(
    fc.record({
      prefix: address,
      path: fc.array(address, { maxLength: 4 }),
      auth: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      props: fc.array(prop, { maxLength: 3 }),
    }),
    { maxLength: 5 },
  ),
  withdrawnRoutes: fc.array(address, { maxLength: 5 }),
})

type JsUpdate = Parameters<typeof CcpJs.serializeCcpRouteUpdateRequestPayload>[0]

function toJsUpdate(u: CcpRouteUpdateRequest): JsUpdate {
  return {
    ...u,
    newRoutes: u.newRoutes.map((r) => ({
      prefix: r.prefix,
      path: [...r.path],
      auth: Buffer.from(r.auth),
      props: r.props.map((p) =>
        p.isUtf8 ? { ...p, isUtf8: true as const, value: Buffer.from(p.value).toString('utf8') } : { ...p, isUtf8: false as const, value: Buffer.from(p.value) },
      ),
    })),
    withdrawnRoutes: [...u.withdrawnRoutes],
  }
}

/** Our decoded update in the JS shape, to compare with what ilp-protocol-ccp decodes. */
function comparable(u: CcpRouteUpdateRequest): unknown {
  return JSON.parse(JSON.stringify(toJsUpdate(u)))
}

describe('CCP codec vs ilp-protocol-ccp (differential)', () => {
  test('route control: same bytes, and each side reads the other', () => {
    fc.assert(
      fc.property(control, (c) => {
        const ours = encodeRouteControlRequest(c)
        const js = CcpJs.serializeCcpRouteControlRequestPayload({ ...c, mode: c.mode as number as CcpJs.Mode, features: [...c.features] })
        const expected = { ...c, features: [...c.features] } // fast-check records have a null prototype
        assert.deepEqual(Buffer.from(ours), js)
        assert.deepEqual(CcpJs.deserializeCcpRouteControlRequestPayload(Buffer.from(ours)), expected)
        assert.deepEqual(decodeRouteControlRequest(new Uint8Array(js)), expected)
      }),
      { numRuns: RUNS },
    )
  })

  test('route update: same bytes as ilp-protocol-ccp writes', () => {
    fc.assert(
      fc.property(update, (u) => {
        assert.deepEqual(Buffer.from(encodeRouteUpdateRequest(u)), CcpJs.serializeCcpRouteUpdateRequestPayload(toJsUpdate(u)))
      }),
      { numRuns: RUNS },
    )
  })

  test('route update: each side reads the other', () => {
    fc.assert(
      fc.property(update, (u) => {
        const fromJs = decodeRouteUpdateRequest(new Uint8Array(CcpJs.serializeCcpRouteUpdateRequestPayload(toJsUpdate(u))))
        assert.deepEqual(comparable(fromJs), comparable(u))
        const byJs = CcpJs.deserializeCcpRouteUpdateRequestPayload(Buffer.from(encodeRouteUpdateRequest(u)))
        assert.deepEqual(JSON.parse(JSON.stringify(byJs)), comparable(u))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('CCP decoder fuzz', () => {
  const FUZZ_INPUTS = 100_000

  for (const [name, decode, seeds] of [
    ['route control', decodeRouteControlRequest, fc.sample(control, { numRuns: 100, seed: 5 }).map(encodeRouteControlRequest)],
    ['route update', decodeRouteUpdateRequest, fc.sample(update, { numRuns: 100, seed: 5 }).map(encodeRouteUpdateRequest)],
  ] as const) {
    test(`${name}: ${FUZZ_INPUTS} random and mutated inputs throw only CodecError`, () => {
      const rnd = mulberry32(name.length)
      let decoded = 0
      for (let i = 0; i < FUZZ_INPUTS; i++) {
        const input = i % 4 === 0 ? randomBytes(rnd, Math.floor(rnd() * 80)) : mutate(rnd, seeds[i % seeds.length]!)
        try {
          ;(decode as (b: Uint8Array) => unknown)(input)
          decoded++
        } catch (e) {
          if (!(e instanceof CodecError)) throw new Error(`non-CodecError on ${Buffer.from(input).toString('hex')}`, { cause: e })
        }
      }
      assert.ok(decoded > 0)
    })
  }
})

function randomBytes(rnd: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256)
  return b
}



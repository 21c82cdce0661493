import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { hex, toHex } from '../../../test/support/shared.js'
import { decodePrepare, encodePrepare, encodeFulfill } from '../../ilp/packet.js'
import { CodecError } from '../../oer/errors.js'
import {
  CcpMode,
  ccpResponse,
  decodeRouteControlRequest,
  decodeRouteUpdateRequest,
  encodeRouteControlRequest,
  encodeRouteUpdateRequest,
  isCcpResponse,
  parseRouteControlPrepare,
  parseRouteUpdatePrepare,
  routeControlPrepare,
  routeUpdatePrepare,
  type CcpRouteControlRequest,
  type CcpRouteUpdateRequest,
} from './packet.js'

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))
/** The fixtures' Prepares expire at 2015-06-16T00:01:00.000Z (ilp-protocol-ccp / interledger-rs fixtures). */
const FIXTURE_NOW = Date.parse('2015-06-16T00:00:00.000Z')

// interledger-rs crates/interledger-ccp/src/fixtures.rs (the same bytes as ilp-protocol-ccp test/index.test.ts)
const CONTROL_HEX =
  '0c6c0000000000000000323031353036313630303031303030303066687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f292512706565722e726f7574652e636f6e74726f6c1f0170d1a134a0df4f47964f6e19e2ab379000000020010203666f6f03626172'
const CONTROL: CcpRouteControlRequest = {
  mode: CcpMode.Sync,
  lastKnownRoutingTableId: '70d1a134-a0df-4f47-964f-6e19e2ab3790',
  lastKnownEpoch: 32,
  features: ['foo', 'bar'],
}
const SIMPLE_HEX =
  '0c7e0000000000000000323031353036313630303031303030303066687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f292511706565722e726f7574652e7570646174653221e55f8eabcd4e979ab9bf0ff00a224c000000340000003400000034000075300d6578616d706c652e616c69636501000100'
const SIMPLE: CcpRouteUpdateRequest = {
  routingTableId: '21e55f8e-abcd-4e97-9ab9-bf0ff00a224c',
  currentEpochIndex: 52,
  fromEpochIndex: 52,
  toEpochIndex: 52,
  holdDownTime: 30000,
  speaker: 'example.alice',
  newRoutes: [],
  withdrawnRoutes: [],
}
const COMPLEX_HEX =
  '0c8201520000000000000000323031353036313630303031303030303066687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f292511706565722e726f7574652e757064617465820104bffbf6ad0ddc4d3ba1e5b4f0537365bd000000340000002e00000032000075300d6578616d706c652e616c69636501020f6578616d706c652e7072656669783101010f6578616d706c652e707265666978317a6c7d85867c46a2fabfad1afa7a4a5e229ce574fcce63f5edeedfc03f8468ea01000f6578616d706c652e707265666978320102126578616d706c652e636f6e6e6563746f72310f6578616d706c652e707265666978322b08e53fbcc17c5f1bd54ae0d9ad7ba39a5f9a7b126ca9b5c0945609a35324cc01025000000b68656c6c6f20776f726c64e0000104a0a0a0a001020f6578616d706c652e707265666978330f6578616d706c652e70726566697834'
const COMPLEX: CcpRouteUpdateRequest = {
  routingTableId: 'bffbf6ad-0ddc-4d3b-a1e5-b4f0537365bd',
  currentEpochIndex: 52,
  fromEpochIndex: 46,
  toEpochIndex: 50,
  holdDownTime: 30000,
  speaker: 'example.alice',
  newRoutes: [
    {
      prefix: 'example.prefix1',
      path: ['example.prefix1'],
      auth: hex('7a6c7d85867c46a2fabfad1afa7a4a5e229ce574fcce63f5edeedfc03f8468ea'),
      props: [],
    },
    {
      prefix: 'example.prefix2',
      path: ['example.connector1', 'example.prefix2'],
      auth: hex('2b08e53fbcc17c5f1bd54ae0d9ad7ba39a5f9a7b126ca9b5c0945609a35324cc'),
      props: [
        { isOptional: false, isTransitive: true, isPartial: false, isUtf8: true, id: 0, value: ascii('hello world') },
        { isOptional: true, isTransitive: true, isPartial: true, isUtf8: false, id: 1, value: hex('a0a0a0a0') },
      ],
    },
  ],
  withdrawnRoutes: ['example.prefix3', 'example.prefix4'],
}

const isCcpInvalid = (e: unknown): boolean => e instanceof CodecError && e.code === 'CCP_INVALID'
const plain = (b: Uint8Array): Uint8Array => Uint8Array.from(b)

describe('CCP vectors (ilp-protocol-ccp and interledger-rs fixtures)', () => {
  test('route control request: Prepare bytes both ways', () => {
    assert.deepEqual(parseRouteControlPrepare(decodePrepare(hex(CONTROL_HEX)), FIXTURE_NOW), CONTROL)
    assert.equal(toHex(encodePrepare(routeControlPrepare(CONTROL, FIXTURE_NOW))), CONTROL_HEX)
    assert.equal(toHex(encodeRouteControlRequest(CONTROL)), '0170d1a134a0df4f47964f6e19e2ab379000000020010203666f6f03626172')
  })

  test('simple route update request: Prepare bytes both ways', () => {
    assert.deepEqual(parseRouteUpdatePrepare(decodePrepare(hex(SIMPLE_HEX)), FIXTURE_NOW), SIMPLE)
    assert.equal(toHex(encodePrepare(routeUpdatePrepare(SIMPLE, FIXTURE_NOW))), SIMPLE_HEX)
  })

  test('complex route update request (routes, props, withdrawals): Prepare bytes both ways', () => {
    assert.deepEqual(parseRouteUpdatePrepare(decodePrepare(hex(COMPLEX_HEX)), FIXTURE_NOW), COMPLEX)
    assert.equal(toHex(encodePrepare(routeUpdatePrepare(COMPLEX, FIXTURE_NOW))), COMPLEX_HEX)
  })

  test('the response is a Fulfill with 32 zero bytes and no data', () => {
    assert.equal(toHex(encodeFulfill(ccpResponse())), '0d21' + '00'.repeat(32) + '00')
    assert.ok(isCcpResponse(ccpResponse()))
    assert.ok(!isCcpResponse({ ...ccpResponse(), fulfillment: new Uint8Array(32).fill(1) }))
  })
})

describe('CCP envelope checks (as ilp-protocol-ccp extract*)', () => {
  test('wrong destination, wrong condition, expired', () => {
    const control = decodePrepare(hex(CONTROL_HEX))
    assert.throws(() => parseRouteUpdatePrepare(control, FIXTURE_NOW), isCcpInvalid)
    assert.throws(() => parseRouteControlPrepare({ ...control, executionCondition: new Uint8Array(32) }, FIXTURE_NOW), isCcpInvalid)
    assert.throws(() => parseRouteControlPrepare(control, FIXTURE_NOW + 60_001), isCcpInvalid)
    assert.deepEqual(parseRouteControlPrepare(control, FIXTURE_NOW + 60_000), CONTROL)
  })
})

describe('CCP decoding rejects invalid payloads', () => {
  test('a control mode other than IDLE/SYNC', () => {
    const data = plain(encodeRouteControlRequest(CONTROL))
    data[0] = 2
    assert.throws(() => decodeRouteControlRequest(data), isCcpInvalid)
  })

  test('every truncation of the complex update', () => {
    const data = plain(encodeRouteUpdateRequest(COMPLEX))
    for (let n = 0; n < data.length; n++) assert.throws(() => decodeRouteUpdateRequest(data.subarray(0, n)), CodecError, `length ${n}`)
  })

  test('counts larger than the bytes left, without looping over them', () => {
    const head = toHex(encodeRouteUpdateRequest(SIMPLE)).slice(0, -8) // drop `0100 0100`
    assert.throws(() => decodeRouteUpdateRequest(hex(head + '04ffffffff')), (e: unknown) => e instanceof CodecError && e.code === 'OER_VALUE_OUT_OF_RANGE')
    assert.throws(() => decodeRouteControlRequest(hex('01' + '00'.repeat(20) + '04ffffffff')), CodecError)
  })

  test('non-ASCII and over-long addresses', () => {
    const speakerAt = 16 + 16 + 1
    const data = plain(encodeRouteUpdateRequest(SIMPLE))
    data[speakerAt] = 0xe9
    assert.throws(() => decodeRouteUpdateRequest(data), isCcpInvalid)
    const long = { ...SIMPLE, withdrawnRoutes: ['g.' + 'a'.repeat(1022)] }
    assert.throws(() => encodeRouteUpdateRequest(long), isCcpInvalid)
  })

  test('invalid UTF-8 in a feature', () => {
    assert.throws(() => decodeRouteControlRequest(hex('01' + '00'.repeat(20) + '0101 01ff')), (e: unknown) => e instanceof CodecError && e.code === 'OER_INVALID_STRING')
  })

  test('extra bytes at the end are ignored (RFC 30)', () => {
    assert.deepEqual(decodeRouteUpdateRequest(hex(toHex(encodeRouteUpdateRequest(COMPLEX)) + 'ff00')), COMPLEX)
    assert.deepEqual(decodeRouteControlRequest(hex(toHex(encodeRouteControlRequest(CONTROL)) + '00')), CONTROL)
  })
})

describe('CCP encoding', () => {
  test('refuses values that cannot be encoded', () => {
    assert.throws(() => encodeRouteControlRequest({ ...CONTROL, lastKnownRoutingTableId: 'not-a-uuid' }), isCcpInvalid)
    assert.throws(() => encodeRouteControlRequest({ ...CONTROL, lastKnownEpoch: 2 ** 32 }), isCcpInvalid)
    assert.throws(() => encodeRouteControlRequest({ ...CONTROL, mode: 2 as CcpMode }), isCcpInvalid)
    assert.throws(() => encodeRouteUpdateRequest({ ...SIMPLE, holdDownTime: -1 }), isCcpInvalid)
    assert.throws(() => encodeRouteUpdateRequest({ ...SIMPLE, speaker: 'é' }), isCcpInvalid)
    const route = COMPLEX.newRoutes[0]!
    assert.throws(() => encodeRouteUpdateRequest({ ...SIMPLE, newRoutes: [{ ...route, auth: new Uint8Array(31) }] }), isCcpInvalid)
    const prop = COMPLEX.newRoutes[1]!.props[0]!
    assert.throws(() => encodeRouteUpdateRequest({ ...SIMPLE, newRoutes: [{ ...route, props: [{ ...prop, id: 65536 }] }] }), isCcpInvalid)
  })

  test('prop meta is written as ilp-protocol-ccp writes it', () => {
    const route = COMPLEX.newRoutes[0]!
    const metaOf = (isOptional: boolean, isTransitive: boolean, isPartial: boolean, isUtf8: boolean): number => {
      const data = encodeRouteUpdateRequest({
        ...SIMPLE,
        newRoutes: [{ ...route, props: [{ isOptional, isTransitive, isPartial, isUtf8, id: 7, value: new Uint8Array(0) }] }],
      })
      // the payload ends: meta(1) ‖ id(2) ‖ value length 00 ‖ withdrawn count 01 00
      return data[data.length - 6]!
    }
    const cases: [boolean, boolean, boolean, boolean, number][] = [
      [false, false, false, false, 0x40],
      [false, true, true, false, 0x40],
      [true, false, true, false, 0x80],
      [true, true, false, false, 0xc0],
      [true, true, true, true, 0xf0],
      [false, false, false, true, 0x50],
    ]
    for (const [o, t, p, u, meta] of cases) assert.equal(metaOf(o, t, p, u), meta, `${o} ${t} ${p} ${u}`)
  })
})

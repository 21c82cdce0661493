import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ILP_ADDRESS_SCHEMES, addressScheme, isAddressPrefixOf, isGlobalAddress, isTestnetAddress, isValidIlpAddress } from './address.js'

/** interledger-rs `crates/interledger-packet/src/address.rs` test lists. */
const RUST_VALID = [
  'test.alice.XYZ.1234.-_~',
  'g.us-fed.ach.0.acmebank.swx0a0.acmecorp.sales.199.~ipr.cdfa5e16-e759-4ba3-88f6-8b9dc83c1868.2',
  'g.A',
  'private.A',
  'example.A',
  'peer.A',
  'self.A',
  'test.A',
  'test1.A',
  'test2.A',
  'test3.A',
  'local.A',
]
const RUST_INVALID = [
  '',
  'test.alice 123',
  'test.alice!123',
  'test.alice/123',
  'test',
  'what.alice',
  'test4.alice',
  'test.',
  'test.alice.',
  '.test.alice',
  'test..alice',
]

/** Built like interledger-rs's `make_address`: `test.` padded with `_`. */
function addressOfLength(n: number): string {
  return 'test.'.padEnd(n, '_')
}

describe('ILP addresses (RFC 15)', () => {
  test('interledger-rs valid list (12)', () => {
    assert.equal(RUST_VALID.length, 12)
    for (const a of RUST_VALID) assert.equal(isValidIlpAddress(a), true, a)
  })

  test('interledger-rs invalid list (11) plus a trailing newline', () => {
    for (const a of [...RUST_INVALID, 'test.alice\n']) assert.equal(isValidIlpAddress(a), false, JSON.stringify(a))
  })

  test('1023 characters is the longest address', () => {
    assert.equal(isValidIlpAddress(addressOfLength(1023)), true)
    assert.equal(isValidIlpAddress(addressOfLength(1024)), false)
  })

  test('case-sensitive schemes; non-strings are not addresses', () => {
    assert.equal(isValidIlpAddress('G.alice'), false)
    assert.equal(isValidIlpAddress('Test.alice'), false)
    assert.equal(isValidIlpAddress(42), false)
    assert.equal(isValidIlpAddress(undefined), false)
    assert.equal(isValidIlpAddress('g.é'), false)
  })

  test('property: random scheme + segments are valid, one bad char makes them invalid', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,12}$/)
    fc.assert(
      fc.property(fc.constantFrom(...ILP_ADDRESS_SCHEMES), fc.array(segment, { minLength: 1, maxLength: 8 }), fc.constantFrom(' ', '/', '!', '..', 'é', '\0'), (scheme, segs, bad) => {
        const a = [scheme, ...segs].join('.')
        assert.equal(isValidIlpAddress(a), true)
        assert.equal(addressScheme(a), scheme)
        assert.equal(isValidIlpAddress(a + bad + 'x'), false)
      }),
    )
  })

  test('testnet schemes and whole-segment prefixes', () => {
    assert.equal(isTestnetAddress('test3.bob'), true)
    assert.equal(isTestnetAddress('g.test'), false)
    // The char-code checks agree with the scheme regular expression they replace, and with addressScheme.
    for (const a of ['test', 'test.x', 'test1', 'test3.a', 'test4.a', 'test0.a', 'test12.a', 'tes', 'testx', 'test.', 'g', 'g.a', 'gg.a', 'example.a', '', 'private.g']) {
      assert.equal(isTestnetAddress(a), /^test[1-3]?(\.|$)/.test(a), a)
      assert.equal(isGlobalAddress(a), addressScheme(a) === 'g', a)
    }
    assert.equal(isAddressPrefixOf('g.a', 'g.a.b'), true)
    assert.equal(isAddressPrefixOf('g.a', 'g.ab'), false)
    assert.equal(isAddressPrefixOf('g.a', 'g.a'), true)
  })
})

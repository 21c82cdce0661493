/** The codec's public API from the package root (issue 3): what a library user imports. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as ilp from '../src/index.js'

test('the package root exports the codec, packet types, address check and one error class with a code', () => {
  assert.equal(ilp.IlpPacketType.Prepare, 12)
  assert.equal(ilp.IlpPacketType.Fulfill, 13)
  assert.equal(ilp.IlpPacketType.Reject, 14)
  assert.equal(ilp.isValidIlpAddress('g.alice'), true)
  const bytes = ilp.encodeIlpPacket(ilp.reject(ilp.IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY, 'g.node', 'no liquidity'))
  const back = ilp.decodeIlpPacket(bytes)
  assert.equal(back.type, ilp.IlpPacketType.Reject)
  try {
    ilp.decodeIlpPacket(bytes.subarray(0, 5))
    assert.fail('expected a CodecError')
  } catch (err) {
    assert.ok(err instanceof ilp.CodecError)
    assert.equal(err.code, 'OER_TRUNCATED')
    assert.equal(ilp.isCodecError(err), true)
  }
  for (const name of ['decodePrepare', 'decodeReply', 'patchPrepare', 'amountTooLarge', 'decodeIldcpResponse', 'ildcpRequest', 'Reader', 'Writer']) {
    assert.equal(typeof (ilp as Record<string, unknown>)[name], 'function', name)
  }
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeSharedSecret, encodeBase64 } from './secret.js'
import { isSpspError } from './errors.js'

test('shared secrets round-trip in base64 and base64url, padded or not', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      const b64 = encodeBase64(bytes)
      assert.equal(b64.length, 44)
      assert.ok(b64.endsWith('='))
      const url = Buffer.from(bytes).toString('base64url')
      for (const text of [b64, b64.replace(/=+$/, ''), url, `${url}=`]) assert.deepEqual(decodeSharedSecret(text), bytes)
    }),
  )
})

test('the RFC 9 example secret decodes to 32 bytes', () => {
  assert.equal(decodeSharedSecret('6jR5iNIVRvqeasJeCty6C+YB5X9FhSOUPCL/5nha5Vs=').byteLength, 32)
})

test('wrong lengths, junk and mixed alphabets are refused', () => {
  const ok = encodeBase64(new Uint8Array(32).fill(0xfb))
  const bad = [
    '', ok.slice(4), `${ok}AAAA`, `${ok}=`, ok.replace('=', '==='), ` ${ok}`, ok.replace(/.$/, '!'),
    `${ok.slice(0, 10)}-${ok.slice(11, 20)}+${ok.slice(21)}`, encodeBase64(new Uint8Array(31)), encodeBase64(new Uint8Array(33)),
  ]
  for (const text of bad) assert.throws(() => decodeSharedSecret(text), (e) => isSpspError(e) && e.code === 'SPSP_INVALID_RESPONSE', text)
})

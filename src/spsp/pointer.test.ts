import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { isLoopbackHost, isValidPaymentPointer, paymentPointerToUrl, resolveSpspEndpoint, urlToPaymentPointer } from './pointer.js'
import { isSpspError } from './errors.js'

describe('payment pointers (RFC 26)', () => {
  test('resolves the RFC examples', () => {
    const cases: [string, string][] = [
      ['$example.com', 'https://example.com/.well-known/pay'],
      ['$example.com/invoices/12345', 'https://example.com/invoices/12345'],
      ['$bob.example.com', 'https://bob.example.com/.well-known/pay'],
      ['$example.com/bob', 'https://example.com/bob'],
      ['$example.com/', 'https://example.com/.well-known/pay'],
    ]
    for (const [pointer, url] of cases) assert.equal(paymentPointerToUrl(pointer).href, url, pointer)
  })

  test('accepts IP hosts, pct-encoding and pchar in paths', () => {
    for (const p of ['$127.0.0.1/alice', '$[::1]/alice', '$ex%41mple.com', '$example.com/a:b@c/~d', '$example.com/a/']) {
      assert.ok(isValidPaymentPointer(p), p)
    }
  })

  test('rejects userinfo, port, query, fragment and bad syntax', () => {
    const bad = [
      '$user@example.com', '$user:pw@example.com/x', '$example.com:8080', '$example.com:443/bob',
      '$example.com/bob?x=1', '$example.com/bob#frag', '$example.com?x', 'example.com', '$', '$/bob',
      '$exa mple.com', '$example.com/b ob', '$[nothex]/x', '$example.com/%zz', `$${'a'.repeat(3000)}`,
    ]
    for (const p of bad) {
      assert.equal(isValidPaymentPointer(p), false, p)
      assert.throws(() => paymentPointerToUrl(p), (e) => isSpspError(e) && e.code === 'SPSP_INVALID_POINTER', p)
    }
  })
})

describe('resolveSpspEndpoint', () => {
  test('raw https URLs pass through; "/" maps to the well-known path', () => {
    assert.equal(resolveSpspEndpoint('https://example.com/spsp/alice').href, 'https://example.com/spsp/alice')
    assert.equal(resolveSpspEndpoint('https://example.com:8443').href, 'https://example.com:8443/.well-known/pay')
    assert.equal(resolveSpspEndpoint('  $example.com/bob ').href, 'https://example.com/bob')
  })

  test('plain http only for loopback unless allowHttp', () => {
    assert.equal(resolveSpspEndpoint('http://127.0.0.1:7768/alice').href, 'http://127.0.0.1:7768/alice')
    assert.equal(resolveSpspEndpoint('http://localhost:1/a').host, 'localhost:1')
    assert.equal(resolveSpspEndpoint('http://[::1]:1/a').hostname, '[::1]')
    assert.throws(() => resolveSpspEndpoint('http://example.com/alice'), (e) => isSpspError(e) && e.code === 'SPSP_INSECURE_URL')
    assert.equal(resolveSpspEndpoint('http://example.com/alice', { allowHttp: true }).protocol, 'http:')
  })

  test('raw URLs may not carry credentials, query, fragment or other schemes', () => {
    for (const u of ['https://u:p@example.com/a', 'https://example.com/a?x=1', 'https://example.com/a#f', 'ftp://example.com/a', 'not a url']) {
      assert.throws(() => resolveSpspEndpoint(u), (e) => isSpspError(e) && e.code === 'SPSP_INVALID_POINTER', u)
    }
  })

  test('isLoopbackHost', () => {
    assert.ok(isLoopbackHost('127.0.0.1'))
    assert.ok(isLoopbackHost('127.1.2.3'))
    assert.ok(isLoopbackHost('LOCALHOST'))
    assert.ok(isLoopbackHost('[::1]'))
    assert.equal(isLoopbackHost('128.0.0.1'), false)
    assert.equal(isLoopbackHost('localhost.example.com'), false)
    assert.equal(isLoopbackHost('127.0.0.1.example.com'), false)
  })

  test('urlToPaymentPointer inverts resolution where a pointer exists', () => {
    assert.equal(urlToPaymentPointer(new URL('https://example.com/.well-known/pay')), '$example.com')
    assert.equal(urlToPaymentPointer(new URL('https://example.com/bob')), '$example.com/bob')
    assert.equal(urlToPaymentPointer(new URL('https://example.com:8443/bob')), undefined)
    assert.equal(urlToPaymentPointer(new URL('http://127.0.0.1/bob')), undefined)
    for (const p of ['$example.com', '$example.com/bob', '$a.b.c/x/y']) assert.equal(urlToPaymentPointer(paymentPointerToUrl(p)), p)
  })
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dechunk, headEnd, parseRequestHead, parseResponseHead } from './http1.js'

const head = (text: string) => {
  const buf = Buffer.from(text, 'latin1')
  const end = headEnd(buf, 0, 0, buf.length)
  assert.ok(end > 0)
  return parseRequestHead(buf, 0, end)
}

test('request head: names in any case, values without surrounding whitespace, the fields the fast path needs', () => {
  const h = head('POST /accounts/a/ilp?x=1 HTTP/1.1\r\nHOST: x\r\nContent-LENGTH:  12 \r\nauthorization:\tBearer tok\r\nContent-Type: application/octet-stream\r\nConnection: Keep-Alive\r\n\r\n')
  assert.deepEqual(h, { method: 'POST', target: '/accounts/a/ilp?x=1', contentLength: 12, authorization: 'Bearer tok', contentType: 'application/octet-stream', plain: true })
  assert.equal(head('POST /ilp HTTP/1.1\r\n\r\n').contentLength, -1)
  assert.equal(head('POST /ilp HTTP/1.1\r\nHost: x\r\nconnection:KEEP-ALIVE \r\n\r\n').plain, true)
  // Names compared in any case, and only names: look-alikes of other lengths or letters are other fields.
  const lookAlikes = head('POST /ilp HTTP/1.1\r\nhost: x\r\nContent-Lengthy: 9\r\nContent_Length: 9\r\nAuthorisation: x\r\nContent-Typo: y\r\n\r\n')
  assert.deepEqual([lookAlikes.contentLength, lookAlikes.authorization, lookAlikes.contentType, lookAlikes.plain], [-1, '', '', true])
})

test('request head: anything the fast path must not serve is not plain', () => {
  for (const odd of [
    'POST /ilp HTTP/1.0\r\n\r\n',
    'POST /ilp HTTP/1.1 extra\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nexpect: 100-continue\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nUpgrade: websocket\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nCallback-Url: http://x\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nConnection: close\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nno colon\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nContent-Length : 1\r\n\r\n',
    'POST  /ilp HTTP/1.1\r\n\r\n',
    'POST /ilp  HTTP/1.1\r\n\r\n',
    'POST /ilp HTTP/1.10\r\n\r\n',
    'POST /ilp\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nREQUEST-ID: 1\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nPrefer: respond-async\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nX Bad: 1\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nX-Bad\t: 1\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nX-B\u00e4d: 1\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nX-Bad\u0000: 1\r\n\r\n',
    'POST /ilp HTTP/1.1\r\n(comment): 1\r\n\r\n',
    'POST /ilp HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n', // a control character in a value
    'POST /ilp HTTP/1.1\r\nContent-Length: 0\r\n\r\n', // no Host (RFC 9112 §3.2)
    'POST /ilp HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n', // two
  ]) {
    assert.equal(head(odd).plain, false, JSON.stringify(odd))
  }
})

test('Content-Length: digits only, a repeat must agree (RFC 9110 §8.6, RFC 9112 §6.3)', () => {
  assert.equal(head('POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n').contentLength, 5)
  for (const bad of ['5, 6', '-1', '0x10', '', '1234567890123456', '+5']) {
    assert.equal(head(`POST / HTTP/1.1\r\nContent-Length: ${bad}\r\n\r\n`).contentLength, -2, bad)
  }
  assert.equal(head('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n').contentLength, -2)
})

test('headEnd: found only when the whole blank line is there; the search can resume', () => {
  const buf = Buffer.from('POST / HTTP/1.1\r\nA: b\r\n\r\nBODY', 'latin1')
  assert.equal(headEnd(buf, 0, 0, buf.length), buf.length - 4)
  assert.equal(headEnd(buf.subarray(0, buf.length - 5), 0, 0, buf.length - 5), -1)
  assert.equal(headEnd(buf, 0, 20, buf.length), buf.length - 4)
})

test('response head: status, framing and connection', () => {
  const parse = (text: string) => {
    const buf = Buffer.from(text, 'latin1')
    return parseResponseHead(buf, 0, headEnd(buf, 0, 0, buf.length))
  }
  assert.deepEqual(parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'), { status: 200, contentLength: 3, chunked: false, close: false, valid: true })
  assert.equal(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').chunked, true)
  assert.equal(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n').valid, false)
  assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n').close, true)
  assert.equal(parse('HTTP/1.0 200 OK\r\n\r\n').close, true)
  assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n').close, false)
  assert.equal(parse('HTTP/2 200\r\n\r\n').valid, false)
  assert.deepEqual(parse('HTTP/1.1 204\r\nCONTENT-LENGTH: 0\r\n\r\n'), { status: 204, contentLength: 0, chunked: false, close: false, valid: true })
  for (const bad of ['HTTP/1.1 2000 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1 099 Low', 'HTTP/1.1 2x0 OK', 'HTTP/1.1 200OK', 'HTTP/1.1 200 O\u0001K']) {
    assert.equal(parse(`${bad}\r\nContent-Length: 0\r\n\r\n`).valid, false, bad)
  }
  // Field lines that are not token ":" field-text: binary bytes, a name with a space, a control character.
  for (const line of ['\u0003\u00ff:x', 'Bad Name: 1', 'X-A: a\u0000b', 'X-A: \u007f', 'X-A: a\nb', 'X-A: a\rb']) {
    assert.equal(parse(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`).valid, false, JSON.stringify(line))
  }
  assert.equal(parse('HTTP/1.1 200 OK\r\nX-A: caf\u00e9\ttab\r\nContent-Length: 0\r\n\r\n').valid, true, 'obs-text and tabs are field text')
})

test('chunked bodies (RFC 9112 §7.1): incomplete at every cut, whole with extensions and trailers, bounded', () => {
  const wire = Buffer.from('3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\nNEXT', 'latin1')
  const whole = wire.length - 4
  for (let cut = 0; cut < whole; cut++) assert.equal(dechunk(wire.subarray(0, cut), 0, 100), 'incomplete', `cut at ${cut}`)
  const done = dechunk(wire, 0, 100)
  assert.ok(typeof done === 'object')
  assert.equal(done.body.toString('latin1'), 'abcde')
  assert.equal(done.end, whole)
  assert.equal(dechunk(wire, 0, 4), 'too large')
  assert.equal(dechunk(Buffer.from('zz\r\n'), 0, 100), 'malformed')
  assert.equal(dechunk(Buffer.from('3\r\nabcX\r\n'), 0, 100), 'malformed')
})

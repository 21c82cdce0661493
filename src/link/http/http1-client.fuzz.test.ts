/**
 * Our HTTP/1.1 client against a peer that answers with mangled bytes: pipelined requests on a few connections,
 * the responses (Fulfills echoing each request's unique data) mutated now and then (bytes flipped, inserted or
 * deleted, Content-Length changed, a chunked body, the connection closed mid-response) and cut into random chunks.
 * Every request must finish exactly once, and a reply must never be another request's: a Fulfill given to the
 * wrong packet would be relayed upstream as that packet's. Seeded.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { picker } from '../../../test/support/fuzz.js'
import { createHash } from 'node:crypto'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { contractPrepare, echoFulfill } from '../link-contract.js'
import { decodePrepare, decodeReply, IlpPacketType, packetBytes } from '../../ilp/index.js'
import { createHttp1Client, HttpClientError } from './http1-client.js'
import { headEnd, parseRequestHead } from './http1.js'

const REQUESTS = 600


/** The response to one request, mangled one time in four. */
function response(body: Buffer, pick: (n: number) => number): Buffer {
  const fulfill = Buffer.from(packetBytes(echoFulfill(decodePrepare(body))))
  if (pick(8) === 0) {
    const chunked = Buffer.concat([Buffer.from(`${fulfill.length.toString(16)}\r\n`), fulfill, Buffer.from('\r\n0\r\n\r\n')])
    return Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1'), chunked])
  }
  const length = pick(10) === 0 ? fulfill.length + pick(5) - 2 : fulfill.length
  let out = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`, 'latin1'), fulfill])
  if (pick(4) === 0) {
    const at = pick(out.length)
    switch (pick(4)) {
      case 0:
        out[at] ^= 1 << pick(8)
        break
      case 1:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(['\r\n', ' ', ':', '\r\n\r\n', 'X'][pick(5)]!, 'latin1'), out.subarray(at)])
        break
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + pick(3))])
        break
      default:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([pick(256)]), out.subarray(at)])
    }
  }
  return out
}

test(`HTTP/1.1 client: ${REQUESTS} requests against mangled, chunked and cut responses finish once each, never with another request's reply`, async (t) => {
  const pick = picker(0x2545f491)
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => sockets.delete(socket))
    let buf = Buffer.alloc(0)
    let out: Buffer[] = []
    let scheduled = false
    const send = (): void => {
      scheduled = false
      let bytes = Buffer.concat(out)
      out = []
      if (pick(40) === 0) {
        socket.end(bytes.subarray(0, pick(bytes.length + 1))) // closed mid-response
        return
      }
      while (bytes.length > 0 && !socket.destroyed) {
        const size = 1 + pick(Math.min(bytes.length, 300))
        socket.write(bytes.subarray(0, size))
        bytes = bytes.subarray(size)
      }
    }
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      for (;;) {
        const end = headEnd(buf, 0, 0, buf.length)
        if (end < 0) return
        const length = Math.max(parseRequestHead(buf, 0, end).contentLength, 0)
        if (end + length > buf.length) return
        out.push(response(buf.subarray(end, end + length), pick))
        buf = buf.subarray(end + length)
        if (!scheduled) {
          scheduled = true
          setTimeout(send, pick(3))
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp`)
  const client = createHttp1Client({ url, headers: {}, connections: 3, pipelining: 8, bodyMaxBytes: 65536, now: Date.now })
  t.after(() => client.close())

  // Each request's data carries a digest of its number: a byte the peer mangled inside a Fulfill's data cannot
  // turn it into another request's data (one flipped bit can turn "request 100" into "request 140").
  const data = Array.from({ length: REQUESTS }, (_, i) => `request ${i} ${createHash('sha256').update(String(i)).digest('hex').slice(0, 16)}`)
  const byData = new Map(data.map((d, i) => [d, i]))
  const finished = new Array<number>(REQUESTS).fill(0)
  const outcomes = { own: 0, garbled: 0, failed: 0 }
  const crossed: string[] = []
  const codes = new Set<string>()
  await Promise.all(
    data.map(
      (d, i) =>
        new Promise<void>((resolve) => {
          const body = packetBytes(contractPrepare({ data: Buffer.from(d) }))
          client.request(body, Date.now() + 6_000, (reply, err) => {
            finished[i]!++
            if (reply === undefined) {
              outcomes.failed++
              codes.add(err instanceof HttpClientError ? err.code : String(err))
            }
            else {
              let echoed: string | undefined
              try {
                const decoded = decodeReply(reply.body)
                if (decoded.type === IlpPacketType.Fulfill) echoed = Buffer.from(decoded.data).toString('latin1')
              } catch {
                // a mangled body: not a reply, the link answers LINK_PROTOCOL
              }
              if (echoed === d) outcomes.own++
              else if (echoed !== undefined && byData.has(echoed)) crossed.push(`${d} got ${echoed}`)
              else outcomes.garbled++
            }
            resolve()
          })
        }),
    ),
  )
  assert.deepEqual(crossed, [], 'no request got another request’s Fulfill')
  assert.ok(finished.every((n) => n === 1), 'every request finished exactly once')
  // A mangled response drops its connection and the requests pipelined on it (T01 upstream): many fail, each
  // with a typed error; the others get their own replies.
  assert.ok(outcomes.own >= REQUESTS / 20, `requests got their own replies: ${JSON.stringify(outcomes)}`)
  assert.deepEqual([...codes].filter((c) => !['HTTP_CONNECTION_LOST', 'HTTP_BAD_RESPONSE', 'HTTP_REPLY_TIMEOUT', 'HTTP_REPLY_TOO_LARGE'].includes(c)), [])
  // And the client still works against a well-behaved answer.
  const last = await client.post(packetBytes(contractPrepare({ data: Buffer.from('last') })), Date.now() + 6_000).catch(() => undefined)
  assert.ok(last === undefined || last.status === 200 || last.status >= 400)
})

/**
 * The HTTP listener against mangled bytes: valid pipelined requests with a few random mutations (bytes flipped,
 * inserted or deleted, line breaks, spaces, tabs and colons put anywhere, lines repeated, case changed), cut into
 * random chunks. Whatever comes back must be well-formed HTTP/1.1 responses; the handler sees only Prepares that
 * decode; the listener never throws and keeps serving. Seeded: a failure names its seed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { picker } from '../../../test/support/fuzz.js'
import { connect } from 'node:net'
import { contractPrepare, echoFulfill } from '../link-contract.js'
import { createTokenAuthenticator } from '../tokens.js'
import { decodeReply, IlpPacketType, packetBytes } from '../../ilp/index.js'
import { createHttpLinkServer } from './server.js'
import { dechunk } from './http1.js'

const TOKEN = 'token-of-a-0123456789abcdef0123456789abcdef'
const CASES = 400
const AT_ONCE = 25


let sequence = 0
/** The seed of the case whose requests are being made (in the data: a lost one names its case). */
let currentSeed = 0

/** A valid request whose Prepare carries a data no other request has (the Fulfill echoes it). */
function validRequest(path = '/ilp'): Buffer {
  const body = packetBytes(contractPrepare({ data: Buffer.from(`request ${currentSeed}:${++sequence}`) }))
  const head = `POST ${path} HTTP/1.1\r\nHost: x\r\ncontent-type: application/octet-stream\r\nauthorization: Bearer ${TOKEN}\r\nContent-Length: ${body.length}\r\n\r\n`
  return Buffer.concat([Buffer.from(head, 'latin1'), body])
}

const INSERTS = ['\r\n', '\n', '\r', ' ', '\t', ':', '\r\n\r\n', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 7\r\n', '\0', '\u00e4']

function mutate(bytes: Buffer, pick: (n: number) => number): Buffer {
  let out = bytes
  for (let m = 0, count = 1 + pick(3); m < count; m++) {
    const at = pick(out.length + 1)
    switch (pick(6)) {
      case 0: {
        const copy = Buffer.from(out)
        if (copy.length > 0) copy[Math.min(at, copy.length - 1)] ^= 1 << pick(8)
        out = copy
        break
      }
      case 1:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(INSERTS[pick(INSERTS.length)]!, 'latin1'), out.subarray(at)])
        break
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + pick(4)))])
        break
      case 3: {
        const text = out.toString('latin1')
        const lines = text.split('\r\n')
        const i = 1 + pick(Math.max(1, lines.length - 2))
        lines.splice(i, 0, lines[i] ?? '')
        out = Buffer.from(lines.join('\r\n'), 'latin1')
        break
      }
      case 4:
        out = Buffer.from(out.toString('latin1').replace(/[a-z]/g, (c) => (pick(4) === 0 ? c.toUpperCase() : c)), 'latin1')
        break
      default:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([pick(256)]), out.subarray(at)])
    }
  }
  return out
}

/** Sends `bytes` in random chunks; resolves with everything read until the server closes or goes quiet. */
function exchange(port: number, bytes: Buffer, pick: (n: number) => number): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let quiet: NodeJS.Timeout | undefined
    const done = (): void => {
      clearTimeout(quiet)
      socket.destroy()
      resolve(Buffer.concat(chunks))
    }
    const rearm = (): void => {
      clearTimeout(quiet)
      quiet = setTimeout(done, 600)
    }
    socket.on('data', (d: Buffer) => {
      chunks.push(d)
      rearm()
    })
    socket.on('error', () => {})
    socket.on('close', done)
    socket.on('connect', async () => {
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + pick(Math.max(1, Math.min(bytes.length - at, 200)))
        socket.write(bytes.subarray(at, at + size))
        at += size
        if (pick(4) === 0) await new Promise((r) => setTimeout(r, 1))
      }
      rearm()
    })
  })
}

/** Every response in `bytes`: status line, then a head, then a Content-Length body (the server's framing). */
function checkResponses(bytes: Buffer, seed: number, fulfilled: string[] = []): number[] {
  const statuses: number[] = []
  let at = 0
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1')
    assert.ok(end > 0, `seed ${seed}: a response head is cut short: ${JSON.stringify(bytes.toString('latin1', at, at + 80))}`)
    const head = bytes.toString('latin1', at, end)
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)
    assert.ok(status, `seed ${seed}: not an HTTP/1.1 status line: ${JSON.stringify(head.slice(0, 60))} in ${JSON.stringify(bytes.toString('latin1'))}`)
    statuses.push(Number(status[1]))
    if (/\r\ntransfer-encoding: chunked/i.test(head)) {
      const body = dechunk(bytes, end + 4, 1 << 20)
      assert.ok(typeof body === 'object', `seed ${seed}: a chunked body that does not parse: ${String(body)}`)
      at = body.end
      continue
    }
    const length = /\r\ncontent-length: (\d+)/i.exec(head)
    const bodyEnd = end + 4 + (length === null ? 0 : Number(length[1]))
    if (statuses.at(-1) === 200) {
      const reply = decodeReply(bytes.subarray(end + 4, bodyEnd))
      assert.equal(reply.type, IlpPacketType.Fulfill, `seed ${seed}`)
      fulfilled.push(Buffer.from(reply.data).toString('latin1'))
    }
    at = bodyEnd
  }
  return statuses
}

test(`HTTP listener: ${CASES} mangled pipelined requests get well-formed responses or a close, and it keeps serving`, async (t) => {
  const handled: string[] = []
  const server = await createHttpLinkServer({
    listen: { port: 0 },
    authenticate: createTokenAuthenticator([{ accountId: 'a', token: TOKEN }]),
    requestReceiveTimeoutMs: 300,
    keepAliveMs: 1_000,
  })
  t.after(() => server.close())
  server.register('a', {
    handler: async (prepare) => {
      handled.push(Buffer.from(prepare.data).toString('latin1'))
      return echoFulfill(prepare)
    },
  })
  const port = Number(new URL(server.url).port)
  const seen = new Map<number, number>()
  const fulfilled: string[] = []
  for (let first = 1; first <= CASES; first += AT_ONCE) {
    await Promise.all(
      Array.from({ length: Math.min(AT_ONCE, CASES - first + 1) }, async (_, i) => {
        const seed = 0x9e3779b9 ^ (first + i)
        const pick = picker(seed)
        currentSeed = seed
        const bytes = Buffer.concat([validRequest(), mutate(validRequest(pick(2) === 0 ? '/ilp' : '/accounts/a/ilp'), pick), validRequest()])
        for (const status of checkResponses(await exchange(port, bytes, pick), seed, fulfilled)) seen.set(status, (seen.get(status) ?? 0) + 1)
      }),
    )
  }
  // Money: no Prepare is handled twice, and every one handled gets its Fulfill back (whatever follows it on the
  // connection); no Fulfill answers a Prepare the handler did not see.
  assert.equal(new Set(handled).size, handled.length, 'no Prepare handled twice')
  const lost = handled.filter((h) => !fulfilled.includes(h))
  const madeUp = fulfilled.filter((f) => !handled.includes(f))
  assert.deepEqual({ lost, madeUp }, { lost: [], madeUp: [] }, 'each handled Prepare fulfilled, once, and nothing else')
  assert.ok((seen.get(200) ?? 0) >= CASES, `the valid request before the mangled one is always answered: ${JSON.stringify([...seen])}`)
  const after = await exchange(port, validRequest(), picker(1))
  assert.deepEqual(checkResponses(after, 0), [200])
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { silentLinkLogger } from '../log.js'
import { createCallbackPoster } from './callback.js'

async function peer(t: { after(f: () => unknown): void }, statuses: number[]) {
  const seen: { requestId: string | undefined; authorization: string | undefined; body: string }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({ requestId: req.headers['request-id'] as string, authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() })
      res.writeHead(statuses[Math.min(seen.length - 1, statuses.length - 1)]!).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp/callback`, seen }
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
}

test('async reply: retried on 5xx until a 2xx, with the same Request-Id and our token (RFC 35)', async (t) => {
  const p = await peer(t, [503, 500, 200])
  const poster = createCallbackPoster({ authorization: () => 'Bearer ours', now: Date.now, log: silentLinkLogger })
  t.after(() => poster.close())
  poster.post(p.url, 'id-1', new TextEncoder().encode('reply'), new Date(Date.now() + 10_000))
  await until(() => p.seen.length === 3)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(p.seen.length, 3, 'stops after the 2xx')
  assert.ok(p.seen.every((s) => s.requestId === 'id-1' && s.authorization === 'Bearer ours' && s.body === 'reply'))
})

test('async reply: a 4xx stops the retries at once', async (t) => {
  const p = await peer(t, [400])
  const poster = createCallbackPoster({ authorization: () => 'Bearer ours', now: Date.now, log: silentLinkLogger })
  t.after(() => poster.close())
  poster.post(p.url, 'id-2', new Uint8Array([1]), new Date(Date.now() + 10_000))
  await until(() => p.seen.length === 1)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(p.seen.length, 1)
})

test('async reply: no retry is scheduled past the Prepare’s expiry', async (t) => {
  const p = await peer(t, [503])
  const poster = createCallbackPoster({ authorization: () => 'Bearer ours', now: Date.now, log: silentLinkLogger })
  t.after(() => poster.close())
  poster.post(p.url, 'id-3', new Uint8Array([1]), new Date(Date.now() + 120))
  await new Promise((r) => setTimeout(r, 600))
  assert.ok(p.seen.length >= 1 && p.seen.length <= 3, `attempts: ${p.seen.length}`)
})

/**
 * The BTP link reads frames off the socket itself (src/link/btp/ws-reader.ts); over `btp+wss` that socket is a
 * TLS socket. Here both ends of a wss connection use the fast reader: the client's frames are masked, the
 * server's are not, and a ping in between still gets ws's pong. The certificate is a self-signed test fixture
 * for 127.0.0.1 (test/fixtures/tls-localhost.*, valid until 2126).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { WebSocket, WebSocketServer } from 'ws'
import { readBinaryFramesFast } from '../src/link/btp/ws-reader.js'

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url)))

test('over TLS both ends read whole binary frames themselves; control frames still reach ws', async (t) => {
  const cert = fixture('tls-localhost.crt')
  const server = createServer({ key: fixture('tls-localhost.key'), cert })
  const wss = new WebSocketServer({ server, perMessageDeflate: false })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(async () => {
    for (const client of wss.clients) client.terminate()
    wss.close()
    server.close()
    await once(server, 'close')
  })
  const installed: boolean[] = []
  let fastOnServer = 0
  let fastOnClient = 0
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined)
    // Echo each message back, reversed, so the answer is not the bytes sent. As in the BTP session, messages
    // come from the fast reader or, after a control frame in the same read, from ws.
    const echo = (data: Uint8Array): void => ws.send(Buffer.from(data).reverse())
    ws.on('message', (data, isBinary) => isBinary && echo(data as Buffer))
    installed.push(
      readBinaryFramesFast(ws, (bytes, start, end) => {
        fastOnServer++
        echo(bytes.subarray(start, end))
      }),
    )
  })

  const client = new WebSocket(`wss://127.0.0.1:${(server.address() as AddressInfo).port}`, { ca: cert, perMessageDeflate: false })
  await once(client, 'open')
  const echoes: string[] = []
  const onEcho = (data: Uint8Array): number => echoes.push(Buffer.from(data).toString())
  client.on('message', (data, isBinary) => isBinary && onEcho(data as Buffer))
  installed.push(
    readBinaryFramesFast(client, (bytes, start, end) => {
      fastOnClient++
      onEcho(bytes.subarray(start, end))
    }),
  )
  let pongs = 0
  client.on('pong', () => pongs++)

  const sent = Array.from({ length: 50 }, (_, i) => `packet-${i}-${'x'.repeat(i * 7)}`)
  for (const [i, message] of sent.entries()) {
    client.send(Buffer.from(message))
    if (i === 25) client.ping()
  }
  for (let waited = 0; (echoes.length < sent.length || pongs === 0) && waited < 5_000; waited += 5) await new Promise((r) => setTimeout(r, 5))
  assert.deepEqual(installed, [true, true])
  assert.deepEqual(
    echoes,
    sent.map((m) => [...m].reverse().join('')),
  )
  assert.equal(pongs, 1)
  assert.ok(fastOnServer > 0 && fastOnClient > 0, `frames read by the fast path: ${fastOnServer} on the server, ${fastOnClient} on the client`)
})

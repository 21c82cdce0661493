/**
 * The listeners over TLS, without a proxy in front: BTP as btp+wss, ILP over HTTP as https with ALPN offering h2
 * and http/1.1. The certificate is the self-signed test fixture for 127.0.0.1 and localhost
 * (test/fixtures/tls-localhost.*); the clients trust it through their `ca` option.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connect as connectHttp2 } from 'node:http2'
import { connect as connectTcp } from 'node:net'
import { once } from 'node:events'
import { contractPrepare, echoFulfill, runLinkContract } from './link-contract.js'
import { createTokenAuthenticator } from './tokens.js'
import { LinkError } from './types.js'
import { createBtpServer } from './btp/server.js'
import { createBtpClientLink } from './btp/client.js'
import { createHttpLink } from './http/link.js'
import { createHttpLinkServer } from './http/server.js'

const fixtures = new URL('../../../test/fixtures/', import.meta.url)
const cert = readFileSync(new URL('tls-localhost.crt', fixtures))
const key = readFileSync(new URL('tls-localhost.key', fixtures))
const TOKEN_A = 'token-of-a-at-b-0123456789abcdef0123456789abcdef'
const TOKEN_B = 'token-of-b-at-a-0123456789abcdef0123456789abcdef'

async function btpOverTls() {
  const server = await createBtpServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'alice', token: TOKEN_A }]), tls: { cert, key } })
  assert.match(server.url, /^wss:\/\//)
  const port = new URL(server.url).port
  const a = createBtpClientLink({ url: `btp+wss://alice:${TOKEN_A}@127.0.0.1:${port}/`, ca: cert, reconnectFirstMs: 10, reconnectMaxMs: 100 })
  await a.whenConnected()
  return {
    a,
    b: server.link('alice'),
    async close() {
      await a.close()
      await server.close()
    },
  }
}

/** Two HTTP listeners over TLS, peered both ways; `http2`: the links speak HTTP/2 (ALPN h2). */
async function httpOverTls(http2: boolean) {
  const serverA = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'b', token: TOKEN_B }]), tls: { cert, key } })
  const serverB = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'a', token: TOKEN_A }]), tls: { cert, key } })
  assert.match(serverA.url, /^https:\/\//)
  const a = createHttpLink({ accountId: 'b', url: `${serverB.url}/accounts/a/ilp`, outgoingToken: TOKEN_A, server: serverA, ca: cert, http2 })
  const b = createHttpLink({ accountId: 'a', url: `${serverA.url}/ilp`, outgoingToken: TOKEN_B, server: serverB, ca: cert, http2 })
  return {
    a,
    b,
    serverA,
    async close() {
      await Promise.all([a.close(), b.close()])
      await Promise.all([serverA.close(), serverB.close()])
    },
  }
}

runLinkContract('BTP over TLS (btp+wss listener)', () => btpOverTls())
runLinkContract('ILP over HTTP over TLS (https listener, HTTP/1.1)', () => httpOverTls(false))
runLinkContract('ILP over HTTP/2 over TLS (https listener, ALPN h2)', () => httpOverTls(true))

test('https listener: ALPN picks h2 or http/1.1; plain HTTP to it gets no answer and the listener keeps serving', async (t) => {
  const p = await httpOverTls(false)
  t.after(() => p.close())
  p.b.handle(async (prepare) => echoFulfill(prepare))
  const session = connectHttp2(p.serverA.url, { ca: cert })
  t.after(() => session.destroy())
  await once(session, 'connect')
  assert.equal(session.alpnProtocol, 'h2')
  session.destroy()

  const { port } = new URL(p.serverA.url)
  const plain = connectTcp(Number(port), '127.0.0.1')
  plain.on('error', () => {})
  plain.resume()
  await once(plain, 'connect')
  plain.write('POST /ilp HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')
  await once(plain, 'close')

  const insecure = createHttpLink({ accountId: 'b', url: p.serverA.url.replace('https:', 'http:') + '/ilp', outgoingToken: TOKEN_B })
  t.after(() => insecure.close())
  await assert.rejects(insecure.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')
  assert.equal((await p.a.send(contractPrepare())).type, 13, 'still serving over TLS')
})

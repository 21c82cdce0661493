/**
 * A node serving its BTP and HTTP listeners over TLS from `btp.tls` / `http.tls` (PEM files): peers reach it as
 * btp+wss:// and https://, packets are paid; files that are missing or do not match are config errors at start.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect as connectTls } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCliNode, writeConfig } from './cli-harness.js'
import { createNode } from '../src/node/node.js'
import { ConfigError, parseConfig } from '../src/node/config.js'
import { createBtpClientLink } from '../src/link/btp/client.js'
import { createHttpLink, IlpPacketType, isReject, type IlpPrepare } from '../src/index.js'

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url))
const CERT = fixture('tls-localhost.crt')
const KEY = fixture('tls-localhost.key')
const ca = readFileSync(CERT)
const BTP_TOKEN = 'btp-sender-token-0123456789abcdef0123456789'
const HTTP_TOKEN = 'http-sender-token-0123456789abcdef012345678'

const prepare = (destination: string, amount: bigint): IlpPrepare => ({
  type: IlpPacketType.Prepare,
  amount,
  expiresAt: new Date(Date.now() + 10_000),
  executionCondition: new Uint8Array(createHash('sha256').update(randomBytes(32)).digest()),
  destination,
  data: new Uint8Array(0),
})

test('a node with btp.tls and http.tls: reached over btp+wss and https (HTTP/1.1 and HTTP/2), one peer paying the other through it', async (t) => {
  const tls = { cert: CERT, key: KEY }
  const accounts = [
    { id: 'btp-peer', relation: 'child', min_balance: -1_000_000, btp: { incoming_token: BTP_TOKEN } },
    { id: 'http-peer', relation: 'child', min_balance: -1_000_000, http: { incoming_token: HTTP_TOKEN } },
  ]
  const node = createNode(
    parseConfig({ ilp_address: 'test.node', store: 'memory', log_level: 'silent', btp: { listen: '127.0.0.1:0', tls }, http: { listen: '127.0.0.1:0', tls }, accounts }),
  )
  await node.start()
  t.after(() => node.stop())
  const btpUrl = node.listenerUrl('btp')!
  const httpUrl = node.listenerUrl('http')!
  assert.match(btpUrl, /^wss:\/\//)
  assert.match(httpUrl, /^https:\/\//)

  // The BTP peer answers every Prepare: it is the receiver.
  const btpPeer = createBtpClientLink({ url: `btp+wss://btp-peer:${BTP_TOKEN}@${new URL(btpUrl).host}/`, ca })
  t.after(() => btpPeer.close())
  btpPeer.handle(async (p) => reject(p))
  await btpPeer.whenConnected()

  for (const http2 of [false, true]) {
    const sender = createHttpLink({ accountId: 'node', url: `${httpUrl}/accounts/http-peer/ilp`, outgoingToken: HTTP_TOKEN, ca, http2 })
    t.after(() => sender.close())
    const reply = await sender.send(prepare('test.node.btp-peer.x', 5n))
    assert.ok(isReject(reply) && reply.code === 'F99' && reply.triggeredBy === 'test.node.btp-peer', JSON.stringify(reply))
  }
  // Rejected by the receiver: nothing moved.
  for (const id of ['btp-peer', 'http-peer']) assert.equal(node.ledger.snapshot(id).balance, 0n, id)
})

/** The receiver's answer: a Reject it makes itself, so the test needs no fulfillment. */
function reject(_p: IlpPrepare) {
  return { type: IlpPacketType.Reject, code: 'F99', triggeredBy: 'test.node.btp-peer', message: 'received', data: new Uint8Array(0) } as const
}

test('tls config errors: a missing file, or a key that is not the certificate key, is named at parse time', () => {
  assert.throws(
    () => parseConfig({ http: { listen: '127.0.0.1:0', tls: { cert: '/nonexistent/cert.pem', key: KEY } } }),
    (err: unknown) => err instanceof ConfigError && /http\.tls\.cert: cannot read \/nonexistent\/cert\.pem/.test(err.message),
  )
  assert.throws(
    () => parseConfig({ btp: { listen: '127.0.0.1:0', tls: { cert: CERT, key: CERT } } }),
    (err: unknown) => err instanceof ConfigError && /btp\.tls: not a certificate chain and its private key/.test(err.message),
  )
  assert.throws(() => parseConfig({ http: { tls: { cert: CERT } } }), (err: unknown) => err instanceof ConfigError && /http\.tls\.key/.test(err.message))
})

/** The SHA-256 fingerprint of the certificate a TLS listener presents now. */
function fingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256)
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

test('ilp node: SIGHUP serves new connections with the certificate files as they are now; files that do not load keep the old certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-tls-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const certPath = join(dir, 'cert.pem')
  const keyPath = join(dir, 'key.pem')
  copyFileSync(CERT, certPath)
  copyFileSync(KEY, keyPath)
  const tls = { cert: certPath, key: keyPath }
  const config = writeConfig(dir, { ilp_address: 'test.tls', store: 'memory', btp: { listen: '127.0.0.1:0', tls }, http: { listen: '127.0.0.1:0', tls } })
  const node = await startCliNode(config)
  t.after(() => node.stop())
  const ports = ['btp', 'http'].map((name) => Number(new URL(new RegExp(`${name} listener: (\\S+)`).exec(node.stderr())![1]!).port))
  const first = await fingerprint(ports[0]!)
  assert.equal(await fingerprint(ports[1]!), first)

  copyFileSync(fixture('tls-localhost-2.crt'), certPath)
  copyFileSync(fixture('tls-localhost-2.key'), keyPath)
  node.child.kill('SIGHUP')
  let renewed = first
  for (let i = 0; i < 100 && renewed === first; i++) {
    await new Promise((r) => setTimeout(r, 20))
    renewed = await fingerprint(ports[1]!)
  }
  assert.notEqual(renewed, first, 'the renewed certificate is served')
  assert.equal(await fingerprint(ports[0]!), renewed, 'on both listeners')

  writeFileSync(keyPath, 'not a key')
  node.child.kill('SIGHUP')
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(await fingerprint(ports[1]!), renewed, 'a broken key file changes nothing')
  assert.equal(node.child.exitCode, null, 'the node keeps running')
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, startCliNode, writeConfig } from './cli-harness.js'
import { sendPrepare, startFulfillingPeer } from './node-harness.js'
import { isFulfill } from '../src/ilp/types.js'

const TOKEN = 'crash-test-admin-token-01'
const ALICE_TOKEN = 'alice-incoming-token'
/** Packets in flight at once while the node is killed. */
const SENDERS = 32
/** Fulfills to see before the kill: enough that many group commits happened. */
const FULFILLS_BEFORE_KILL = 400

test('kill -9 under load: every acknowledged packet is in the restored balances and the ledger verifies', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-crash-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const peer = await startFulfillingPeer()
  t.after(() => peer.close())
  const store = join(dir, 'node.sqlite')
  const configPath = writeConfig(dir, {
    ilp_address: 'test.crash',
    store: `sqlite:${store}`,
    log_level: 'silent',
    admin: { listen: '127.0.0.1:0', token: TOKEN },
    http: { listen: '127.0.0.1:0' },
    accounts: [
      { id: 'alice', relation: 'child', min_balance: '-1000000000', http: { incoming_token: ALICE_TOKEN } },
      { id: 'bob', relation: 'child', http: { url: peer.url } },
    ],
  })
  const node = await startCliNode(configPath)
  t.after(() => node.kill())

  let fulfilled = 0n
  let attempted = 0n
  let killed = false
  let resolveEnough: () => void
  const enough = new Promise<void>((resolve) => (resolveEnough = resolve))
  async function sender(): Promise<void> {
    while (!killed) {
      attempted += 1n
      try {
        const reply = await sendPrepare(node.httpUrl!, 'alice', ALICE_TOKEN, 'test.crash.bob', 1n)
        // A Fulfill reaches us only after its balance change is durable (money rule 5).
        if (isFulfill(reply)) fulfilled += 1n
        if (fulfilled >= BigInt(FULFILLS_BEFORE_KILL)) resolveEnough()
      } catch {
        if (!killed) throw new Error('the node failed before it was killed')
      }
    }
  }
  const senders = Array.from({ length: SENDERS }, () => sender())
  // A sender that fails before the kill ends the wait (and the test) instead of leaving it hanging.
  await Promise.race([enough, Promise.all(senders)])
  const acknowledged = fulfilled
  killed = true
  await node.kill()
  await Promise.all(senders)

  const verify = await runCli(['ledger', 'verify', '--store', `sqlite:${store}`])
  assert.equal(verify.code, 0, verify.stdout + verify.stderr)

  const restarted = await startCliNode(configPath)
  t.after(() => restarted.kill())
  const env = { ILP_ADMIN_URL: restarted.adminUrl, ILP_ADMIN_TOKEN: TOKEN }
  const alice = JSON.parse((await runCli(['balance', 'alice', '--json'], env)).stdout) as { balance: string }
  const bob = JSON.parse((await runCli(['balance', 'bob', '--json'], env)).stdout) as { balance: string }
  const paid = -BigInt(alice.balance)
  t.diagnostic(`acknowledged ${acknowledged}, committed ${paid}, attempted ${attempted}`)
  assert.ok(paid >= acknowledged, `every acknowledged packet survived: ${paid} committed, ${acknowledged} acknowledged`)
  assert.ok(paid <= attempted, `nothing committed that was never sent: ${paid} > ${attempted}`)
  assert.equal(BigInt(bob.balance), paid, 'conservation: what alice paid, bob is owed')
  assert.ok(BigInt(peer.received.length) >= paid, 'no packet committed that did not reach bob')
  assert.equal(await restarted.stop(), 0)
  assert.equal((await runCli(['ledger', 'verify', '--store', `sqlite:${store}`])).code, 0)
})

/**
 * SPSP and payments in a whole node: createNode with the spsp plugin (SPSP on the HTTP listener, payments on the
 * admin API), then the `ilp node`, `ilp pay` and `ilp receive` commands as processes.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from '../src/node/node.js'
import { spspNodePlugin } from '../src/spsp/node-plugin.js'
import { querySpsp } from '../src/spsp/client.js'
import { admin, testConfig } from './node-harness.js'
import { spawn } from 'node:child_process'
import { CLI, runCli, startCliNode, writeConfig, type CliResult } from './cli-harness.js'

/** A CLI process whose output can be waited on while it runs (for `ilp receive`, which runs until told). */
function watchCli(args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ILP_')))
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...base, ...env }, stdio: 'pipe' })
  let stdout = ''
  let stderr = ''
  const waiters: (() => void)[] = []
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    for (const w of waiters.splice(0)) w()
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))))
  return {
    done,
    printed: (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (pattern.test(stdout) ? resolve() : child.exitCode !== null ? reject(new Error(stdout + stderr)) : waiters.push(check))
        check()
      }),
  }
}

const ACCOUNTS = [
  { id: 'alice', relation: 'child', asset_code: 'USD', asset_scale: 9, min_balance: '-1000000000000' },
  { id: 'bob', relation: 'child', asset_code: 'EUR', asset_scale: 6 },
]

describe('a node with the spsp plugin', () => {
  test('serves SPSP on its HTTP listener, pays between local accounts over the admin API', async (t) => {
    const node = createNode(testConfig({ accounts: ACCOUNTS, rates: { USD: '1', EUR: '0.9234567' }, spsp: { default_account: 'bob' } }), {
      plugins: [spspNodePlugin({ defaultAccount: 'bob' })],
    })
    await node.start()
    t.after(() => node.stop())
    const http = node.listenerUrl('http')!
    const api = admin(node.adminUrl!)

    // SPSP: /bob and /.well-known/pay (default account) on the ILP-over-HTTP listener; unknown ids 404.
    const credentials = await querySpsp(`${http}/bob`)
    assert.match(credentials.destinationAccount, /^test\.router\.bob\./)
    assert.match((await querySpsp(`${http}/.well-known/pay`)).destinationAccount, /^test\.router\.bob\./)
    const missing = await fetch(`${http}/carol`, { headers: { accept: 'application/spsp4+json' } })
    assert.equal(missing.status, 404)
    assert.deepEqual(await missing.json(), { id: 'InvalidReceiverError', message: 'Invalid receiver ID' })
    assert.equal((await fetch(`${http}/accounts/alice/ilp`)).status, 405, 'other GETs still get the listener\'s 405')

    const receivers = await api('GET', '/receivers')
    assert.equal(receivers.status, 200)
    assert.deepEqual(receivers.body.map((r: { account: string }) => r.account), ['alice', 'bob'])
    assert.equal(receivers.body[1].spsp_url, `${http}/.well-known/pay`)

    const paid = await api('POST', '/accounts/alice/payments', { destination: `${http}/bob`, amount: '250000000' })
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    assert.equal(paid.body.status, 'completed', JSON.stringify(paid.body))
    assert.equal(paid.body.amount_sent, '250000000')
    const delivered = BigInt(paid.body.amount_delivered)
    assert.ok(delivered > 0n && delivered <= (250_000_000n * 9_234_567n) / 10_000_000n / 1000n)
    assert.equal((await api('GET', '/accounts/alice/balance')).body.balance, '-250000000')
    assert.equal((await api('GET', '/accounts/bob/balance')).body.balance, delivered.toString())
    assert.equal((await api('GET', '/receivers/bob')).body.amount_received, delivered.toString())

    // Refusals: bob cannot pay more than he holds; the payments route sits behind the admin token.
    const unfunded = await api('POST', '/accounts/bob/payments', { destination: `${http}/alice`, amount: (delivered + 1n).toString() })
    assert.equal(unfunded.status, 400)
    assert.match(unfunded.body.detail, /insufficient balance/)
    assert.equal((await admin(node.adminUrl!, null)('POST', '/accounts/alice/payments', { destination: `${http}/bob`, amount: '1' })).status, 401)
  })
})

describe('ilp pay and ilp receive', () => {
  test('pay from a local account of a running node; receive prints the pointer and counts', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ilp-pay-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const config = writeConfig(dir, {
      ilp_address: 'test.cli',
      store: 'memory',
      log_level: 'silent',
      admin: { listen: '127.0.0.1:0', token: 'cli-test-token-0123456789' },
      http: { listen: '127.0.0.1:0' },
      spsp: { default_account: 'bob' },
      accounts: [
        { id: 'alice', relation: 'child', min_balance: '-1000000' },
        { id: 'bob', relation: 'child' },
      ],
    })
    const node = await startCliNode(config)
    t.after(async () => void (await node.stop()))
    const env = { ILP_ADMIN_URL: node.adminUrl, ILP_ADMIN_TOKEN: 'cli-test-token-0123456789' }

    const once = await runCli(['receive', 'bob', '--once'], env)
    assert.equal(once.code, 0, once.stderr)
    assert.match(once.stdout, new RegExp(`SPSP URL\\s+${node.httpUrl}/.well-known/pay`))
    assert.match(once.stdout, /received so far\s+0/)

    const watcher = watchCli(['receive', '--until', '12345'], env)
    await watcher.printed(/received 0/)
    const paid = await runCli(['pay', `${node.httpUrl}/bob`, '12345', '--from', 'alice'], env)
    assert.equal(paid.code, 0, paid.stdout + paid.stderr)
    assert.match(paid.stdout, /Payment completed/)
    assert.match(paid.stdout, /sent\s+12345/)
    assert.match(paid.stdout, /delivered\s+12345/)
    const watched = await watcher.done
    assert.equal(watched.code, 0, watched.stderr)
    assert.match(watched.stdout, /received 12345/)

    const json = await runCli(['pay', `${node.httpUrl}/bob`, '100', '--from', 'alice', '--json', '--fixed-delivery'], env)
    assert.equal(json.code, 0, json.stderr)
    const result = JSON.parse(json.stdout)
    assert.equal(result.status, 'completed')
    assert.equal(result.fixed_delivery, true)
    // Fixed delivery: packets are sized at the probed rate, so exactly the amount arrives.
    assert.equal(result.amount_delivered, '100')
    assert.equal(result.amount_sent, result.amount_delivered, 'rate 1 on one asset')

    const failed = await runCli(['pay', `${node.httpUrl}/nobody`, '5', '--from', 'alice'], env)
    assert.equal(failed.code, 1)
    assert.match(failed.stdout, /FAILED: SPSP_RECEIVER_NOT_FOUND/)
    const refused = await runCli(['pay', `${node.httpUrl}/alice`, '20000', '--from', 'bob'], env)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /insufficient balance/)
    const bad = await runCli(['pay', `${node.httpUrl}/bob`, '1.5', '--from', 'alice'], env)
    assert.equal(bad.code, 2)
  })
})

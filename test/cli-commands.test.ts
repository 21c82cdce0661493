import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { closedPort, runCli, startCliNode, writeConfig } from './cli-harness.js'
import { sendPrepare, startFulfillingPeer } from './node-harness.js'
import { isFulfill } from '../src/ilp/types.js'
import { patchBody } from '../src/cli/accounts.js'
import { CliError } from '../src/cli/admin-client.js'

const TOKEN = 'cli-test-admin-token-0123'
const ALICE_TOKEN = 'alice-incoming-token'

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('ilp CLI against a running node', () => {
  test('accounts add/list/show/remove, balance, routes, and one-line errors', async (t) => {
    const dir = tempDir(t)
    const peer = await startFulfillingPeer()
    t.after(() => peer.close())
    const store = join(dir, 'node.sqlite')
    const node = await startCliNode(
      writeConfig(dir, {
        ilp_address: 'test.cli',
        store: `sqlite:${store}`,
        log_level: 'silent',
        admin: { listen: '127.0.0.1:0', token: TOKEN },
        http: { listen: '127.0.0.1:0' },
        accounts: [{ id: 'alice', relation: 'child', min_balance: -100000, http: { incoming_token: ALICE_TOKEN } }],
      }),
    )
    t.after(() => node.kill())
    const env = { ILP_ADMIN_URL: node.adminUrl, ILP_ADMIN_TOKEN: TOKEN }

    const added = await runCli(['accounts', 'add', 'bob', '--relation', 'child', '--max-balance', '5000', '--http-url', peer.url], env)
    assert.equal(added.code, 0, added.stderr)
    assert.equal(added.stdout, 'added account bob\n')

    const list = await runCli(['accounts', 'list'], env)
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, /^ID\s+RELATION\s+ASSET/)
    assert.match(list.stdout, /^alice\s+child\s+USD\/9/m)
    assert.match(list.stdout, /^bob\s+child\s+USD\/9/m)

    const show = await runCli(['accounts', 'show', 'bob', '--admin', node.adminUrl, '--token', TOKEN])
    assert.equal(show.code, 0, show.stderr)
    assert.deepEqual(JSON.parse(show.stdout), { id: 'bob', relation: 'child', asset_code: 'USD', asset_scale: 9, max_balance: '5000', http: { url: peer.url } })

    const update = await runCli(['accounts', 'update', 'bob', '--set', 'max_packet_amount=18446744073709551615', '--set', 'http.pipelining=4', '--set', 'max_balance=null'], env)
    assert.equal(update.code, 0, update.stderr)
    assert.equal(update.stdout, 'updated account bob\n')
    assert.deepEqual(JSON.parse((await runCli(['accounts', 'show', 'bob'], env)).stdout), {
      id: 'bob', relation: 'child', asset_code: 'USD', asset_scale: 9, max_packet_amount: '18446744073709551615', http: { url: peer.url, pipelining: 4 },
    })
    const updateJson = await runCli(['accounts', 'update', 'bob', '--set', 'max_balance=5000', '--json'], env)
    assert.equal(updateJson.code, 0, updateJson.stderr)
    assert.equal(JSON.parse(updateJson.stdout).max_balance, '5000')

    assert.ok(isFulfill(await sendPrepare(node.httpUrl!, 'alice', ALICE_TOKEN, 'test.cli.bob.x', 1234n)))
    const balance = await runCli(['balance', 'bob'], env)
    assert.equal(balance.code, 0, balance.stderr)
    assert.equal(balance.stdout, 'bob: balance 1234 (pending incoming 0, pending outgoing 0) USD scale 9\n')
    const json = await runCli(['balance', 'alice', '--json'], env)
    assert.equal(JSON.parse(json.stdout).balance, '-1234')

    const deposit = await runCli(['accounts', 'deposit', 'alice', '1000', '--memo', 'prefund'], env)
    assert.equal(deposit.code, 0, deposit.stderr)
    assert.equal(deposit.stdout, 'alice: balance -234\n')

    const setRoute = await runCli(['routes', 'set', 'test.elsewhere', 'bob'], env)
    assert.equal(setRoute.code, 0, setRoute.stderr)
    const routes = await runCli(['routes'], env)
    assert.equal(routes.code, 0, routes.stderr)
    assert.match(routes.stdout, /^test\.cli\.bob\s+bob\s+local$/m)
    assert.match(routes.stdout, /^test\.elsewhere\s+bob\s+static$/m)
    const setDefault = await runCli(['routes', 'set', 'default', 'bob'], env)
    assert.equal(setDefault.code, 0, setDefault.stderr)
    assert.equal(setDefault.stdout, 'default route -> bob\n')
    assert.match((await runCli(['routes'], env)).stdout, /^\(default\)\s+bob\s+static$/m)
    const removeDefault = await runCli(['routes', 'remove', 'default'], env)
    assert.equal(removeDefault.code, 0, removeDefault.stderr)
    assert.equal(removeDefault.stdout, 'removed default route\n')
    assert.doesNotMatch((await runCli(['routes'], env)).stdout, /^\(default\)/m)

    const status = await runCli(['status'], env)
    assert.equal(status.code, 0, status.stderr)
    assert.match(status.stdout, /^status:  ok\naddress: test\.cli  asset USD scale 9\nrates:   static, 0 s old\n/)
    assert.match(status.stdout, /^bob\s+http\s+up$/m)
    const setRates = await runCli(['rates', 'set', 'USD=1', 'EUR=0.92'], env)
    assert.equal(setRates.code, 0, setRates.stderr)
    assert.deepEqual(JSON.parse((await runCli(['rates'], env)).stdout).rates, { USD: '1', EUR: '0.92' })
    assert.match((await runCli(['rates', 'set', 'EUR'], env)).stderr, /^error: expected ASSET=RATE/)

    const removed = await runCli(['accounts', 'remove', 'bob'], env)
    assert.equal(removed.code, 0, removed.stderr)
    assert.doesNotMatch((await runCli(['accounts', 'list'], env)).stdout, /^bob/m)

    // Errors: one line on stderr, exit code 1.
    const port = await closedPort()
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['balance', 'nobody'], env, /^error: 404: no account "nobody"\n$/],
      [['accounts', 'add', 'x', '--max-balance', '1.5'], env, /^error: 400: max_balance: .*integer.*\n$/],
      [['accounts', 'update', 'alice', '--set', 'max_balance=1.5'], env, /^error: 400: max_balance: .*integer.*\n$/],
      [['accounts', 'update', 'alice', '--set', 'max_balance=5'], env, /^error: 409: account "alice" is defined in the config file; change it there\n$/],
      [['accounts', 'update', 'nobody', '--set', 'max_balance=5'], env, /^error: 404: no account "nobody"\n$/],
      [['accounts', 'update', 'alice'], env, /^error: nothing to change: pass --set KEY=VALUE/],
      [['routes', 'remove', 'default'], env, /^error: 404: no static default route\n$/],
      [['accounts', 'remove', 'alice'], env, /^error: 409: account "alice" is defined in the config file; change it there\n$/],
      [['accounts', 'list'], { ILP_ADMIN_URL: node.adminUrl, ILP_ADMIN_TOKEN: 'wrong-token-xxxxxxxx' }, /^error: 401: /],
      [['accounts', 'list'], { ILP_ADMIN_URL: node.adminUrl }, /^error: no admin token/],
      [['accounts', 'list'], { ILP_ADMIN_URL: `http://127.0.0.1:${port}`, ILP_ADMIN_TOKEN: TOKEN }, /^error: cannot reach the node's admin API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/],
    ]
    for (const [args, e, pattern] of cases) {
      const r = await runCli(args, e)
      assert.equal(r.code, 1, `ilp ${args.join(' ')}`)
      assert.match(r.stderr, pattern)
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line')
    }

    assert.equal(await node.stop(), 0, 'SIGTERM stops the node cleanly')
    const verify = await runCli(['ledger', 'verify', '--store', `sqlite:${store}`])
    assert.equal(verify.code, 0, verify.stderr)
    assert.match(verify.stdout, /^ok: .*: 2 journal entries sum to the balances of 2 accounts\n$/)
  })

  test('no config file: sqlite in ./data, a printed test address and admin token; env overrides apply', async (t) => {
    const dir = tempDir(t)
    const node = await startCliNode(undefined, { cwd: dir, env: { ILP_ADMIN__LISTEN: '127.0.0.1:0', ILP_LOG_LEVEL: 'silent', ILP_ASSET_CODE: 'EUR' } })
    t.after(() => node.kill())
    const address = /address: +(test\.node[0-9a-f]+)/.exec(node.stderr())?.[1]
    const token = /admin token \(random, this run only\): (\S+)/.exec(node.stderr())?.[1]
    assert.ok(address, node.stderr())
    assert.ok(token && token.length >= 32, node.stderr())
    assert.match(node.stderr(), /store: +sqlite:\.\/data\/ilp-node\.sqlite/)
    const status = await runCli(['status', '--json'], { ILP_ADMIN_URL: node.adminUrl, ILP_ADMIN_TOKEN: token })
    assert.equal(status.code, 0, status.stderr)
    const health = JSON.parse(status.stdout)
    assert.equal(health.address, address)
    assert.equal(health.asset_code, 'EUR', 'ILP_ASSET_CODE applied')
    assert.equal(await node.stop(), 0)
    const verify = await runCli(['ledger', 'verify', '--store', `sqlite:${join(dir, 'data', 'ilp-node.sqlite')}`])
    assert.equal(verify.code, 0, verify.stderr)
  })

  test('a port in use: the node exits 1 with one line instead of hanging half-started', async (t) => {
    const dir = tempDir(t)
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
    const { port } = blocker.address() as AddressInfo
    const config = writeConfig(dir, { store: 'memory', log_level: 'silent', admin: { listen: `127.0.0.1:${port}`, token: TOKEN }, http: { listen: '127.0.0.1:0' } })
    const r = await runCli(['node', '--config', config])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error: .*EADDRINUSE.*\n$/)
  })

  test('a bad config file is refused with the key named', async (t) => {
    const dir = tempDir(t)
    const r = await runCli(['node', '--config', writeConfig(dir, { store: 'memory', accounts: [{ id: 'a', max_balance: 1.5 }] })])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'error: invalid config: accounts[0].max_balance: 1.5 is not an integer amount\n')
  })
})

describe('ilp accounts update: --set KEY=VALUE', () => {
  /** The PATCH body as it goes over the wire. */
  const sent = (pairs: string[]) => JSON.parse(JSON.stringify(patchBody(pairs))) as unknown
  test('values are JSON where they parse, else text; numbers that are not safe integers stay text', () => {
    assert.deepEqual(
      sent(['max_packet_amount=1000', 'max_balance=18446744073709551615', 'min_balance=1.5', 'ilp_address=test.x', 'asset_code="7"', 'routes=["g.a","g.b"]', 'relation=null', 'routing.send_routes=false']),
      {
        max_packet_amount: 1000,
        max_balance: '18446744073709551615',
        min_balance: '1.5',
        ilp_address: 'test.x',
        asset_code: '7',
        routes: ['g.a', 'g.b'],
        relation: null,
        routing: { send_routes: false },
      },
    )
  })

  test('dotted keys build nested objects; the value may contain "=" and dots', () => {
    assert.deepEqual(sent(['http.url=http://h.example/ilp?a=b', 'http.pipelining=16', 'btp.incoming_token=a=b']), {
      http: { url: 'http://h.example/ilp?a=b', pipelining: 16 },
      btp: { incoming_token: 'a=b' },
    })
    assert.deepEqual(sent(['http={"url":"http://h.example/ilp"}']), { http: { url: 'http://h.example/ilp' } })
  })

  test('malformed or conflicting pairs are refused before any request', () => {
    for (const pairs of [[], ['max_balance'], ['=5'], ['http.=5'], ['.x=1'], ['a.b.c.d.e=1'], ['max_balance=1', 'max_balance=2'], ['http=null', 'http.url=x'], ['http.url=x', 'http=null']]) {
      assert.throws(() => patchBody(pairs), CliError, JSON.stringify(pairs))
    }
  })
})

describe('ilp ledger verify', () => {
  test('exit 1 naming the account when balances and journal disagree', async (t) => {
    const dir = tempDir(t)
    const store = join(dir, 'node.sqlite')
    const peer = await startFulfillingPeer()
    t.after(() => peer.close())
    const node = await startCliNode(
      writeConfig(dir, {
        ilp_address: 'test.v',
        store: `sqlite:${store}`,
        log_level: 'silent',
        admin: { listen: '127.0.0.1:0', token: TOKEN },
        http: { listen: '127.0.0.1:0' },
        accounts: [
          { id: 'alice', relation: 'child', min_balance: -100, http: { incoming_token: ALICE_TOKEN } },
          { id: 'bob', relation: 'child', http: { url: peer.url } },
        ],
      }),
    )
    t.after(() => node.kill())
    assert.ok(isFulfill(await sendPrepare(node.httpUrl!, 'alice', ALICE_TOKEN, 'test.v.bob', 40n)))
    await node.stop()
    assert.equal((await runCli(['ledger', 'verify', '--store', `sqlite:${store}`])).code, 0)

    const db = new Database(store)
    db.prepare("UPDATE balances SET balance = '41' WHERE account_id = 'bob'").run()
    db.close()
    const r = await runCli(['ledger', 'verify', '--store', `sqlite:${store}`])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /mismatch: account bob balance 41 but journal sums to 40/)
    assert.match(r.stderr, /^error: ledger .* does NOT match its journal \(1 accounts differ\)\n$/)

    const missing = await runCli(['ledger', 'verify', '--store', `sqlite:${join(dir, 'nope.sqlite')}`])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^error: no ledger file at /)
  })
})

/**
 * CCP route exchange between our nodes, over real BTP WebSockets, with no static route between them:
 *
 *   alice ─HTTP▶ C (test.c) ─BTP▶ B (test.b) ◀BTP─ A (test.a) ─HTTP▶ shop (static route test.shop on A)
 *
 * A, B and C are peers. C learns test.a and test.shop through B by CCP, and a paid packet follows them.
 * Removing accounts withdraws routes: A's `shop` (test.shop disappears from C), then B's `a` (test.a too).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, type IlpNode } from '../src/node/node.js'
import { ConfigError, loadConfig, parseConfig } from '../src/node/config.js'
import { isFulfill, isReject } from '../src/ilp/types.js'
import type { Account } from '../src/accounts/types.js'
import { createNodeRouting } from '../src/node/routing.js'
import { routeUpdatePrepare } from '../src/connector/ccp/packet.js'
import { nodeHarness, testAccount } from '../src/connector/testing.js'
import { ADMIN_TOKEN, admin, sendPrepare, startFulfillingPeer, testConfig } from './node-harness.js'
import { runCli } from './cli-harness.js'

const T = { a: 'a-btp-token-0123456789', c: 'c-btp-token-0123456789', alice: 'alice-http-token-0123' }
const CREDIT = -1_000_000

interface RouteJson {
  prefix: string
  next_hop: string
  source: string
  path?: string[]
}

async function startNode(raw: Record<string, unknown>): Promise<IlpNode> {
  const node = createNode(testConfig(raw))
  await node.start()
  return node
}

async function routes(node: IlpNode): Promise<RouteJson[]> {
  const response = await admin(node.adminUrl!)('GET', '/routes')
  assert.equal(response.status, 200)
  return response.body as RouteJson[]
}

/** Polls the node's GET /routes (CCP ticks once a second) until `check` holds; 15 s at most. */
async function untilRoutes(node: IlpNode, check: (list: RouteJson[]) => boolean, what: string): Promise<RouteJson[]> {
  let list = await routes(node)
  for (let i = 0; i < 150 && !check(list); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    list = await routes(node)
  }
  assert.ok(check(list), `${what}; routes now: ${JSON.stringify(list)}`)
  return list
}

const find = (list: RouteJson[], prefix: string, source = 'ccp') => list.find((r) => r.prefix === prefix && r.source === source)

function btpUrl(node: IlpNode, user: string, token: string): string {
  return node.listenerUrl('btp')!.replace(/^ws:\/\//, `btp+ws://${user}:${token}@`)
}

describe('CCP between our nodes', () => {
  test('routes are learned over BTP, a payment follows them, and removed accounts withdraw them', async (t) => {
    const shop = await startFulfillingPeer()
    t.after(() => shop.close())
    const b = await startNode({
      ilp_address: 'test.b',
      btp: { listen: '127.0.0.1:0' },
      accounts: [{ id: 'c', relation: 'peer', min_balance: CREDIT, btp: { incoming_token: T.c } }],
    })
    t.after(() => b.stop())
    // B's account for A is added at run time, so that removing it over the API is allowed.
    const added = await admin(b.adminUrl!)('POST', '/accounts', { id: 'a', relation: 'peer', min_balance: CREDIT, btp: { incoming_token: T.a } })
    assert.equal(added.status, 201, JSON.stringify(added.body))

    const a = await startNode({ ilp_address: 'test.a', accounts: [{ id: 'b', relation: 'peer', min_balance: CREDIT, btp: { url: btpUrl(b, 'a', T.a) } }] })
    t.after(() => a.stop())
    const shopAdded = await admin(a.adminUrl!)('POST', '/accounts', {
      id: 'shop',
      relation: 'peer',
      http: { url: shop.url },
      routes: ['test.shop'],
      // The shop is a plain receiver, not a connector: no route exchange with it.
      routing: { send_routes: false, receive_routes: false },
    })
    assert.equal(shopAdded.status, 201, JSON.stringify(shopAdded.body))
    const c = await startNode({
      ilp_address: 'test.c',
      accounts: [
        { id: 'b', relation: 'peer', min_balance: CREDIT, btp: { url: btpUrl(b, 'c', T.c) } },
        { id: 'alice', relation: 'child', min_balance: CREDIT, http: { incoming_token: T.alice } },
      ],
    })
    t.after(() => c.stop())

    // C learns A's address and A's static route through B, with the path they were advertised along.
    const learned = await untilRoutes(c, (l) => find(l, 'test.shop') !== undefined && find(l, 'test.a') !== undefined, 'C learns test.a and test.shop')
    assert.deepEqual(find(learned, 'test.shop'), { prefix: 'test.shop', next_hop: 'b', source: 'ccp', path: ['test.b', 'test.a'] })
    assert.deepEqual(find(learned, 'test.a'), { prefix: 'test.a', next_hop: 'b', source: 'ccp', path: ['test.b', 'test.a'] })
    assert.deepEqual(find(learned, 'test.b'), { prefix: 'test.b', next_hop: 'b', source: 'ccp', path: ['test.b'] })
    // And the other way: A learns C through B; B learns both directly.
    await untilRoutes(a, (l) => find(l, 'test.c')?.next_hop === 'b', 'A learns test.c')
    const atB = await untilRoutes(b, (l) => find(l, 'test.shop')?.next_hop === 'a' && find(l, 'test.c')?.next_hop === 'c', 'B learns both sides')
    assert.deepEqual(find(atB, 'test.shop')?.path, ['test.a'])
    assert.ok(!atB.some((r) => r.source === 'static'), 'no static route between the nodes')

    // GET /routing: C's table id, what it advertises, its CCP peers.
    const status = (await admin(c.adminUrl!)('GET', '/routing')).body
    assert.equal(status.broadcast, true)
    assert.match(status.routing_table_id, /^[0-9a-f-]{36}$/)
    assert.deepEqual(status.advertised.find((r: { prefix: string }) => r.prefix === 'test.c'), { prefix: 'test.c', path: ['test.c'] })
    assert.deepEqual(
      status.peers.map((p: Record<string, unknown>) => [p.account, p.send_routes, p.receive_routes, p.link_up]),
      [
        ['alice', false, false, false],
        ['b', true, true, true],
      ],
    )
    assert.ok(status.peers[1].routes_received >= 3)

    // `ilp routes` shows learned routes with their path.
    const cli = await runCli(['routes'], { ILP_ADMIN_URL: c.adminUrl!, ILP_ADMIN_TOKEN: ADMIN_TOKEN })
    assert.equal(cli.code, 0, cli.stderr)
    assert.match(cli.stdout, /^PREFIX\s+NEXT HOP\s+SOURCE\s+PATH$/m)
    assert.match(cli.stdout, /^test\.shop\s+b\s+ccp\s+test\.b test\.a$/m)

    // alice → C → B → A → shop, along learned routes only.
    const reply = await sendPrepare(c.listenerUrl('http')!, 'alice', T.alice, 'test.shop.order-1', 500n)
    assert.ok(isFulfill(reply), JSON.stringify(reply))
    assert.deepEqual(shop.received, [500n])
    assert.equal(b.ledger.snapshot('c').balance, -500n)
    assert.equal(b.ledger.snapshot('a').balance, 500n)
    assert.equal(a.ledger.snapshot('shop').balance, 500n)

    // A's shop goes: A withdraws test.shop, and B passes the withdrawal on to C.
    assert.equal((await admin(a.adminUrl!)('DELETE', '/accounts/shop')).status, 204)
    await untilRoutes(c, (l) => find(l, 'test.shop') === undefined, 'test.shop is withdrawn from C')
    assert.ok(find(await routes(c), 'test.a') !== undefined, 'the rest of what A advertised stays')
    const unreachable = await sendPrepare(c.listenerUrl('http')!, 'alice', T.alice, 'test.shop.order-2', 500n)
    assert.ok(isReject(unreachable))
    assert.deepEqual([unreachable.code, unreachable.triggeredBy], ['F02', 'test.c'])

    // B drops its account for A: every route learned from A goes, at B and then at C.
    assert.equal((await admin(b.adminUrl!)('DELETE', '/accounts/a')).status, 204)
    await untilRoutes(c, (l) => find(l, 'test.a') === undefined, 'test.a is withdrawn from C')
    assert.equal(find(await routes(b), 'test.a'), undefined)
    assert.ok(find(await routes(c), 'test.b') !== undefined, "B's own route stays")
    assert.ok((await a.ledger.verify()).ok && (await b.ledger.verify()).ok && (await c.ledger.verify()).ok)
  })

  test('with routing.broadcast off the node answers no route request and learns nothing', async (t) => {
    const b = await startNode({
      ilp_address: 'test.b',
      btp: { listen: '127.0.0.1:0' },
      routing: { broadcast: false },
      accounts: [{ id: 'c', relation: 'peer', btp: { incoming_token: T.c } }],
    })
    t.after(() => b.stop())
    const c = await startNode({ ilp_address: 'test.c', accounts: [{ id: 'b', relation: 'peer', btp: { url: btpUrl(b, 'c', T.c) } }] })
    t.after(() => c.stop())
    assert.equal(b.routing, undefined)
    assert.deepEqual((await admin(b.adminUrl!)('GET', '/routing')).body, { broadcast: false })
    assert.ok(c.routing !== undefined)
    // Once the link is up C asks for routes (and is refused); two ticks later neither side learned anything.
    for (let i = 0; i < 100 && c.connector.getLink('b')?.connected !== true; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(c.connector.getLink('b')?.connected, true)
    await new Promise((resolve) => setTimeout(resolve, 2_200))
    assert.deepEqual((await routes(b)).filter((r) => r.source === 'ccp'), [])
    assert.deepEqual((await routes(c)).filter((r) => r.source === 'ccp'), [])
  })
})

/** A route update from `speaker` announcing `prefixes` (epochs 0 to 1 of a fixed table). */
function update(speaker: string, prefixes: string[]) {
  return routeUpdatePrepare(
    {
      routingTableId: '3b0f5a6e-0f4e-4c4a-9c57-5b1e6b7d2a11',
      currentEpochIndex: 1,
      fromEpochIndex: 0,
      toEpochIndex: 1,
      holdDownTime: 45_000,
      speaker,
      newRoutes: prefixes.map((prefix) => ({ prefix, path: [speaker], auth: new Uint8Array(32), props: [] })),
      withdrawnRoutes: [],
    },
    Date.now(),
  )
}

/** createNodeRouting over a bare connector (address test.a) with these accounts, each announced to it. */
function routingOver(t: { after(fn: () => Promise<void>): void }, accounts: Account[]) {
  const h = nodeHarness({ address: 'test.a' })
  for (const account of accounts) h.connector.addAccount(account)
  const routing = createNodeRouting({
    config: parseConfig({ store: 'memory' }).routing,
    connector: h.connector,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: Date.now,
  })
  t.after(async () => {
    routing.close()
    await h.close()
  })
  for (const account of accounts) routing.accountChanged(account.id, account)
  return { connector: h.connector, routing }
}

describe('per-account routing settings', () => {
  test('receive_routes: false refuses updates; changing the account takes effect, other changes keep what was learned', async (t) => {
    const { connector, routing } = routingOver(t, [testAccount('p', { receiveRoutes: false })])
    const refused = await routing.service.handle(update('test.p', ['test.p']), { id: 'p' })
    assert.ok(isReject(refused) && refused.code === 'F00', JSON.stringify(refused))
    assert.equal(connector.routes.get('test.p'), undefined)
    routing.accountChanged('p', testAccount('p'))
    assert.ok(isFulfill(await routing.service.handle(update('test.p', ['test.p']), { id: 'p' })))
    assert.equal(connector.routes.get('test.p')?.source, 'ccp')
    routing.accountChanged('p', testAccount('p', { maxPacketAmount: 5n }))
    assert.equal(connector.routes.get('test.p')?.source, 'ccp', 'a change that is not about routing keeps the peer')
    routing.accountChanged('p', testAccount('p', { relation: 'child' }))
    assert.equal(connector.routes.get('test.p'), undefined, 'as a child it no longer teaches us routes')
    routing.accountChanged('p', undefined)
    assert.deepEqual(routing.status().peers, [])
  })
})

describe('learned routes into our own address space', () => {
  test('are refused unless the next hop is the child that owns that part', async (t) => {
    const { connector, routing } = routingOver(t, [testAccount('p'), testAccount('kid', { relation: 'child', receiveRoutes: true })])
    const fromPeer = await routing.service.handle(update('test.p', ['test.p', 'test.a', 'test.a.kid.x', 'test.a.other']), { id: 'p' })
    assert.ok(isFulfill(fromPeer))
    assert.equal(connector.routes.get('test.p')?.source, 'ccp')
    for (const prefix of ['test.a', 'test.a.kid.x', 'test.a.other']) assert.equal(connector.routes.find(prefix, 'ccp'), undefined, prefix)
    const fromKid = await routing.service.handle(update('test.a.kid', ['test.a.kid.x']), { id: 'kid' })
    assert.ok(isFulfill(fromKid))
    assert.equal(connector.routes.get('test.a.kid.x')?.nextHop, 'kid')
  })
})

describe('routing config', () => {
  test('defaults: broadcast on, ilp-connector timers, no fixed secret', () => {
    assert.deepEqual(parseConfig({ store: 'memory' }).routing, { broadcast: true, broadcastIntervalMs: 30_000, routeExpiryMs: 45_000 })
  })

  test('every key, and per-account send_routes / receive_routes (booleans or "true"/"false")', () => {
    const secret = Buffer.alloc(32, 9).toString('base64')
    const config = parseConfig({
      store: 'memory',
      routing: { broadcast: 'false', broadcast_interval_ms: 5_000, route_expiry_ms: 12_000, routing_secret: secret },
      accounts: [
        { id: 'kid', relation: 'child', routing: { send_routes: true, receive_routes: 'true' } },
        { id: 'up', relation: 'parent', routing: { receive_routes: false } },
        { id: 'p' },
      ],
    })
    assert.deepEqual(config.routing, { broadcast: false, broadcastIntervalMs: 5_000, routeExpiryMs: 12_000, routingSecret: secret })
    assert.deepEqual(
      config.accounts.map((x) => [x.sendRoutes, x.receiveRoutes]),
      [
        [true, true],
        [undefined, false],
        [undefined, undefined],
      ],
    )
  })

  test('environment overrides: ILP_ROUTING__BROADCAST=false, ILP_ACCOUNTS__0__ROUTING__SEND_ROUTES=true', () => {
    const config = loadConfig({
      env: { ILP_STORE: 'memory', ILP_ROUTING__BROADCAST: 'false', ILP_ACCOUNTS: '[{"id":"kid","relation":"child"}]', ILP_ACCOUNTS__0__ROUTING__SEND_ROUTES: 'true' },
    })
    assert.equal(config.routing.broadcast, false)
    assert.equal(config.accounts[0]!.sendRoutes, true)
  })

  test('bad values name their key', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ routing: { broadcast: 'yes' } }, /routing\.broadcast: expected true or false/],
      [{ routing: { broadcast_interval_ms: 10 } }, /routing\.broadcast_interval_ms/],
      [{ routing: { broadcast_interval_ms: 60_000 } }, /routing\.route_expiry_ms: must be longer than routing\.broadcast_interval_ms/],
      [{ routing: { routing_secret: 'c2hvcnQ=' } }, /routing\.routing_secret: expected 32 to 128 bytes/],
      [{ routing: { speak: true } }, /unknown key routing\.speak/],
      [{ accounts: [{ id: 'x', routing: { send_routes: 1 } }] }, /accounts\[0\]\.routing\.send_routes/],
    ]
    for (const [raw, message] of bad) assert.throws(() => parseConfig({ store: 'memory', ...raw }), (e: unknown) => e instanceof ConfigError && message.test(e.message))
  })
})

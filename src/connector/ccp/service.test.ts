/**
 * CCP services talking to each other over an in-memory "link" (every Prepare goes through the ILP codec),
 * each with the connector's real routing table, on an injected clock.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as CcpJs from 'ilp-protocol-ccp'
import { decodePrepare, encodeIlpPacket, encodePrepare } from '../../ilp/packet.js'
import { IlpPacketType, isReject, type IlpPrepare, type IlpReply } from '../../ilp/types.js'
import { createRoutingTable, type RoutingTable } from '../routing-table.js'
import { CCP_UPDATE_DESTINATION, decodeRouteUpdateRequest, routeUpdatePrepare } from './packet.js'
import { createCcpService, type CcpService } from './service.js'
import type { PeerRelation } from './routes.js'

interface TestNode {
  readonly self: { address: string }
  readonly routes: RoutingTable
  service: CcpService
  /** accountId → deliver a Prepare to that peer. */
  readonly links: Map<string, (prepare: IlpPrepare) => Promise<IlpReply>>
  readonly sent: { to: string; prepare: IlpPrepare }[]
}

function clock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => void (t += ms) }
}

function makeService(n: Omit<TestNode, 'service'>, now: () => number, tableId?: string): CcpService {
  return createCcpService({
    self: n.self,
    routes: n.routes,
    now,
    routingSecret: new Uint8Array(32).fill(1),
    ...(tableId !== undefined ? { routingTableId: tableId } : {}),
    send: (to, prepare) => {
      n.sent.push({ to, prepare })
      const deliver = n.links.get(to)
      return deliver === undefined ? Promise.reject(new Error(`no link to ${to}`)) : deliver(prepare)
    },
  })
}

function makeNode(address: string, now: () => number): TestNode {
  const partial = { self: { address }, routes: createRoutingTable(), links: new Map(), sent: [] }
  return Object.assign(partial, { service: makeService(partial, now) })
}

/** Peers `a` and `b`: `a` knows `b` as account `bId` with relation `bRelation`, and the other way round. */
function connect(a: TestNode, bId: string, bRelation: PeerRelation, b: TestNode, aId: string, aRelation: PeerRelation): void {
  a.service.addPeer({ id: bId, relation: bRelation })
  b.service.addPeer({ id: aId, relation: aRelation })
  a.links.set(bId, (p) => b.service.handle(decodePrepare(encodePrepare(p)), { id: aId }))
  b.links.set(aId, (p) => a.service.handle(decodePrepare(encodePrepare(p)), { id: bId }))
}

async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((resolve) => setImmediate(resolve))
}

async function run(nodes: TestNode[], c: { advance: (ms: number) => void }, rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    for (const n of nodes) n.service.tick()
    await settle()
    c.advance(200)
  }
}

describe('CCP route exchange between services', () => {
  test('two peers learn each other\'s address and routes; children under an address are covered by it', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    const b = makeNode('g.b', c.now)
    connect(a, 'b', 'peer', b, 'a', 'peer')
    a.routes.add({ prefix: 'g.x', nextHop: 'xacct', source: 'static' })
    a.routes.add({ prefix: 'g.a.kid', nextHop: 'kid', source: 'local' })
    await run([a, b], c)
    assert.deepEqual(b.routes.get('g.a'), { prefix: 'g.a', nextHop: 'a', source: 'ccp', path: ['g.a'] })
    assert.deepEqual(b.routes.get('g.x'), { prefix: 'g.x', nextHop: 'a', source: 'ccp', path: ['g.a'] })
    assert.equal(b.routes.get('g.a.kid'), undefined, 'the child is reached through g.a')
    assert.equal(b.routes.lookup('g.a.kid.bob')?.nextHop, 'a')
    assert.equal(a.routes.get('g.b')?.nextHop, 'b')
    assert.deepEqual(a.service.receivedRoutes('b').map((r) => r.prefix), ['g.b'], 'b does not send a its own routes back')
    for (const n of [a, b]) n.service.close()
  })

  test('a withdrawn route disappears from the peer', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    const b = makeNode('g.b', c.now)
    connect(a, 'b', 'peer', b, 'a', 'peer')
    a.routes.add({ prefix: 'g.x', nextHop: 'xacct', source: 'static' })
    await run([a, b], c)
    assert.equal(b.routes.get('g.x')?.nextHop, 'a')
    a.routes.remove('g.x', 'static')
    await run([a, b], c)
    assert.equal(b.routes.get('g.x'), undefined)
    assert.equal(b.routes.get('g.a')?.nextHop, 'a')
    for (const n of [a, b]) n.service.close()
  })

  test('peerLinkChanged: down drops what the peer taught us; up asks again at once, not at the 30 s retry', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    const b = makeNode('g.b', c.now)
    connect(a, 'b', 'peer', b, 'a', 'peer')
    b.routes.add({ prefix: 'g.x', nextHop: 'xacct', source: 'static' })
    // The link is not up yet: a's first control request fails and is retried only after CCP_CONTROL_RETRY_MS.
    const link = a.links.get('b')!
    a.links.delete('b')
    await run([a], c, 2)
    a.links.set('b', link)
    await run([a, b], c, 2)
    assert.equal(a.routes.get('g.x'), undefined, 'still waiting for the retry')
    a.service.peerLinkChanged('b', true)
    await run([a, b], c, 2)
    assert.equal(a.routes.get('g.x')?.nextHop, 'b')
    a.service.peerLinkChanged('b', false)
    assert.equal(a.routes.get('g.x'), undefined)
    assert.equal(a.routes.get('g.b'), undefined)
    a.service.peerLinkChanged('b', true)
    await run([a, b], c, 2)
    assert.equal(a.routes.get('g.x')?.nextHop, 'b', 'relearned from epoch 0')
    for (const n of [a, b]) n.service.close()
  })

  test('a chain A - B - C: routes travel with the path growing and auth hashed at each hop', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    const b = makeNode('g.b', c.now)
    const cc = makeNode('g.c', c.now)
    connect(a, 'b', 'peer', b, 'a', 'peer')
    connect(b, 'c', 'peer', cc, 'b', 'peer')
    await run([a, b, cc], c, 6)
    assert.deepEqual(cc.routes.get('g.a'), { prefix: 'g.a', nextHop: 'b', source: 'ccp', path: ['g.b', 'g.a'] })
    assert.deepEqual(a.routes.get('g.c'), { prefix: 'g.c', nextHop: 'b', source: 'ccp', path: ['g.b', 'g.c'] })
    const atB = b.service.receivedRoutes('a').find((r) => r.prefix === 'g.a')!
    const atC = cc.service.receivedRoutes('b').find((r) => r.prefix === 'g.a')!
    assert.notDeepEqual(atB.auth, atC.auth)
    for (const n of [a, b, cc]) n.service.close()
  })

  test('a parent gets only our own and our children\'s routes, not routes through other peers', async () => {
    const c = clock()
    const me = makeNode('g.me', c.now)
    const parent = makeNode('g.parent', c.now)
    const peer = makeNode('g.peer', c.now)
    connect(me, 'parent', 'parent', parent, 'me', 'child')
    connect(me, 'peer', 'peer', peer, 'me', 'peer')
    // the parent's side of a child link exchanges routes only if configured to
    parent.service.addPeer({ id: 'me', relation: 'child', sendRoutes: true, receiveRoutes: true })
    me.routes.add({ prefix: 'g.kid2', nextHop: 'kid2', source: 'static' })
    await run([me, parent, peer], c, 6)
    const atParent = parent.service.receivedRoutes('me').map((r) => r.prefix).sort()
    assert.deepEqual(atParent, ['g.kid2', 'g.me'])
    assert.ok(me.routes.get('g.peer'), 'me learned the peer route')
    assert.ok(peer.routes.get('g.parent'), 'the peer may use our parent route through us')
    for (const n of [me, parent, peer]) n.service.close()
  })

  test('heartbeats keep routes alive; silence past the hold-down expires them and asks again', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    const b = makeNode('g.b', c.now)
    connect(a, 'b', 'peer', b, 'a', 'peer')
    await run([a, b], c)
    for (let i = 0; i < 4; i++) {
      c.advance(30_000)
      await run([a, b], c, 1)
    }
    assert.equal(b.routes.get('g.a')?.nextHop, 'a', 'alive after 2 minutes of heartbeats')
    const controlsBefore = b.sent.filter((s) => s.prepare.destination === 'peer.route.control').length
    b.links.set('a', () => Promise.reject(new Error('down'))) // b can no longer reach a
    a.links.set('b', () => Promise.reject(new Error('down')))
    c.advance(46_000)
    await run([a, b], c, 1)
    assert.equal(b.routes.get('g.a'), undefined)
    assert.equal(b.service.receivedRoutes('a').length, 0)
    assert.ok(b.sent.filter((s) => s.prepare.destination === 'peer.route.control').length > controlsBefore)
    for (const n of [a, b]) n.service.close()
  })

  test('a receiver that lost its state (restart) sees a gap, refuses it and resyncs from epoch 0', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    const b = makeNode('g.b', c.now)
    connect(a, 'b', 'peer', b, 'a', 'peer')
    for (let i = 0; i < 60; i++) a.routes.add({ prefix: `g.r${i}`, nextHop: 'x', source: 'static' })
    await run([a, b], c, 6)
    assert.equal(b.service.receivedRoutes('a').length, 61)
    // b restarts: a fresh service (state lost) behind the same account; a still believes b is at its epoch
    b.service.close()
    const freshRoutes = createRoutingTable()
    const b2: TestNode = { self: b.self, routes: freshRoutes, links: b.links, sent: [], service: undefined as unknown as CcpService }
    b2.service = makeService(b2, c.now)
    b2.service.addPeer({ id: 'a', relation: 'peer' })
    a.links.set('b', (p) => b2.service.handle(decodePrepare(encodePrepare(p)), { id: 'a' }))
    const replies: IlpReply[] = []
    const deliver = a.links.get('b')!
    a.links.set('b', async (p) => {
      const reply = await deliver(p)
      replies.push(reply)
      return reply
    })
    a.routes.add({ prefix: 'g.late', nextHop: 'x', source: 'static' })
    c.advance(1000)
    await run([a, b2], c, 8)
    assert.ok(replies.some((r) => isReject(r) && r.code === 'F00' && r.message.includes('gap')), 'the gap was refused')
    assert.equal(b2.service.receivedRoutes('a').length, 62)
    assert.equal(freshRoutes.get('g.late')?.nextHop, 'a')
    for (const n of [a, b2]) n.service.close()
  })

  test('route churn past the log bound compacts it into a new table; the peer follows it', async () => {
    const c = clock()
    const a: TestNode = { self: { address: 'g.a' }, routes: createRoutingTable(), links: new Map(), sent: [], service: undefined as unknown as CcpService }
    a.service = createCcpService({ self: a.self, routes: a.routes, now: c.now, epochLogMax: 20, send: (to, p) => a.links.get(to)!(p) })
    const b = makeNode('g.b', c.now)
    connect(a, 'b', 'peer', b, 'a', 'peer')
    await run([a, b], c)
    const firstTable = a.service.routingTableId
    for (let i = 0; i < 30; i++) {
      a.routes.add({ prefix: 'g.flap', nextHop: 'x', source: 'static' })
      a.routes.remove('g.flap', 'static')
    }
    a.routes.add({ prefix: 'g.stays', nextHop: 'x', source: 'static' })
    await run([a, b], c, 6)
    assert.notEqual(a.service.routingTableId, firstTable)
    assert.ok(a.service.epoch <= 20)
    assert.deepEqual(b.service.receivedRoutes('a').map((r) => r.prefix).sort(), ['g.a', 'g.stays'])
    assert.equal(b.routes.get('g.flap'), undefined)
    for (const n of [a, b]) n.service.close()
  })

  test('peers that do not exchange routes, unknown accounts and malformed requests are refused', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    a.service.addPeer({ id: 'kid', relation: 'child' })
    const update = routeUpdatePrepare(
      { routingTableId: '55555555-5555-4555-8555-555555555555', currentEpochIndex: 0, fromEpochIndex: 0, toEpochIndex: 0, holdDownTime: 1, speaker: 'g.kid', newRoutes: [], withdrawnRoutes: [] },
      c.now(),
    )
    const fromKid = await a.service.handle(update, { id: 'kid' })
    assert.ok(isReject(fromKid) && fromKid.code === 'F00')
    const fromStranger = await a.service.handle(update, { id: 'nobody' })
    assert.ok(isReject(fromStranger) && fromStranger.code === 'F00')
    a.service.addPeer({ id: 'p', relation: 'peer' })
    const garbage = await a.service.handle({ ...update, data: new Uint8Array([1, 2, 3]) }, { id: 'p' })
    assert.ok(isReject(garbage) && garbage.code === 'F01')
    const expired = await a.service.handle({ ...update, expiresAt: new Date(c.now() - 1) }, { id: 'p' })
    assert.ok(isReject(expired) && expired.code === 'F01')
    const other = await a.service.handle({ ...update, destination: 'peer.route.other' }, { id: 'p' })
    assert.ok(isReject(other) && other.code === 'F02')
    a.service.close()
  })

  test('routes learned from two peers: the better one is used; when it goes, the other takes over', async () => {
    const c = clock()
    const me = makeNode('g.me', c.now)
    const near = makeNode('g.near', c.now)
    const far = makeNode('g.far', c.now)
    connect(me, 'near', 'peer', near, 'me', 'peer')
    connect(me, 'far', 'parent', far, 'me', 'child')
    far.service.addPeer({ id: 'me', relation: 'child', sendRoutes: true, receiveRoutes: true })
    near.routes.add({ prefix: 'g.dest', nextHop: 'd', source: 'static' })
    far.routes.add({ prefix: 'g.dest', nextHop: 'd', source: 'static' })
    await run([me, near, far], c, 6)
    assert.equal(me.routes.get('g.dest')?.nextHop, 'near', 'a peer beats a parent')
    me.service.removePeer('near')
    assert.equal(me.routes.get('g.dest')?.nextHop, 'far')
    for (const n of [me, near, far]) n.service.close()
  })
})

describe('CCP service bounds', () => {
  const update = (prefixes: string[], from: number, to: number, now: number): IlpPrepare =>
    routeUpdatePrepare(
      {
        routingTableId: '66666666-6666-4666-8666-666666666666',
        currentEpochIndex: to,
        fromEpochIndex: from,
        toEpochIndex: to,
        holdDownTime: 45_000,
        speaker: 'g.p',
        newRoutes: prefixes.map((prefix) => ({ prefix, path: ['g.p'], auth: new Uint8Array(32), props: [] })),
        withdrawnRoutes: [],
      },
      now,
    )

  test('a peer cannot hold more than routesPerPeerMax routes; known prefixes still update', async () => {
    const c = clock()
    const routes = createRoutingTable()
    const service = createCcpService({ self: { address: 'g.me' }, routes, now: c.now, send: () => Promise.reject(new Error('offline')), routesPerPeerMax: 3 })
    service.addPeer({ id: 'p', relation: 'peer' })
    await service.handle(update(['g.a', 'g.b', 'g.c', 'g.d', 'g.e'], 0, 1, c.now()), { id: 'p' })
    assert.equal(service.receivedRoutes('p').length, 3)
    await service.handle(update(['g.a', 'g.f'], 1, 2, c.now()), { id: 'p' })
    assert.deepEqual(service.receivedRoutes('p').map((r) => r.prefix).sort(), ['g.a', 'g.b', 'g.c'])
    service.close()
  })

  test('when the routing table refuses a learned route, nothing is half-installed', async () => {
    const c = clock()
    const table = createRoutingTable()
    const routes = Object.assign(Object.create(table) as RoutingTable, {
      add: (route: Parameters<RoutingTable['add']>[0]) => {
        if (route.prefix === 'g.full') throw new RangeError('routing table is full')
        table.add(route)
      },
    })
    const service = createCcpService({ self: { address: 'g.me' }, routes, now: c.now, send: () => Promise.reject(new Error('offline')) })
    service.addPeer({ id: 'p', relation: 'peer' })
    const reply = await service.handle(update(['g.full', 'g.ok'], 0, 1, c.now()), { id: 'p' })
    assert.equal(reply.type, IlpPacketType.Fulfill)
    assert.equal(table.get('g.full'), undefined)
    assert.equal(table.get('g.ok')?.nextHop, 'p')
    service.close()
  })
})

describe('CCP service vs ilp-protocol-ccp', () => {
  test('accepts an update serialized by ilp-protocol-ccp and installs its routes', async () => {
    const c = clock()
    const b = makeNode('g.b', c.now)
    b.service.addPeer({ id: 'js', relation: 'peer' })
    const bytes = CcpJs.serializeCcpRouteUpdateRequest({
      routingTableId: 'bffbf6ad-0ddc-4d3b-a1e5-b4f0537365bd',
      currentEpochIndex: 2,
      fromEpochIndex: 0,
      toEpochIndex: 2,
      holdDownTime: 45_000,
      speaker: 'g.js',
      newRoutes: [
        { prefix: 'g.js', path: ['g.js'], auth: Buffer.alloc(32, 9), props: [] },
        { prefix: 'g.b.loop', path: ['g.js', 'g.b'], auth: Buffer.alloc(32, 9), props: [] },
      ],
      withdrawnRoutes: [],
    })
    const reply = await b.service.handle(decodePrepare(new Uint8Array(bytes)), { id: 'js' })
    assert.equal(reply.type, IlpPacketType.Fulfill)
    assert.doesNotThrow(() => CcpJs.deserializeCcpResponse(Buffer.from(encodeIlpPacket(reply))))
    assert.deepEqual(b.routes.get('g.js'), { prefix: 'g.js', nextHop: 'js', source: 'ccp', path: ['g.js'] })
    assert.equal(b.routes.get('g.b.loop'), undefined, 'a path through us is a loop')
    b.service.close()
  })

  test('what our speaker sends, ilp-protocol-ccp reads', async () => {
    const c = clock()
    const a = makeNode('g.a', c.now)
    a.routes.add({ prefix: 'g.x', nextHop: 'xacct', source: 'static' })
    a.service.addPeer({ id: 'js', relation: 'peer' })
    const control = CcpJs.serializeCcpRouteControlRequest({ mode: CcpJs.Mode.MODE_SYNC, lastKnownRoutingTableId: '00000000-0000-0000-0000-000000000000', lastKnownEpoch: 0, features: [] })
    const answer = await a.service.handle(decodePrepare(new Uint8Array(control)), { id: 'js' })
    assert.equal(answer.type, IlpPacketType.Fulfill)
    a.links.set('js', () => Promise.resolve({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32), data: new Uint8Array(0) }))
    a.service.tick()
    await settle()
    const sent = a.sent.find((s) => s.prepare.destination === CCP_UPDATE_DESTINATION)
    assert.ok(sent)
    const js = CcpJs.deserializeCcpRouteUpdateRequest(Buffer.from(encodePrepare(sent.prepare)))
    assert.equal(js.routingTableId, a.service.routingTableId)
    assert.equal(js.speaker, 'g.a')
    assert.deepEqual(js.newRoutes.map((r) => [r.prefix, r.path]).sort(), [['g.a', ['g.a']], ['g.x', ['g.a']]])
    assert.deepEqual(decodeRouteUpdateRequest(sent.prepare.data).toEpochIndex, a.service.epoch)
    a.service.close()
  })
})

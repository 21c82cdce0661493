import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CcpMode, type CcpRoute, type CcpRouteUpdateRequest } from './packet.js'
import { UNKNOWN_ROUTING_TABLE_ID, applyUpdate, createReceiverState, decideUpdate, expire, isExpired, syncRequest } from './receiver.js'

const TABLE_A = '11111111-1111-4111-8111-111111111111'
const TABLE_B = '22222222-2222-4222-8222-222222222222'
const AUTH = new Uint8Array(32)

function route(prefix: string, path: string[] = ['g.peer']): CcpRoute {
  return { prefix, path, auth: AUTH, props: [] }
}

function update(over: Partial<CcpRouteUpdateRequest>): CcpRouteUpdateRequest {
  return {
    routingTableId: TABLE_A,
    currentEpochIndex: 0,
    fromEpochIndex: 0,
    toEpochIndex: 0,
    holdDownTime: 45_000,
    speaker: 'g.peer',
    newRoutes: [],
    withdrawnRoutes: [],
    ...over,
  }
}

const acceptAll = (): boolean => true

describe('CCP route receiver state machine', () => {
  test('starts unknown at epoch 0 and asks for SYNC from there', () => {
    const state = createReceiverState()
    assert.deepEqual(syncRequest(state), { mode: CcpMode.Sync, lastKnownRoutingTableId: UNKNOWN_ROUTING_TABLE_ID, lastKnownEpoch: 0, features: [] })
  })

  test('a first update from a new table resets to its table, applies its routes and moves the epoch', () => {
    const state = createReceiverState()
    const decision = decideUpdate(state, update({ toEpochIndex: 3, currentEpochIndex: 3, newRoutes: [route('g.a'), route('g.b')] }), 1000, acceptAll)
    assert.equal(decision.kind, 'apply')
    assert.deepEqual(applyUpdate(state, decision).sort(), ['g.a', 'g.b'])
    assert.equal(state.routingTableId, TABLE_A)
    assert.equal(state.epoch, 3)
    assert.equal(state.expiresAt, 46_000)
  })

  test('withdrawals delete, new routes replace, and the epoch follows toEpochIndex', () => {
    const state = createReceiverState()
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 2, newRoutes: [route('g.a'), route('g.b')] }), 0, acceptAll))
    const changed = applyUpdate(state, decideUpdate(state, update({ fromEpochIndex: 2, toEpochIndex: 4, newRoutes: [route('g.c')], withdrawnRoutes: ['g.a', 'g.zz'] }), 0, acceptAll))
    assert.deepEqual(changed.sort(), ['g.a', 'g.c'])
    assert.deepEqual([...state.routes.keys()].sort(), ['g.b', 'g.c'])
    assert.equal(state.epoch, 4)
  })

  test('an empty update is a heartbeat: epoch and expiry move, routes stay', () => {
    const state = createReceiverState()
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 2, newRoutes: [route('g.a')] }), 0, acceptAll))
    const changed = applyUpdate(state, decideUpdate(state, update({ fromEpochIndex: 2, toEpochIndex: 2, holdDownTime: 30_000 }), 40_000, acceptAll))
    assert.deepEqual(changed, [])
    assert.equal(state.routes.size, 1)
    assert.equal(state.expiresAt, 70_000)
  })

  test('a gap (fromEpochIndex beyond our epoch) applies nothing and asks to resync from our epoch', () => {
    const state = createReceiverState()
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 2, newRoutes: [route('g.a')] }), 0, acceptAll))
    const decision = decideUpdate(state, update({ fromEpochIndex: 5, toEpochIndex: 7, newRoutes: [route('g.b')] }), 1000, acceptAll)
    assert.equal(decision.kind, 'gap')
    assert.deepEqual(decision.kind === 'gap' && decision.control, { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE_A, lastKnownEpoch: 2, features: [] })
    assert.deepEqual(applyUpdate(state, decision), [])
    assert.deepEqual([...state.routes.keys()], ['g.a'])
    assert.equal(state.epoch, 2)
    assert.equal(state.expiresAt, 46_000, 'a gap still proves the peer is alive')
  })

  test('a stale update (toEpochIndex before our epoch) is ignored', () => {
    const state = createReceiverState()
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 5, newRoutes: [route('g.a')] }), 0, acceptAll))
    const decision = decideUpdate(state, update({ fromEpochIndex: 1, toEpochIndex: 3, withdrawnRoutes: ['g.a'] }), 0, acceptAll)
    assert.equal(decision.kind, 'stale')
    applyUpdate(state, decision)
    assert.deepEqual([...state.routes.keys()], ['g.a'])
    assert.equal(state.epoch, 5)
  })

  test('a new routing table id drops the old table and starts at epoch 0', () => {
    const state = createReceiverState()
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 9, newRoutes: [route('g.a'), route('g.b')] }), 0, acceptAll))
    const changed = applyUpdate(state, decideUpdate(state, update({ routingTableId: TABLE_B, toEpochIndex: 1, newRoutes: [route('g.b')] }), 0, acceptAll))
    assert.deepEqual(changed.sort(), ['g.a', 'g.b'])
    assert.deepEqual([...state.routes.keys()], ['g.b'])
    assert.equal(state.routingTableId, TABLE_B)
    assert.equal(state.epoch, 1)
  })

  test('a new table whose update does not start at 0 is a gap: resync from 0 of the new table', () => {
    const state = createReceiverState()
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 9, newRoutes: [route('g.a')] }), 0, acceptAll))
    const decision = decideUpdate(state, update({ routingTableId: TABLE_B, fromEpochIndex: 4, toEpochIndex: 6 }), 0, acceptAll)
    assert.equal(decision.kind, 'gap')
    assert.deepEqual(applyUpdate(state, decision), ['g.a'])
    assert.deepEqual(syncRequest(state), { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE_B, lastKnownEpoch: 0, features: [] })
  })

  test('routes the import filter refuses are treated as withdrawn', () => {
    const state = createReceiverState()
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 1, newRoutes: [route('g.a')] }), 0, acceptAll))
    const refuseA = (r: CcpRoute): boolean => r.prefix !== 'g.a'
    const changed = applyUpdate(state, decideUpdate(state, update({ fromEpochIndex: 1, toEpochIndex: 2, newRoutes: [route('g.a'), route('g.b')] }), 0, refuseA))
    assert.deepEqual(changed.sort(), ['g.a', 'g.b'])
    assert.deepEqual([...state.routes.keys()], ['g.b'])
  })

  test('hold-down expiry drops every route and returns to epoch 0 of the same table', () => {
    const state = createReceiverState()
    assert.equal(isExpired(state, 10 ** 12), false, 'never expired before the first update')
    applyUpdate(state, decideUpdate(state, update({ toEpochIndex: 3, holdDownTime: 1000, newRoutes: [route('g.a')] }), 0, acceptAll))
    assert.equal(isExpired(state, 1000), false)
    assert.equal(isExpired(state, 1001), true)
    assert.deepEqual(expire(state), ['g.a'])
    assert.deepEqual(syncRequest(state), { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE_A, lastKnownEpoch: 0, features: [] })
    assert.equal(isExpired(state, 10 ** 12), false)
  })
})

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CcpMode } from './packet.js'
import {
  CCP_MAX_EPOCHS_PER_UPDATE,
  SENDER_IDLE,
  buildUpdate,
  compactLog,
  createEpochLog,
  needsCompaction,
  currentEpoch,
  isUpdateDue,
  onControl,
  onResult,
  onSent,
  setAdvertised,
  type AdvertisedRoute,
  type SenderState,
  type UpdateContext,
} from './speaker.js'
import type { PeerRelation } from './routes.js'

const TABLE = '33333333-3333-4333-8333-333333333333'
const OTHER = '44444444-4444-4444-8444-444444444444'
const AUTH = new Uint8Array(32)
const TIMING = { broadcastIntervalMs: 30_000, minUpdateGapMs: 150 }

function adv(prefix: string, nextHop = '', path = ['g.me']): AdvertisedRoute {
  return { prefix, nextHop, path, auth: AUTH }
}

const relations: Record<string, PeerRelation> = { alice: 'peer', bob: 'parent', carol: 'child' }
const ctx: UpdateContext = { ownAddress: 'g.me', holdDownTimeMs: 45_000, relationOf: (id) => relations[id] }

describe('CCP epoch log', () => {
  test('each change of an advertised route is one epoch; no-op changes are not', () => {
    const log = createEpochLog(TABLE)
    assert.equal(setAdvertised(log, 'g.a', adv('g.a')), true)
    assert.equal(setAdvertised(log, 'g.a', adv('g.a')), false)
    assert.equal(setAdvertised(log, 'g.b', adv('g.b')), true)
    assert.equal(setAdvertised(log, 'g.zz', undefined), false, 'withdrawing what was never advertised')
    assert.equal(currentEpoch(log), 2)
  })

  test('a superseded entry is nulled, so an update spanning both carries only the latest', () => {
    const log = createEpochLog(TABLE)
    setAdvertised(log, 'g.a', adv('g.a'))
    setAdvertised(log, 'g.b', adv('g.b'))
    setAdvertised(log, 'g.a', undefined)
    assert.equal(log.entries[0], null)
    const u = buildUpdate(0, log, { id: 'alice', relation: 'peer' }, ctx)
    assert.deepEqual(u.newRoutes.map((r) => r.prefix), ['g.b'])
    assert.deepEqual(u.withdrawnRoutes, ['g.a'])
    assert.deepEqual([u.fromEpochIndex, u.toEpochIndex, u.currentEpochIndex], [0, 3, 3])
  })

  test('updates cover at most 50 epochs', () => {
    const log = createEpochLog(TABLE)
    for (let i = 0; i < 120; i++) setAdvertised(log, `g.p${i}`, adv(`g.p${i}`))
    const peer = { id: 'alice', relation: 'peer' as const }
    const first = buildUpdate(0, log, peer, ctx)
    assert.deepEqual([first.fromEpochIndex, first.toEpochIndex, first.newRoutes.length], [0, CCP_MAX_EPOCHS_PER_UPDATE, 50])
    const last = buildUpdate(100, log, peer, ctx)
    assert.deepEqual([last.fromEpochIndex, last.toEpochIndex, last.newRoutes.length, last.currentEpochIndex], [100, 120, 20, 120])
    const heartbeat = buildUpdate(120, log, peer, ctx)
    assert.deepEqual([heartbeat.fromEpochIndex, heartbeat.toEpochIndex, heartbeat.newRoutes.length], [120, 120, 0])
    assert.equal(heartbeat.holdDownTime, 45_000)
    assert.equal(heartbeat.speaker, 'g.me')
    assert.equal(heartbeat.routingTableId, TABLE)
  })

  test('export filter: a peer never gets its own routes back; a parent gets no peer or parent routes', () => {
    const log = createEpochLog(TABLE)
    setAdvertised(log, 'g.me', adv('g.me'))
    setAdvertised(log, 'g.alice', adv('g.alice', 'alice', ['g.me', 'g.alice']))
    setAdvertised(log, 'g.bob', adv('g.bob', 'bob', ['g.me', 'g.bob']))
    setAdvertised(log, 'g.carol', adv('g.carol', 'carol', ['g.me', 'g.carol']))
    const toAlice = buildUpdate(0, log, { id: 'alice', relation: 'peer' }, ctx)
    assert.deepEqual(toAlice.newRoutes.map((r) => r.prefix), ['g.me', 'g.bob', 'g.carol'])
    assert.deepEqual(toAlice.withdrawnRoutes, ['g.alice'])
    const toBob = buildUpdate(0, log, { id: 'bob', relation: 'parent' }, ctx)
    assert.deepEqual(toBob.newRoutes.map((r) => r.prefix), ['g.me', 'g.carol'])
    assert.deepEqual(toBob.withdrawnRoutes, ['g.alice', 'g.bob'])
  })
})

describe('CCP epoch log compaction', () => {
  test('is needed only past the bound and when most entries are superseded', () => {
    const log = createEpochLog(TABLE)
    for (let i = 0; i < 4; i++) setAdvertised(log, `g.p${i}`, adv(`g.p${i}`))
    assert.equal(needsCompaction(log, 3), false, 'all live')
    for (let i = 0; i < 6; i++) setAdvertised(log, 'g.p0', adv('g.p0', '', ['g.me', `g.v${i}`]))
    assert.equal(needsCompaction(log, 3), true)
    assert.equal(needsCompaction(log, 100), false)
  })

  test('keeps exactly the live routes, one epoch each, under the new table id', () => {
    const log = createEpochLog(TABLE)
    setAdvertised(log, 'g.a', adv('g.a'))
    setAdvertised(log, 'g.b', adv('g.b'))
    setAdvertised(log, 'g.a', adv('g.a', '', ['g.me', 'g.x']))
    setAdvertised(log, 'g.b', undefined)
    const next = compactLog(log, OTHER)
    assert.equal(next.routingTableId, OTHER)
    assert.equal(currentEpoch(next), 1)
    const u = buildUpdate(0, next, { id: 'alice', relation: 'peer' }, ctx)
    assert.deepEqual(u.newRoutes.map((r) => [r.prefix, r.path]), [['g.a', ['g.me', 'g.x']]])
    assert.deepEqual(u.withdrawnRoutes, [])
  })
})

describe('CCP sender state machine', () => {
  const log = createEpochLog(TABLE)
  for (let i = 0; i < 10; i++) setAdvertised(log, `g.p${i}`, adv(`g.p${i}`))

  test('IDLE until a SYNC control request; IDLE again on an IDLE request', () => {
    assert.equal(isUpdateDue(SENDER_IDLE, log, 10 ** 9, TIMING), false)
    const sync = onControl(SENDER_IDLE, { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 4, features: [] }, log)
    assert.deepEqual(sync.mode === 'sync' && sync.lastKnownEpoch, 4)
    assert.equal(onControl(sync, { mode: CcpMode.Idle, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 4, features: [] }, log).mode, 'idle')
  })

  test('another table id (or an epoch from the future) restarts the peer from what it can have', () => {
    const other = onControl(SENDER_IDLE, { mode: CcpMode.Sync, lastKnownRoutingTableId: OTHER, lastKnownEpoch: 7, features: [] }, log)
    assert.equal(other.mode === 'sync' && other.lastKnownEpoch, 0)
    const future = onControl(SENDER_IDLE, { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 99, features: [] }, log)
    assert.equal(future.mode === 'sync' && future.lastKnownEpoch, 10)
  })

  test('due at once when behind (after the minimum gap), else only for the heartbeat', () => {
    let s: SenderState = onControl(SENDER_IDLE, { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 0, features: [] }, log)
    assert.equal(isUpdateDue(s, log, 1000, TIMING), true)
    const u = buildUpdate(0, log, { id: 'alice', relation: 'peer' }, ctx)
    s = onSent(s, u, 1000)
    assert.equal(isUpdateDue(s, log, 100_000, TIMING), false, 'nothing while an update is in flight')
    s = onResult(s, u, true, 1010, 30_000)
    assert.equal(s.mode === 'sync' && s.lastKnownEpoch, 10)
    assert.equal(isUpdateDue(s, log, 1100, TIMING), false, 'up to date')
    assert.equal(isUpdateDue(s, log, 31_000, TIMING), true, 'heartbeat')
    setAdvertised(log, 'g.new', adv('g.new'))
    assert.equal(isUpdateDue(s, log, 1100, TIMING), false, 'behind, but within the minimum gap')
    assert.equal(isUpdateDue(s, log, 1150, TIMING), true, 'behind, after the minimum gap')
  })

  test('a failed update rolls the epoch back and waits before retrying', () => {
    let s: SenderState = onControl(SENDER_IDLE, { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 2, features: [] }, log)
    const u = buildUpdate(2, log, { id: 'alice', relation: 'peer' }, ctx)
    s = onSent(s, u, 5000)
    assert.equal(s.mode === 'sync' && s.lastKnownEpoch, u.toEpochIndex)
    s = onResult(s, u, false, 5100, 30_000)
    assert.equal(s.mode === 'sync' && s.lastKnownEpoch, 2)
    assert.equal(isUpdateDue(s, log, 35_099, TIMING), false)
    assert.equal(isUpdateDue(s, log, 35_100, TIMING), true)
  })

  test('a control request while an update is in flight wins over its rollback', () => {
    let s: SenderState = onControl(SENDER_IDLE, { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 2, features: [] }, log)
    const u = buildUpdate(2, log, { id: 'alice', relation: 'peer' }, ctx)
    s = onSent(s, u, 0)
    s = onControl(s, { mode: CcpMode.Sync, lastKnownRoutingTableId: TABLE, lastKnownEpoch: 5, features: [] }, log)
    s = onResult(s, u, false, 10, 30_000)
    assert.equal(s.mode === 'sync' && s.lastKnownEpoch, 5)
  })
})

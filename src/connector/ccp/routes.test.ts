import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import type { CcpRoute } from './packet.js'
import { acceptRoute, bestCandidate, forwardAuth, isExportable, mayAdvertiseTo, originAuth, type Candidate } from './routes.js'

const AUTH = new Uint8Array(32)
const route = (prefix: string, path: string[] = []): CcpRoute => ({ prefix, path, auth: AUTH, props: [] })

describe('CCP route policy (ilp-connector)', () => {
  test('import filter: our network only, longer than the scheme, no loops through us', () => {
    assert.equal(acceptRoute(route('g.a', ['g.peer']), 'g.me'), true)
    assert.equal(acceptRoute(route('g', ['g.peer']), 'g.me'), false, 'the bare global prefix')
    assert.equal(acceptRoute(route('', ['g.peer']), 'g.me'), false, 'the default route')
    assert.equal(acceptRoute(route('test.a', ['g.peer']), 'g.me'), false, 'another network')
    assert.equal(acceptRoute(route('g.a..b', ['g.peer']), 'g.me'), false, 'not an address')
    assert.equal(acceptRoute(route('g.a', ['g.peer', 'g.me', 'g.x']), 'g.me'), false, 'a loop')
    assert.equal(acceptRoute(route('g.a', ['g.peer']), ''), false, 'no address yet')
  })

  test('best route: child > peer > parent, then shorter path, then lower account id', () => {
    const c = (peerId: string, relation: Candidate['relation'], hops: number): Candidate => ({ peerId, relation, route: route('g.x', Array(hops).fill('g.h')) })
    assert.equal(bestCandidate([c('p', 'parent', 1), c('q', 'peer', 3)])?.peerId, 'q')
    assert.equal(bestCandidate([c('q', 'peer', 3), c('k', 'child', 5)])?.peerId, 'k')
    assert.equal(bestCandidate([c('q', 'peer', 3), c('r', 'peer', 2)])?.peerId, 'r')
    assert.equal(bestCandidate([c('z', 'peer', 2), c('a', 'peer', 2), c('m', 'peer', 2)])?.peerId, 'a')
    assert.equal(bestCandidate([]), undefined)
  })

  test('export: not the default route, not other networks, not under our own address (except itself)', () => {
    assert.equal(isExportable('g.a', 'g.me'), true)
    assert.equal(isExportable('g.me', 'g.me'), true)
    assert.equal(isExportable('g.me.child', 'g.me'), false)
    assert.equal(isExportable('g.mex', 'g.me'), true)
    assert.equal(isExportable('', 'g.me'), false)
    assert.equal(isExportable('test.a', 'g.me'), false)
    assert.equal(isExportable('g.a', ''), false)
  })

  test('per-peer export: not back to the next hop; no transit routes to a parent', () => {
    assert.equal(mayAdvertiseTo({ id: 'a', relation: 'peer' }, 'a', 'peer'), false)
    assert.equal(mayAdvertiseTo({ id: 'a', relation: 'peer' }, 'b', 'parent'), true)
    assert.equal(mayAdvertiseTo({ id: 'p', relation: 'parent' }, 'b', 'peer'), false)
    assert.equal(mayAdvertiseTo({ id: 'p', relation: 'parent' }, 'b', 'parent'), false)
    assert.equal(mayAdvertiseTo({ id: 'p', relation: 'parent' }, 'c', 'child'), true)
    assert.equal(mayAdvertiseTo({ id: 'p', relation: 'parent' }, '', undefined), true)
  })

  test('auth: HMAC-SHA256(secret, prefix) for our routes, SHA-256(auth) for routes we pass on', () => {
    const secret = new Uint8Array(32).fill(7)
    assert.deepEqual(Buffer.from(originAuth(secret, 'g.me')), createHmac('sha256', secret).update('g.me').digest())
    assert.deepEqual(Buffer.from(forwardAuth(AUTH)), createHash('sha256').update(AUTH).digest())
  })
})

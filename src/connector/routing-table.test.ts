import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRoutingTable, type RouteChange } from './routing-table.js'

describe('routing table', () => {
  test('longest prefix wins, on whole segments only', () => {
    const t = createRoutingTable()
    t.add({ prefix: 'g.a', nextHop: 'a', source: 'static' })
    t.add({ prefix: 'g.a.b', nextHop: 'ab', source: 'static' })
    t.add({ prefix: 'g', nextHop: 'g', source: 'static' })
    assert.equal(t.lookup('g.a.b.c')?.nextHop, 'ab')
    assert.equal(t.lookup('g.a.b')?.nextHop, 'ab')
    assert.equal(t.lookup('g.a.bc')?.nextHop, 'a')
    assert.equal(t.lookup('g.ab')?.nextHop, 'g')
    assert.equal(t.lookup('test.x'), undefined)
  })

  test('the default route covers everything else', () => {
    const t = createRoutingTable()
    t.add({ prefix: '', nextHop: 'parent', source: 'local' })
    t.add({ prefix: 'test.me.child', nextHop: 'child', source: 'local' })
    assert.equal(t.lookup('test.me.child.stream.1')?.nextHop, 'child')
    assert.equal(t.lookup('test.elsewhere')?.nextHop, 'parent')
  })

  test('a bare scheme prefix matches only that scheme', () => {
    const t = createRoutingTable()
    t.add({ prefix: 'test', nextHop: 't', source: 'static' })
    assert.equal(t.lookup('test.x.y')?.nextHop, 't')
    assert.equal(t.lookup('test1.x'), undefined)
  })

  test('static beats local beats ccp for the same prefix; removing falls back', () => {
    const t = createRoutingTable()
    t.add({ prefix: 'g.x', nextHop: 'learned', source: 'ccp', path: ['g.peer'] })
    t.add({ prefix: 'g.x', nextHop: 'configured', source: 'static' })
    t.add({ prefix: 'g.x', nextHop: 'mine', source: 'local' })
    assert.equal(t.lookup('g.x.y')?.nextHop, 'configured')
    assert.equal(t.size, 3)
    assert.equal(t.remove('g.x', 'static'), true)
    assert.equal(t.lookup('g.x.y')?.nextHop, 'mine')
    assert.equal(t.remove('g.x', 'local'), true)
    assert.deepEqual(t.get('g.x'), { prefix: 'g.x', nextHop: 'learned', source: 'ccp', path: ['g.peer'] })
    assert.equal(t.remove('g.x', 'local'), false)
  })

  test('adding the same source again replaces its route', () => {
    const t = createRoutingTable()
    t.add({ prefix: 'g.x', nextHop: 'one', source: 'ccp' })
    t.add({ prefix: 'g.x', nextHop: 'two', source: 'ccp' })
    assert.equal(t.size, 1)
    assert.equal(t.lookup('g.x')?.nextHop, 'two')
  })

  test('removeNextHop drops every route through an account, optionally of one source', () => {
    const t = createRoutingTable()
    t.add({ prefix: 'g.a', nextHop: 'p', source: 'static' })
    t.add({ prefix: 'g.b', nextHop: 'p', source: 'ccp' })
    t.add({ prefix: 'g.c', nextHop: 'q', source: 'ccp' })
    assert.equal(t.removeNextHop('p', 'ccp'), 1)
    assert.equal(t.lookup('g.b'), undefined)
    assert.equal(t.removeNextHop('p'), 1)
    assert.deepEqual(
      t.list().map((r) => r.prefix),
      ['g.c'],
    )
  })

  test('onChange reports only changes of the route in use', () => {
    const t = createRoutingTable()
    const changes: RouteChange[] = []
    const off = t.onChange((c) => changes.push(c))
    t.add({ prefix: 'g.x', nextHop: 'a', source: 'static' })
    t.add({ prefix: 'g.x', nextHop: 'b', source: 'ccp' }) // shadowed: no change in use
    t.remove('g.x', 'static') // ccp route takes over
    t.remove('g.x', 'ccp')
    off()
    t.add({ prefix: 'g.y', nextHop: 'a', source: 'static' })
    assert.deepEqual(
      changes.map((c) => (c.kind === 'set' ? `set ${c.prefix} ${c.route.nextHop}` : `deleted ${c.prefix}`)),
      ['set g.x a', 'set g.x b', 'deleted g.x'],
    )
  })

  test('list is sorted and best shows one route per prefix; routes are frozen', () => {
    const t = createRoutingTable()
    t.add({ prefix: 'g.b', nextHop: 'x', source: 'ccp' })
    t.add({ prefix: 'g.a', nextHop: 'y', source: 'ccp' })
    t.add({ prefix: 'g.a', nextHop: 'z', source: 'static' })
    assert.deepEqual(
      t.list().map((r) => `${r.prefix}:${r.nextHop}`),
      ['g.a:z', 'g.a:y', 'g.b:x'],
    )
    assert.deepEqual(
      t.best().map((r) => `${r.prefix}:${r.nextHop}`),
      ['g.a:z', 'g.b:x'],
    )
    assert.ok(Object.isFrozen(t.get('g.a')))
  })

  test('refuses invalid prefixes', () => {
    const t = createRoutingTable()
    assert.throws(() => t.add({ prefix: 'g.', nextHop: 'a', source: 'static' }), RangeError)
    assert.throws(() => t.add({ prefix: 'nope.x', nextHop: 'a', source: 'static' }), RangeError)
    assert.throws(() => t.add({ prefix: 'g..a', nextHop: 'a', source: 'static' }), RangeError)
  })

  test('lookup still works after the longest prefix is removed', () => {
    const t = createRoutingTable()
    t.add({ prefix: 'g.a', nextHop: 'a', source: 'static' })
    t.add({ prefix: 'g.a.very.long.prefix', nextHop: 'long', source: 'static' })
    t.remove('g.a.very.long.prefix', 'static')
    assert.equal(t.lookup('g.a.very.long.prefix.x')?.nextHop, 'a')
  })
})

describe('routing table: the repeated lookup', () => {
  test('a destination looked up again sees every change to the table in between', () => {
    const t = createRoutingTable()
    const destination = 'g.a.b.c'
    assert.equal(t.lookup(destination), undefined)
    t.add({ prefix: 'g', nextHop: 'g', source: 'static' })
    assert.equal(t.lookup(destination)?.nextHop, 'g')
    t.add({ prefix: 'g.a.b', nextHop: 'ab', source: 'ccp' })
    assert.equal(t.lookup(destination)?.nextHop, 'ab')
    t.add({ prefix: 'g.a.b', nextHop: 'ab-static', source: 'static' })
    assert.equal(t.lookup(destination)?.nextHop, 'ab-static', 'a better source for the same prefix')
    t.add({ prefix: 'g.a.b', nextHop: 'ab-static-2', source: 'static' })
    assert.equal(t.lookup(destination)?.nextHop, 'ab-static-2', 'the same source replaced')
    t.remove('g.a.b', 'static')
    assert.equal(t.lookup(destination)?.nextHop, 'ab')
    t.removeNextHop('ab')
    assert.equal(t.lookup(destination)?.nextHop, 'g')
    assert.equal(t.lookup('g.x')?.nextHop, 'g')
    assert.equal(t.lookup(destination)?.nextHop, 'g', 'after another destination in between')
  })
})

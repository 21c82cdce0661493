/**
 * The wiring of README.md, exactly: two real connectors joined by a loopback link pair, each with a CCP
 * service. Routes are learned over the pipeline's `peer.route` handler, then a paid packet follows them.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { isFulfill } from '../../ilp/types.js'
import type { Connector } from '../connector.js'
import { fulfillingReceiver, newSecret, nodeHarness, testAccount, testPrepare } from '../testing.js'
import { createLoopbackLinkPair } from '../../link/loopback.js'
import { createCcpService, type CcpService } from './service.js'

function wire(connector: Connector): CcpService {
  const ccp = createCcpService({
    self: {
      get address() {
        return connector.address ?? ''
      },
    },
    routes: connector.routes,
    send: (id, prepare) => connector.getLink(id)?.send(prepare) ?? Promise.reject(new Error(`no link to ${id}`)),
  })
  connector.setPeerHandler('peer.route', ccp.handle)
  for (const account of connector.accounts()) ccp.addPeer({ id: account.id, relation: account.relation })
  return ccp
}

async function settle(): Promise<void> {
  for (let i = 0; i < 40; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('CCP wired into two connectors', () => {
  test('B learns A\'s routes over the peer link and forwards a payment along them', async (t) => {
    const a = nodeHarness({ address: 'test.a' })
    const b = nodeHarness({ address: 'test.b' })
    const [atA, atB] = createLoopbackLinkPair()
    a.connector.addAccount(testAccount('b'), atA)
    b.connector.addAccount(testAccount('a'), atB)
    const secret = newSecret()
    const receiver = a.connect(testAccount('x', { routes: ['test.x'] }))
    fulfillingReceiver(receiver, [secret], 'test.x')
    b.connector.addAccount(testAccount('sender', { relation: 'child' }))
    const ccpA = wire(a.connector)
    const ccpB = wire(b.connector)
    t.after(async () => {
      ccpA.close()
      ccpB.close()
      await a.close()
      await b.close()
    })

    assert.equal(b.connector.routes.lookup('test.x.bob'), undefined)
    for (let i = 0; i < 3; i++) {
      ccpA.tick()
      ccpB.tick()
      await settle()
    }
    assert.deepEqual(b.connector.routes.get('test.x'), { prefix: 'test.x', nextHop: 'a', source: 'ccp', path: ['test.a'] })
    assert.equal(b.connector.routes.get('test.a')?.nextHop, 'a')
    assert.equal(a.connector.routes.get('test.b')?.nextHop, 'b')

    const reply = await b.connector.handleIncoming('sender', testPrepare({ destination: 'test.x.bob' }, secret))
    assert.ok(isFulfill(reply), `expected a Fulfill, got ${JSON.stringify(reply)}`)
  })
})

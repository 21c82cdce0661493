import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runLedgerContract } from './ledger-contract.js'
import { createMemoryLedger, createMemoryLedgerState } from './memory-ledger.js'

runLedgerContract('memory', () => {
  // The contract journals up to 1,000 entries and reads them all back.
  const state = createMemoryLedgerState(2_000)
  return { open: () => createMemoryLedger({ state }) }
})

test('memory ledger stamps entries with the injected clock', async () => {
  const ledger = createMemoryLedger({ now: () => 1_700_000_000_000 })
  const entry = await ledger.adjust('a', 1n, 'adjust')
  assert.equal(entry.at.getTime(), 1_700_000_000_000)
  assert.equal(entry.seq, 1n)
})

test('memory ledger keeps a bounded journal; verify and a restart still see every entry in the sums', async () => {
  const state = createMemoryLedgerState(10)
  const ledger = createMemoryLedger({ state })
  const alice = { id: 'alice', relation: 'child', assetCode: 'USD', assetScale: 2, minBalance: -1_000n } as const
  const bob = { id: 'bob', relation: 'peer', assetCode: 'USD', assetScale: 2 } as const
  for (let i = 0; i < 55; i++) {
    const incoming = ledger.reserveIncoming(alice, 3n)
    const outgoing = ledger.reserveOutgoing(bob, 2n)
    assert.ok(incoming.ok && outgoing.ok)
    await ledger.commit([incoming.hold, outgoing.hold])
  }
  const kept = await ledger.readJournal()
  assert.deepEqual(kept.map((e) => e.seq), [46n, 47n, 48n, 49n, 50n, 51n, 52n, 53n, 54n, 55n])
  assert.deepEqual((await ledger.readJournal({ afterSeq: 50n, limit: 3 })).map((e) => e.seq), [51n, 52n, 53n])
  assert.deepEqual(await ledger.verify(), { ok: true, mismatches: [] })
  assert.deepEqual(state.journalSums, new Map([['alice', -165n], ['bob', 110n]]))

  const restarted = createMemoryLedger({ state })
  assert.equal(restarted.snapshot('alice').balance, -165n)
  assert.equal((await restarted.adjust('bob', -110n, 'settlement')).seq, 56n)
  assert.deepEqual(await restarted.verify(), { ok: true, mismatches: [] })
})

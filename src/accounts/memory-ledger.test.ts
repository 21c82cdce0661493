import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runLedgerContract } from './ledger-contract.js'
import { createMemoryLedger, createMemoryLedgerState } from './memory-ledger.js'

runLedgerContract('memory', () => {
  const state = createMemoryLedgerState()
  return { open: () => createMemoryLedger({ state }) }
})

test('memory ledger stamps entries with the injected clock', async () => {
  const ledger = createMemoryLedger({ now: () => 1_700_000_000_000 })
  const entry = await ledger.adjust('a', 1n, 'adjust')
  assert.equal(entry.at.getTime(), 1_700_000_000_000)
  assert.equal(entry.seq, 1n)
})

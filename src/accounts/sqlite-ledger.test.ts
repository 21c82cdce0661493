import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { runLedgerContract } from './ledger-contract.js'
import { createSqliteLedger } from './sqlite-ledger.js'
import { verifyLedger } from './verify.js'

function tempDb(): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-ledger-'))
  return { path: join(dir, 'node.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

for (const writer of ['worker', 'inline'] as const) {
  runLedgerContract(`sqlite (${writer} writer)`, () => {
    const { path, cleanup } = tempDb()
    return { open: () => createSqliteLedger({ path, writer }), cleanup }
  })
}

test('group commit: a burst of commits shares few transactions, in batches of at most batchMax', async (t) => {
  const { path, cleanup } = tempDb()
  const ledger = createSqliteLedger({ path, batchMax: 100, now: () => 42 })
  t.after(async () => {
    await ledger.close()
    cleanup()
  })
  const account = { id: 'a', relation: 'peer' as const, assetCode: 'X', assetScale: 0 }
  const entries = await Promise.all(
    Array.from({ length: 1_000 }, () => {
      const r = ledger.reserveOutgoing(account, 1n)
      assert.ok(r.ok)
      return ledger.commit([r.hold])
    }),
  )
  assert.equal(entries.length, 1_000)
  assert.equal(entries[0]?.at.getTime(), 42)
  const raw = new Database(path, { readonly: true })
  t.after(() => raw.close())
  assert.equal(raw.prepare('SELECT COUNT(*) FROM journal').pluck().get(), 1_000)
  assert.equal(raw.prepare('SELECT balance FROM balances WHERE account_id = ?').pluck().get('a'), '1000')
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal')
})

test('verifyLedger reads the file read-only and reports a tampered balance', async (t) => {
  const { path, cleanup } = tempDb()
  t.after(cleanup)
  const ledger = createSqliteLedger({ path })
  await ledger.adjust('x', 10n, 'adjust')
  await ledger.adjust('y', -3n, 'settlement')
  await ledger.close()
  assert.deepEqual(verifyLedger(path), { ok: true, mismatches: [], entries: 2n, accounts: 2 })

  const raw = new Database(path)
  raw.prepare("UPDATE balances SET balance = '11' WHERE account_id = 'x'").run()
  raw.close()
  const report = verifyLedger(path)
  assert.equal(report.ok, false)
  assert.deepEqual(report.mismatches, [{ accountId: 'x', balance: 11n, journalSum: 10n }])
  assert.throws(() => verifyLedger(join(path, '..', 'missing.db')))
})

for (const writer of ['worker', 'inline'] as const) test(`a failed durable write (${writer}) fails the waiting commits and every later one`, async (t) => {
  const { path, cleanup } = tempDb()
  t.after(cleanup)
  const ledger = createSqliteLedger({ path, writer })
  await ledger.adjust('x', 1n, 'adjust')
  // Make the next write fail: another connection holds the write lock past busy_timeout would be slow,
  // so break the schema instead.
  const raw = new Database(path)
  raw.exec('DROP TABLE journal')
  raw.close()
  await assert.rejects(ledger.adjust('x', 1n, 'adjust'), { code: 'LEDGER_WRITE_FAILED' })
  await assert.rejects(ledger.adjust('x', 1n, 'adjust'), { code: 'LEDGER_WRITE_FAILED' })
  await assert.rejects(ledger.close(), { code: 'LEDGER_WRITE_FAILED' })
})

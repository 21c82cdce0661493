/**
 * The one behaviour suite every BalanceLedger adapter must pass (STYLE.md habit 12). An adapter's test file calls
 * `runLedgerContract('sqlite', factory)`; a fixture's `open()` may be called again after `close()` and must give
 * back the same committed state (a restart), with no holds.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { U64_MAX } from '../money/index.js'
import fc from 'fast-check'
import type { Ledger } from './journal.js'
import { commandArbitrary, runAgainstModel } from './ledger-model.js'
import type { Account, Hold, ReserveResult } from './types.js'

export interface LedgerFixture {
  open(): Ledger | Promise<Ledger>
  /** Removes whatever the fixture created (files, keys). */
  cleanup?(): void | Promise<void>
}

const base = { relation: 'child', assetCode: 'USD', assetScale: 9 } as const
const alice: Account = { ...base, id: 'alice', minBalance: -1_000n }
const bob: Account = { ...base, id: 'bob', relation: 'peer', maxBalance: 1_000n }
const carol: Account = { ...base, id: 'carol' }

function held(result: ReserveResult): Hold {
  assert.ok(result.ok, result.ok ? '' : result.message)
  return result.hold
}

/** Expects a LedgerError with `code`, thrown synchronously or as a rejected promise (async adapters). */
async function expectCode(code: string, fn: () => unknown): Promise<void> {
  try {
    await fn()
  } catch (err) {
    assert.equal((err as { code?: string }).code, code, String(err))
    return
  }
  assert.fail(`expected ${code}`)
}

export function runLedgerContract(name: string, makeFixture: () => LedgerFixture | Promise<LedgerFixture>): void {
  describe(`BalanceLedger contract: ${name}`, () => {
    async function withLedger(t: { after(fn: () => unknown): void }): Promise<{ ledger: Ledger; fixture: LedgerFixture }> {
      const fixture = await makeFixture()
      const ledger = await fixture.open()
      t.after(async () => {
        await ledger.close()
        await fixture.cleanup?.()
      })
      return { ledger, fixture }
    }

    test('incoming reservations stop at minBalance (default 0: no credit)', async (t) => {
      const { ledger } = await withLedger(t)
      assert.deepEqual(ledger.snapshot('carol'), { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n })
      const refused = ledger.reserveIncoming(carol, 1n)
      assert.equal(refused.ok, false)
      assert.equal(!refused.ok && refused.code, 'T04')
      held(ledger.reserveIncoming(carol, 0n))

      const first = held(ledger.reserveIncoming(alice, 600n))
      held(ledger.reserveIncoming(alice, 400n))
      assert.equal(ledger.reserveIncoming(alice, 1n).ok, false)
      assert.deepEqual(ledger.snapshot('alice'), { balance: 0n, pendingIncoming: 1_000n, pendingOutgoing: 0n })
      ledger.release(first)
      held(ledger.reserveIncoming(alice, 600n))
      assert.equal(ledger.reserveIncoming(alice, 1n).ok, false)
    })

    test('outgoing reservations stop at maxBalance (unset: no limit)', async (t) => {
      const { ledger } = await withLedger(t)
      held(ledger.reserveOutgoing(carol, U64_MAX))
      held(ledger.reserveOutgoing(carol, U64_MAX))
      const h = held(ledger.reserveOutgoing(bob, 700n))
      held(ledger.reserveOutgoing(bob, 300n))
      const refused = ledger.reserveOutgoing(bob, 1n)
      assert.equal(!refused.ok && refused.code, 'T04')
      await ledger.commit([h])
      assert.deepEqual(ledger.snapshot('bob'), { balance: 700n, pendingIncoming: 0n, pendingOutgoing: 300n })
      assert.equal(ledger.reserveOutgoing(bob, 1n).ok, false)
    })

    test('commit applies every leg as one journal entry', async (t) => {
      const { ledger } = await withLedger(t)
      const incoming = held(ledger.reserveIncoming(alice, 100n))
      const outgoing = held(ledger.reserveOutgoing(bob, 92n))
      const entry = await ledger.commit([incoming, outgoing], 'packet 1')
      assert.equal(entry.kind, 'transfer')
      assert.equal(entry.memo, 'packet 1')
      assert.ok(entry.at instanceof Date)
      assert.deepEqual(entry.legs, [
        { accountId: 'alice', delta: -100n },
        { accountId: 'bob', delta: 92n },
      ])
      assert.deepEqual(ledger.snapshot('alice'), { balance: -100n, pendingIncoming: 0n, pendingOutgoing: 0n })
      assert.deepEqual(ledger.snapshot('bob'), { balance: 92n, pendingIncoming: 0n, pendingOutgoing: 0n })
      const journal = await ledger.readJournal()
      assert.deepEqual(journal.map((e) => e.seq), [entry.seq])
      assert.deepEqual(journal[0]?.legs, entry.legs)
      assert.equal(ledger.liveHolds(), 0)
      assert.deepEqual(await ledger.verify(), { ok: true, mismatches: [] })
    })

    test('each hold is consumed exactly once; misuse throws and changes nothing', async (t) => {
      const { ledger } = await withLedger(t)
      const a = held(ledger.reserveIncoming(alice, 10n))
      const b = held(ledger.reserveIncoming(alice, 20n))
      ledger.release(a)
      await expectCode('LEDGER_HOLD_CONSUMED', () => ledger.release(a))
      await expectCode('LEDGER_HOLD_CONSUMED', () => ledger.commit([a]))
      // Atomic: one bad hold in the list and the good one is neither applied nor consumed.
      await expectCode('LEDGER_HOLD_CONSUMED', () => ledger.commit([b, a]))
      assert.deepEqual(ledger.snapshot('alice'), { balance: 0n, pendingIncoming: 20n, pendingOutgoing: 0n })
      await expectCode('LEDGER_INVALID_COMMIT', () => ledger.commit([b, b]))
      await expectCode('LEDGER_INVALID_COMMIT', () => ledger.commit([]))
      await expectCode('LEDGER_HOLD_CONSUMED', () => ledger.release({ accountId: 'alice', amount: 20n, direction: 'incoming' }))
      await ledger.commit([b])
      await expectCode('LEDGER_HOLD_CONSUMED', () => ledger.commit([b]))
      await expectCode('LEDGER_HOLD_CONSUMED', () => ledger.release(b))
      assert.deepEqual(ledger.snapshot('alice'), { balance: -20n, pendingIncoming: 0n, pendingOutgoing: 0n })
      await expectCode('LEDGER_INVALID_COMMIT', () => ledger.adjust('alice', 1n, 'gift' as 'adjust'))
      await expectCode('LEDGER_INVALID_COMMIT', () => ledger.adjust('alice', 1n, 'transfer' as 'adjust'))
      await expectCode('LEDGER_INVALID_COMMIT', () => ledger.adjust('alice', 1n, 'adjust', 'x'.repeat(1_025)))
      await expectCode('LEDGER_INVALID_COMMIT', () => ledger.adjust('', 1n, 'adjust'))
      await expectCode('LEDGER_INVALID_AMOUNT', () => ledger.adjust('alice', 1 as unknown as bigint, 'adjust'))
      await expectCode('LEDGER_INVALID_AMOUNT', () => ledger.reserveIncoming(alice, -1n))
      await expectCode('LEDGER_INVALID_AMOUNT', () => ledger.reserveOutgoing(bob, U64_MAX + 1n))
    })

    test('many concurrent holds: limits are exact and every commit lands once', async (t) => {
      const { ledger } = await withLedger(t)
      const count = 2_000
      const outcomes = Array.from({ length: count }, () => ledger.reserveIncoming({ ...alice, minBalance: -1_500n }, 1n))
      assert.equal(outcomes.filter((r) => r.ok).length, 1_500)
      const holds = outcomes.flatMap((r) => (r.ok ? [r.hold] : []))
      const [kept, dropped] = [holds.slice(0, 1_000), holds.slice(1_000)]
      for (const h of dropped) ledger.release(h)
      const entries = await Promise.all(kept.map((h, i) => ledger.commit([h, held(ledger.reserveOutgoing(carol, 1n))], `p${i}`)))
      const seqs = entries.map((e) => e.seq)
      assert.equal(new Set(seqs).size, kept.length)
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] ?? 0n) + 1n)
      assert.deepEqual(ledger.snapshot('alice'), { balance: -1_000n, pendingIncoming: 0n, pendingOutgoing: 0n })
      assert.equal(ledger.snapshot('carol').balance, 1_000n)
      assert.equal(ledger.liveHolds(), 0)
      assert.equal((await ledger.readJournal({ limit: 10_000 })).length, kept.length)
      const page = await ledger.readJournal({ afterSeq: seqs[9], limit: 5 })
      assert.deepEqual(page.map((e) => e.seq), seqs.slice(10, 15))
      assert.deepEqual(await ledger.verify(), { ok: true, mismatches: [] })
    })

    test('adjust changes a balance directly, journaled with its kind', async (t) => {
      const { ledger } = await withLedger(t)
      const topUp = await ledger.adjust('carol', 5_000n, 'adjust', 'prefund')
      assert.deepEqual(topUp.legs, [{ accountId: 'carol', delta: 5_000n }])
      held(ledger.reserveIncoming(carol, 5_000n))
      const settled = await ledger.adjust('bob', -U64_MAX, 'settlement', 'idem-1')
      assert.equal(settled.kind, 'settlement')
      assert.equal(settled.memo, 'idem-1')
      assert.equal(ledger.snapshot('bob').balance, -U64_MAX)
      assert.ok(settled.seq > topUp.seq)
      assert.deepEqual(await ledger.verify(), { ok: true, mismatches: [] })
    })

    test('property: random reserve/release/commit/adjust sequences agree with the model', async (t) => {
      const { ledger } = await withLedger(t)
      let run = 0
      await fc.assert(
        fc.asyncProperty(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => runAgainstModel(ledger, commands, `r${run++}-`)),
        { numRuns: 60 },
      )
    })

    test('a restart keeps every committed change and drops holds in flight', async (t) => {
      const fixture = await makeFixture()
      const first = await fixture.open()
      await first.adjust('alice', 500n, 'adjust')
      const committed = await first.commit([held(first.reserveIncoming(alice, 300n)), held(first.reserveOutgoing(bob, 250n))])
      held(first.reserveIncoming(alice, 100n)) // in flight when the node stops
      const before = await first.readJournal()
      await first.close()
      await expectCode('LEDGER_CLOSED', () => first.reserveIncoming(alice, 1n))

      const second = await fixture.open()
      t.after(async () => {
        await second.close()
        await fixture.cleanup?.()
      })
      assert.deepEqual(second.snapshot('alice'), { balance: 200n, pendingIncoming: 0n, pendingOutgoing: 0n })
      assert.deepEqual(second.snapshot('bob'), { balance: 250n, pendingIncoming: 0n, pendingOutgoing: 0n })
      assert.deepEqual(await second.readJournal(), before)
      const next = await second.adjust('bob', -250n, 'settlement')
      assert.equal(next.seq, committed.seq + 1n)
      assert.deepEqual(await second.verify(), { ok: true, mismatches: [] })
    })
  })
}

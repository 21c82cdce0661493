import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAccountStore, createSqliteAccountStore, type AccountStore } from './account-store.js'
import { decodeAccount, encodeAccount, isValidAccountId, validateAccount } from './account-config.js'
import { createSqliteLedger } from './sqlite-ledger.js'
import type { Account } from './types.js'

const bob: Account = {
  id: 'bob',
  relation: 'peer',
  assetCode: 'USD',
  assetScale: 9,
  ilpAddress: 'test.bob',
  maxPacketAmount: 18446744073709551615n,
  minBalance: -1_000_000n,
  maxBalance: 5_000_000n,
  settleThreshold: 1_000n,
  routes: ['test.bob'],
  btp: { url: 'btp+ws://bob:secret@127.0.0.1:7768' },
}
const child: Account = { id: 'alice_1~x-y', relation: 'child', assetCode: 'XRP', assetScale: 6 }

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('account configs', () => {
  test('validation', () => {
    assert.equal(validateAccount(bob), bob)
    assert.ok(isValidAccountId('a-b_c~9'))
    for (const id of ['', 'a.b', 'a b', 'ä', 'a/b', 'x'.repeat(129)]) assert.equal(isValidAccountId(id), false, id)
    const bad: Partial<Record<string, unknown>>[] = [
      { id: 'a.b' },
      { relation: 'friend' },
      { assetCode: '' },
      { assetScale: 256 },
      { assetScale: 1.5 },
      { ilpAddress: 'not an address' },
      { minBalance: 5 },
      { maxPacketAmount: -1n },
      { minBalance: 10n, maxBalance: 9n },
      { packetsPerMinute: 0 },
      { routes: [1] },
    ]
    for (const patch of bad) assert.equal(code(() => validateAccount({ ...bob, ...patch } as Account)), 'ACCOUNT_INVALID', JSON.stringify(Object.keys(patch)))
  })

  test('JSON round trip keeps bigints exact', () => {
    const text = encodeAccount(bob)
    assert.match(text, /"maxPacketAmount":"18446744073709551615"/)
    assert.deepEqual(decodeAccount(text), bob)
    assert.equal(code(() => decodeAccount('{"id":"x","relation":"peer","assetCode":"A","assetScale":0,"minBalance":"1.5"}')), 'ACCOUNT_INVALID')
  })
})

function storeSuite(name: string, open: () => { store: AccountStore; reopen(): AccountStore; cleanup(): void }): void {
  test(`account store (${name}): list, get, put, remove`, async (t) => {
    const { store, reopen, cleanup } = open()
    assert.deepEqual(store.list(), [])
    await store.put(bob)
    await store.put(child)
    assert.deepEqual(store.get('bob'), bob)
    assert.deepEqual(store.list().map((a) => a.id), ['alice_1~x-y', 'bob'])
    await store.put({ ...bob, maxBalance: 7n })
    assert.equal(store.get('bob')?.maxBalance, 7n)
    await assert.rejects(store.put({ ...bob, id: 'no.dots' }), { code: 'ACCOUNT_INVALID' })
    assert.equal(await store.remove('alice_1~x-y'), true)
    assert.equal(await store.remove('alice_1~x-y'), false)
    assert.equal(store.get('alice_1~x-y'), undefined)
    await store.close()
    await assert.rejects(store.put(child), { code: 'LEDGER_CLOSED' })

    const again = reopen()
    t.after(async () => {
      await again.close()
      cleanup()
    })
    if (name === 'sqlite') assert.deepEqual(again.list(), [{ ...bob, maxBalance: 7n }])
  })
}

storeSuite('memory', () => ({ store: createAccountStore(), reopen: () => createAccountStore(), cleanup() {} }))
storeSuite('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-accounts-'))
  const path = join(dir, 'node.db')
  return { store: createSqliteAccountStore({ path }), reopen: () => createSqliteAccountStore({ path }), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
})

test('the account store and the ledger share one file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-shared-'))
  const path = join(dir, 'node.db')
  const ledger = createSqliteLedger({ path })
  const store = createSqliteAccountStore({ path })
  await store.put(child)
  await ledger.adjust(child.id, 10n, 'adjust')
  await store.close()
  await ledger.close()
  const reopened = createSqliteAccountStore({ path })
  const ledger2 = createSqliteLedger({ path })
  t.after(async () => {
    await reopened.close()
    await ledger2.close()
    rmSync(dir, { recursive: true, force: true })
  })
  assert.deepEqual(reopened.get(child.id), child)
  assert.equal(ledger2.snapshot(child.id).balance, 10n)
})

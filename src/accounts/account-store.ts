/**
 * Account configs: read from an in-memory cache (the packet path never waits), written through to the store.
 * The sqlite adapter keeps them in the `accounts` table of the ledger's file, so accounts added over the admin
 * API survive a restart.
 */
import { LedgerError } from './errors.js'
import { decodeAccount, encodeAccount, validateAccount } from './account-config.js'
import { openLedgerDatabase } from './schema.js'
import type { Account } from './types.js'

export interface AccountStore {
  /** Every account, sorted by id. */
  list(): Account[]
  get(id: string): Account | undefined
  /** Adds or replaces (validated; ACCOUNT_INVALID otherwise). Resolves when stored. */
  put(account: Account): Promise<void>
  /** Resolves true when the account existed. */
  remove(id: string): Promise<boolean>
  close(): Promise<void>
}

/** The cache both adapters share; `persist` writes through before the cache changes. */
function createCachedStore(
  initial: Iterable<Account>,
  persist: { put(account: Account): void; remove(id: string): void; close(): void },
): AccountStore {
  const accounts = new Map<string, Account>()
  for (const account of initial) accounts.set(account.id, Object.freeze(validateAccount(account)))
  let closed = false
  const checkOpen = (): void => {
    if (closed) throw new LedgerError('LEDGER_CLOSED', 'account store is closed')
  }

  return {
    list: () => [...accounts.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    get: (id) => accounts.get(id),
    async put(account) {
      checkOpen()
      const frozen = Object.freeze({ ...validateAccount(account) })
      persist.put(frozen)
      accounts.set(frozen.id, frozen)
    },
    async remove(id) {
      checkOpen()
      if (!accounts.has(id)) return false
      persist.remove(id)
      accounts.delete(id)
      return true
    },
    async close() {
      if (closed) return
      closed = true
      persist.close()
    },
  }
}

/** An in-memory account store (tests, config-only nodes), optionally seeded. */
export function createAccountStore(initial: Iterable<Account> = []): AccountStore {
  return createCachedStore(initial, { put() {}, remove() {}, close() {} })
}

export interface SqliteAccountStoreOptions {
  /** The ledger's database file (created if missing). */
  readonly path: string
}

/** Accounts in the `accounts` table of the ledger file, loaded into the cache at open. */
export function createSqliteAccountStore(options: SqliteAccountStoreOptions): AccountStore {
  const db = openLedgerDatabase(options.path)
  try {
    const rows = db.prepare('SELECT config FROM accounts ORDER BY id').pluck().all() as string[]
    const upsert = db.prepare('INSERT INTO accounts (id, config) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET config = excluded.config')
    const remove = db.prepare('DELETE FROM accounts WHERE id = ?')
    return createCachedStore(rows.map(decodeAccount), {
      put: (account) => void upsert.run(account.id, encodeAccount(account)),
      remove: (id) => void remove.run(id),
      close: () => db.close(),
    })
  } catch (err) {
    db.close()
    throw err
  }
}

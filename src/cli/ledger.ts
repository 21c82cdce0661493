/** `ilp ledger verify [--store sqlite:PATH]`: offline check that the journal sums to the balances (exit 1 if not). */
import type { Command } from 'commander'
import { existsSync } from 'node:fs'
import { DEFAULT_STORE } from '../node/config-defaults.js'
import { action, CliError } from './admin-client.js'

interface VerifyOptions {
  store?: string
  config?: string
}

async function storePath(o: VerifyOptions): Promise<string> {
  const store = o.store ?? (o.config !== undefined ? await storeOfConfig(o.config) : DEFAULT_STORE)
  if (!store.startsWith('sqlite:')) throw new CliError(`--store: expected sqlite:PATH, got ${JSON.stringify(store)} (a memory store has nothing to verify)`)
  const path = store.slice('sqlite:'.length)
  if (!existsSync(path)) throw new CliError(`no ledger file at ${path}`)
  return path
}

async function storeOfConfig(path: string): Promise<string> {
  const { loadConfig } = await import('../node/config.js')
  const { store } = loadConfig({ path })
  return store.kind === 'sqlite' ? `sqlite:${store.path}` : 'memory'
}

export function register(program: Command): void {
  const ledger = program.command('ledger').description('offline tools for the embedded ledger')
  ledger
    .command('verify')
    .description('check that the journal of transfers sums to the stored balances (exit 1 on mismatch)')
    .option('--store <store>', `sqlite:PATH of the ledger (default ${DEFAULT_STORE})`)
    .option('--config <file>', 'take the store from this node config file')
    .action(
      action(async (o: VerifyOptions) => {
        const path = await storePath(o)
        const { verifyLedger } = await import('../accounts/verify.js')
        const report = verifyLedger(path)
        for (const m of report.mismatches) {
          process.stdout.write(`mismatch: account ${m.accountId} balance ${m.balance} but journal sums to ${m.journalSum}\n`)
        }
        if (!report.ok) throw new CliError(`ledger ${path} does NOT match its journal (${report.mismatches.length} accounts differ)`)
        process.stdout.write(`ok: ${path}: ${report.entries} journal entries sum to the balances of ${report.accounts} accounts\n`)
      }),
    )
}

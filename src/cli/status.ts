/** `ilp status` (the node's /health) and `ilp rates [set ASSET=RATE ...]`: clients of a running node's admin API. */
import type { Command } from 'commander'
import { action, adminClient, CliError, printJson, printTable, withAdminOptions, type AdminOptions } from './admin-client.js'

interface Health {
  status: string
  address: string | null
  asset_code: string
  asset_scale: number
  rates: { source: string; age_ms: number; stale: boolean; last_error?: string }
  links: { account: string; transport?: string; connected: boolean }[]
  listeners: Record<string, string>
}

function printHealth(h: Health): void {
  const out = process.stdout
  out.write(`status:  ${h.status}\n`)
  out.write(`address: ${h.address ?? '(not known yet)'}  asset ${h.asset_code} scale ${h.asset_scale}\n`)
  out.write(`rates:   ${h.rates.source}${h.rates.stale ? ' (STALE)' : ''}, ${(h.rates.age_ms / 1000).toFixed(0)} s old${h.rates.last_error ? `, last error: ${h.rates.last_error}` : ''}\n`)
  for (const [name, url] of Object.entries(h.listeners)) out.write(`${name}:${' '.repeat(Math.max(1, 8 - name.length))}${url}\n`)
  if (h.links.length > 0) printTable([['LINK', 'TRANSPORT', 'STATE'], ...h.links.map((l) => [l.account, l.transport ?? '-', l.connected ? 'up' : 'down'])])
}

/** `USD=1 EUR=0.92` → { USD: '1', EUR: '0.92' }. */
export function parseRateArgs(args: readonly string[]): Record<string, string> {
  const table: Record<string, string> = {}
  for (const arg of args) {
    const match = /^([A-Za-z0-9]{1,16})=(.+)$/.exec(arg)
    if (!match) throw new CliError(`expected ASSET=RATE (e.g. EUR=0.92), got ${JSON.stringify(arg)}`)
    table[match[1]!] = match[2]!
  }
  return table
}

export function register(program: Command): void {
  withAdminOptions(program.command('status').description("the running node's health: address, rates, links").option('--json', 'print JSON')).action(
    action(async (o: AdminOptions & { json?: boolean }) => {
      const health = await adminClient(o).request<Health>('GET', '/health')
      if (o.json) return printJson(health)
      printHealth(health)
      if (health.status !== 'ok') process.exitCode = 2
    }),
  )
  const rates = program.command('rates').description("show or replace the running node's exchange rates")
  withAdminOptions(rates.command('show', { isDefault: true }).description('show the rate table (the default)')).action(
    action(async (o: AdminOptions) => printJson(await adminClient(o).request('GET', '/rates'))),
  )
  withAdminOptions(rates.command('set').description('replace the static table: units of each asset per unit of the base').argument('<rates...>', 'ASSET=RATE, e.g. USD=1 EUR=0.92')).action(
    action(async (args: string[], o: AdminOptions) => printJson(await adminClient(o).request('PUT', '/rates', parseRateArgs(args)))),
  )
}

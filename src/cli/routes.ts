/** `ilp routes [list]`, `ilp routes set PREFIX ACCOUNT`, `ilp routes remove PREFIX`: the running node's routing table. */
import type { Command } from 'commander'
import { action, adminClient, printJson, printTable, withAdminOptions, type AdminOptions } from './admin-client.js'

interface RouteJson {
  prefix: string
  next_hop: string
  source: string
  /** Learned (ccp) routes: the connectors the route was advertised through, nearest first. */
  path?: string[]
}

/** One row per route; a PATH column only when some route has one (learned by CCP). */
function routeRows(list: readonly RouteJson[]): string[][] {
  const withPath = list.some((r) => r.path !== undefined)
  const header = ['PREFIX', 'NEXT HOP', 'SOURCE', ...(withPath ? ['PATH'] : [])]
  const row = (r: RouteJson) => [r.prefix === '' ? '(default)' : r.prefix, r.next_hop, r.source, ...(withPath ? [(r.path ?? []).join(' ')] : [])]
  return [header, ...list.map(row)]
}

export function register(program: Command): void {
  const routes = program.command('routes').description("show or change the running node's routing table")
  withAdminOptions(routes.command('list', { isDefault: true }).description('list routes: static, local (accounts) and ccp (learned from peers, with their path)').option('--json', 'print JSON')).action(
    action(async (o: AdminOptions & { json?: boolean }) => {
      const list = await adminClient(o).request<RouteJson[]>('GET', '/routes')
      if (o.json) return printJson(list)
      printTable(routeRows(list))
    }),
  )
  withAdminOptions(routes.command('set').description('add or replace a static route').argument('<prefix>').argument('<account>', 'next-hop account id')).action(
    action(async (prefix: string, account: string, o: AdminOptions) => {
      await adminClient(o).request('PUT', `/routes/${encodeURIComponent(prefix)}`, { next_hop: account })
      process.stdout.write(`route ${prefix} -> ${account}\n`)
    }),
  )
  withAdminOptions(routes.command('remove').description('remove a static route').argument('<prefix>')).action(
    action(async (prefix: string, o: AdminOptions) => {
      await adminClient(o).request('DELETE', `/routes/${encodeURIComponent(prefix)}`)
      process.stdout.write(`removed route ${prefix}\n`)
    }),
  )
}

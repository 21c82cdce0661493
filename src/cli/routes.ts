/**
 * `ilp routes [list]`, `ilp routes set PREFIX ACCOUNT`, `ilp routes remove PREFIX`: the running node's routing
 * table. PREFIX `default` is the default route (prefix '', every destination no other route covers), as in the API.
 */
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

/** `default` and '' both name the default route; the API takes `default` in the path. */
const namesDefault = (prefix: string) => prefix === 'default' || prefix === ''
const routePath = (prefix: string) => `/routes/${namesDefault(prefix) ? 'default' : encodeURIComponent(prefix)}`
const routeName = (prefix: string) => (namesDefault(prefix) ? 'default route' : `route ${prefix}`)

export function register(program: Command): void {
  const routes = program.command('routes').description("show or change the running node's routing table")
  withAdminOptions(routes.command('list', { isDefault: true }).description('list routes: static, local (accounts) and ccp (learned from peers, with their path)').option('--json', 'print JSON')).action(
    action(async (o: AdminOptions & { json?: boolean }) => {
      const list = await adminClient(o).request<RouteJson[]>('GET', '/routes')
      if (o.json) return printJson(list)
      printTable(routeRows(list))
    }),
  )
  const prefixArgument = ['<prefix>', 'address prefix, or "default" for the default route'] as const
  withAdminOptions(routes.command('set').description('add or replace a static route').argument(...prefixArgument).argument('<account>', 'next-hop account id')).action(
    action(async (prefix: string, account: string, o: AdminOptions) => {
      await adminClient(o).request('PUT', routePath(prefix), { next_hop: account })
      process.stdout.write(`${routeName(prefix)} -> ${account}\n`)
    }),
  )
  withAdminOptions(routes.command('remove').description('remove a static route').argument(...prefixArgument)).action(
    action(async (prefix: string, o: AdminOptions) => {
      await adminClient(o).request('DELETE', routePath(prefix))
      process.stdout.write(`removed ${routeName(prefix)}\n`)
    }),
  )
}

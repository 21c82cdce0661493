/**
 * Static routes set over the admin API (`PUT /routes/:prefix`). With a sqlite store they are kept in a small
 * JSON file beside it (`<store>.routes.json`, written to a temp file then renamed), so they survive restarts;
 * with a memory store they live as long as the process.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { StoreConfig } from './config.js'

/** Admin routes kept: a bound on the file and on what one token holder can add. */
export const ADMIN_ROUTES_MAX = 10_000

export interface RouteStore {
  /** prefix → next-hop account id. */
  entries(): ReadonlyMap<string, string>
  set(prefix: string, nextHop: string): void
  remove(prefix: string): boolean
  /** Drops every route through `nextHop` (its account was removed). */
  removeNextHop(nextHop: string): void
}

function load(file: string | undefined): Map<string, string> {
  if (file === undefined || !existsSync(file)) return new Map()
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object of prefix → account`)
  return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'))
}

export function createRouteStore(store: StoreConfig): RouteStore {
  const file = store.kind === 'sqlite' ? `${store.path}.routes.json` : undefined
  const routes = load(file)

  function save(): void {
    if (file === undefined) return
    const temp = `${file}.tmp`
    writeFileSync(temp, JSON.stringify(Object.fromEntries(routes), null, 2) + '\n')
    renameSync(temp, file)
  }

  return {
    entries: () => routes,
    set(prefix, nextHop) {
      if (!routes.has(prefix) && routes.size >= ADMIN_ROUTES_MAX) throw new RangeError(`more than ${ADMIN_ROUTES_MAX} admin routes`)
      routes.set(prefix, nextHop)
      save()
    },
    remove(prefix) {
      const had = routes.delete(prefix)
      if (had) save()
      return had
    },
    removeNextHop(nextHop) {
      let changed = false
      for (const [prefix, hop] of routes) if (hop === nextHop) changed = routes.delete(prefix) || changed
      if (changed) save()
    },
  }
}

/**
 * Environment overrides. Scheme: `ILP_` + the key path, upper-cased, nested keys joined by a DOUBLE underscore
 * (single underscores belong to key names), array elements by their index:
 *
 *   ILP_ASSET_SCALE=6                 asset_scale: 6
 *   ILP_ADMIN__TOKEN=s3cret...        admin.token
 *   ILP_ADMIN__LISTEN=0.0.0.0:7770    admin.listen
 *   ILP_RATES__EUR=0.92               rates.EUR (keys below `rates` keep their case)
 *   ILP_ACCOUNTS__0__MAX_BALANCE=500  accounts[0].max_balance
 *   ILP_ACCOUNTS='[{"id":"bob"}]'     a value starting with `{` or `[` is parsed as YAML/JSON
 *
 * `ILP_ADMIN_TOKEN` (the variable client commands read) also sets admin.token when ILP_ADMIN__TOKEN is unset,
 * so one variable serves the node and its CLI. Variables whose first segment is not a config key are ignored
 * (ILP_ADMIN_URL is the CLI's). An empty variable counts as unset.
 */
import { parse as parseYaml } from 'yaml'

export const ENV_PREFIX = 'ILP_'
export const ENV_SEPARATOR = '__'
/** Keys whose children are data (asset codes), not config keys: their case is kept. */
const CASE_KEEPING_PARENTS = new Set(['rates'])
/** An array index from the environment above this is refused: a bound on what a variable can allocate. */
const ENV_INDEX_MAX = 10_000

export class EnvOverrideError extends Error {
  override readonly name = 'EnvOverrideError'
  readonly code = 'CONFIG_ENV_INVALID'
}

/** Returns a copy of `raw` with every `ILP_*` override applied. `topLevelKeys` are the config's own keys. */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  topLevelKeys: readonly string[],
): Record<string, unknown> {
  const out = structuredClone(raw)
  const known = new Set(topLevelKeys)
  // An empty variable counts as unset (as `ILP_X=` in a shell or a compose file usually means).
  const names = Object.keys(env).filter((n) => n.startsWith(ENV_PREFIX) && env[n] !== '').sort()
  for (const name of names) {
    const path = envPath(name)
    if (path.length === 0 || !known.has(path[0] as string)) continue
    setPath(out, path, envValue(name, env[name] ?? ''))
  }
  if (env.ILP_ADMIN_TOKEN && !env.ILP_ADMIN__TOKEN && known.has('admin')) {
    setPath(out, ['admin', 'token'], env.ILP_ADMIN_TOKEN)
  }
  return out
}

/** `ILP_ACCOUNTS__0__MAX_BALANCE` → ['accounts', 0, 'max_balance']. */
export function envPath(name: string): (string | number)[] {
  const segments = name.slice(ENV_PREFIX.length).split(ENV_SEPARATOR)
  if (segments.some((s) => s === '')) return []
  const path: (string | number)[] = []
  for (const segment of segments) {
    const parent = path[path.length - 1]
    if (/^[0-9]+$/.test(segment)) {
      const index = Number(segment)
      if (index > ENV_INDEX_MAX) throw new EnvOverrideError(`${name}: array index ${index} is above ${ENV_INDEX_MAX}`)
      path.push(index)
    } else path.push(typeof parent === 'string' && CASE_KEEPING_PARENTS.has(parent) ? segment : segment.toLowerCase())
  }
  return path
}

function envValue(name: string, value: string): unknown {
  const trimmed = value.trim()
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return value
  try {
    return parseYaml(trimmed, { intAsBigInt: true, maxAliasCount: 0 })
  } catch (cause) {
    throw new EnvOverrideError(`${name}: not valid YAML/JSON: ${(cause as Error).message}`, { cause })
  }
}

function setPath(root: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = root
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value
      return
    }
    const wantArray = typeof path[i + 1] === 'number'
    const next = node[key]
    if (next === null || typeof next !== 'object') node[key] = wantArray ? [] : {}
    node = node[key] as Record<string | number, unknown>
  })
}

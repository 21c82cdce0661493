/**
 * The node's configuration: one YAML file, every key overridable by an `ILP_*` environment variable
 * (see applyEnvOverrides and docs/configuration.md), validated with zod; errors name the bad key.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { Account } from '../accounts/types.js'
import { accountSchema, sharedIncomingToken, toAccount, AccountConfigError } from './account-config.js'
import { accountId, assetCode, assetScale, decimal, flag, formatIssues, ilpAddress, integer, listen, type ListenAddress } from './config-values.js'
import { applyEnvOverrides, EnvOverrideError } from './config-env.js'
import { DEFAULT_ADMIN_LISTEN, DEFAULT_STORE } from './config-defaults.js'

export { DEFAULT_ADMIN_LISTEN, DEFAULT_STORE }
/** ILP over HTTP and BTP time out well inside the default 30 s packet expiry. */
export const DEFAULT_MAX_HOLD_TIME_MS = 30_000
/** RFC 27 leaves the message window to the connector; ilp-connector uses 1 s. */
export const DEFAULT_MIN_MESSAGE_WINDOW_MS = 1_000
export const DEFAULT_RATES_POLL_INTERVAL_MS = 60_000
export const DEFAULT_RATES_MAX_AGE_MS = 300_000
/** Config files beyond this are refused: a bound on what we parse. */
export const CONFIG_FILE_MAX_BYTES = 4 * 1024 * 1024
/** Random admin tokens carry 256 bits. */
const ADMIN_TOKEN_BYTES = 32
const ADMIN_TOKEN_MIN_LENGTH = 16
export const ACCOUNTS_MAX = 10_000
/** ilp-connector's `routeBroadcastInterval`: a route update (or heartbeat) to each peer at least this often. */
export const DEFAULT_ROUTE_BROADCAST_INTERVAL_MS = 30_000
/** ilp-connector's `routeExpiry`: peers drop our routes this long after our last update (the CCP hold-down time). */
export const DEFAULT_ROUTE_EXPIRY_MS = 45_000
/** A routing secret keys HMAC-SHA256 (RFC 2104 asks for at least the hash length: 32 bytes); bounded above too. */
const ROUTING_SECRET_BYTES_MIN = 32
const ROUTING_SECRET_BYTES_MAX = 128

const storeSchema = z.string().refine((s) => s === 'memory' || (s.startsWith('sqlite:') && s.length > 'sqlite:'.length), {
  message: 'expected "memory" or "sqlite:PATH"',
})

/** A listener: where, and with `tls` the PEM files of its certificate chain and key (served as wss:// / https://). */
const listenerSchema = z.strictObject({
  listen: listen.optional(),
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
})

/** CCP route exchange (src/connector/ccp): node-wide switches and timers; each account may override who exchanges. */
const routingSchema = z.strictObject({
  broadcast: flag.default(true),
  broadcast_interval_ms: integer(1_000, 3_600_000).default(DEFAULT_ROUTE_BROADCAST_INTERVAL_MS),
  route_expiry_ms: integer(1_000, 86_400_000).default(DEFAULT_ROUTE_EXPIRY_MS),
  routing_secret: z
    .string()
    .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, { message: 'expected base64' })
    .refine((s) => Buffer.from(s, 'base64').length >= ROUTING_SECRET_BYTES_MIN && Buffer.from(s, 'base64').length <= ROUTING_SECRET_BYTES_MAX, {
      message: `expected ${ROUTING_SECRET_BYTES_MIN} to ${ROUTING_SECRET_BYTES_MAX} bytes in base64`,
    })
    .optional(),
})

export const configSchema = z.strictObject({
  ilp_address: ilpAddress.optional(),
  asset_code: assetCode.default('USD'),
  asset_scale: assetScale.default(9),
  store: storeSchema.default(DEFAULT_STORE),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  admin: z
    .strictObject({
      listen: listen.prefault(DEFAULT_ADMIN_LISTEN),
      token: z.string().min(ADMIN_TOKEN_MIN_LENGTH, { message: `must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters` }).optional(),
    })
    .prefault({}),
  rates: z.record(z.string().regex(/^[A-Za-z0-9]{1,16}$/, { message: 'asset codes are 1-16 letters or digits' }), decimal).default({}),
  rates_url: z.url({ protocol: /^https?$/ }).optional(),
  rates_poll_interval_ms: integer(1_000, 86_400_000).default(DEFAULT_RATES_POLL_INTERVAL_MS),
  rates_max_age_ms: integer(1_000, 30 * 86_400_000).default(DEFAULT_RATES_MAX_AGE_MS),
  spread: decimal.default('0'),
  min_message_window_ms: integer(0, 60_000).default(DEFAULT_MIN_MESSAGE_WINDOW_MS),
  max_hold_time_ms: integer(1_000, 600_000).default(DEFAULT_MAX_HOLD_TIME_MS),
  accounts: z.array(z.unknown()).max(ACCOUNTS_MAX).default([]),
  routing: routingSchema.prefault({}),
  btp: listenerSchema.optional(),
  http: listenerSchema.optional(),
  /** SPSP on the HTTP listener (src/spsp/node-plugin.ts): the account at /.well-known/pay, the public base URL. */
  spsp: z.strictObject({ default_account: accountId.optional(), public_url: z.url({ protocol: /^https?$/ }).optional() }).optional(),
})

/** CCP route exchange, node-wide (docs/configuration.md `routing`). */
export interface RoutingConfig {
  /** Off: no CCP at all; only static and local routes. */
  readonly broadcast: boolean
  readonly broadcastIntervalMs: number
  /** Hold-down time we advertise: how long peers keep our routes without hearing from us. */
  readonly routeExpiryMs: number
  /** Base64 key of our routes' auth values; unset: random per process. */
  readonly routingSecret?: string
}

export type StoreConfig = { kind: 'memory' } | { kind: 'sqlite'; path: string }

/** A listener's TLS certificate chain and key: the files, and their PEM as last read. */
export interface ListenerTls {
  readonly certPath: string
  readonly keyPath: string
  readonly cert: Buffer
  readonly key: Buffer
}

/** A listener's address, and its TLS certificate chain and key. */
export interface ListenerConfig {
  readonly listen?: ListenAddress
  readonly tls?: ListenerTls
}

/** The validated configuration createNode takes. */
export interface NodeConfig {
  /** Unset: learned from the parent account by ILDCP once its link is up. */
  readonly ilpAddress?: string
  readonly assetCode: string
  readonly assetScale: number
  readonly store: StoreConfig
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  readonly admin: { readonly listen: ListenAddress; readonly token: string; readonly tokenGenerated: boolean }
  /** Units of each asset per unit of the base asset, exact decimal text. */
  readonly rates: Readonly<Record<string, string>>
  readonly ratesUrl?: string
  readonly ratesPollIntervalMs: number
  readonly ratesMaxAgeMs: number
  /** Decimal fraction kept by the node on each conversion, e.g. "0.002". */
  readonly spread: string
  readonly minMessageWindowMs: number
  readonly maxHoldTimeMs: number
  readonly accounts: readonly Account[]
  readonly routing: RoutingConfig
  readonly btp?: ListenerConfig
  readonly http?: ListenerConfig
  readonly spsp?: { readonly defaultAccount?: string; readonly publicUrl?: string }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'CONFIG_INVALID'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

export interface LoadConfigOptions {
  /** Path of the YAML file; unset = defaults plus environment. */
  path?: string
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>
}

/** Reads the file (if any), applies `ILP_*` overrides, validates. Throws ConfigError naming the bad key. */
export function loadConfig({ path, env = process.env }: LoadConfigOptions = {}): NodeConfig {
  const raw = path === undefined ? {} : readConfigFile(path)
  let merged: Record<string, unknown>
  try {
    merged = applyEnvOverrides(raw, env, Object.keys(configSchema.shape))
  } catch (e) {
    if (e instanceof EnvOverrideError) throw new ConfigError(`invalid environment: ${e.message}`, { cause: e })
    throw e
  }
  return parseConfig(merged)
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, { cause })
  }
  if (text.length > CONFIG_FILE_MAX_BYTES) throw new ConfigError(`config file ${path} is larger than ${CONFIG_FILE_MAX_BYTES} bytes`)
  let doc: unknown
  try {
    // Integers become bigint so that amounts above 2^53 stay exact.
    doc = parseYaml(text, { intAsBigInt: true, maxAliasCount: 100 })
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(cause as Error).message}`, { cause })
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${path} must be a YAML mapping of keys`)
  return doc as Record<string, unknown>
}

/** Validates a raw (snake_case) config object. */
export function parseConfig(raw: unknown): NodeConfig {
  const result = configSchema.safeParse(raw)
  if (!result.success) throw new ConfigError(`invalid config: ${formatIssues(result.error)}`)
  const c = result.data
  const defaults = { assetCode: c.asset_code, assetScale: c.asset_scale }
  const accounts = c.accounts.map((input, i) => parseConfigAccount(input, defaults, `accounts[${i}]`))
  checkUniqueIds(accounts)
  if (accounts.filter((a) => a.relation === 'parent').length > 1 && c.ilp_address === undefined) {
    throw new ConfigError('invalid config: ilp_address: must be set when there is more than one parent account')
  }
  if (c.rates_url !== undefined && Object.keys(c.rates).length > 0) {
    throw new ConfigError('invalid config: rates: set either rates (a static table) or rates_url (a feed), not both')
  }
  if (!/^0*(\.[0-9]+)?$/.test(c.spread)) throw new ConfigError(`invalid config: spread: must be below 1, got ${c.spread}`)
  if (c.routing.route_expiry_ms <= c.routing.broadcast_interval_ms) {
    throw new ConfigError('invalid config: routing.route_expiry_ms: must be longer than routing.broadcast_interval_ms, or routes expire between updates')
  }
  const token = c.admin.token
  return {
    ...(c.ilp_address !== undefined && { ilpAddress: c.ilp_address }),
    assetCode: c.asset_code,
    assetScale: c.asset_scale,
    store: c.store === 'memory' ? { kind: 'memory' } : { kind: 'sqlite', path: c.store.slice('sqlite:'.length) },
    logLevel: c.log_level,
    admin: { listen: c.admin.listen, token: token ?? randomBytes(ADMIN_TOKEN_BYTES).toString('base64url'), tokenGenerated: token === undefined },
    rates: c.rates,
    ...(c.rates_url !== undefined && { ratesUrl: c.rates_url }),
    ratesPollIntervalMs: c.rates_poll_interval_ms,
    ratesMaxAgeMs: c.rates_max_age_ms,
    spread: c.spread,
    minMessageWindowMs: c.min_message_window_ms,
    maxHoldTimeMs: c.max_hold_time_ms,
    accounts,
    routing: {
      broadcast: c.routing.broadcast,
      broadcastIntervalMs: c.routing.broadcast_interval_ms,
      routeExpiryMs: c.routing.route_expiry_ms,
      ...(c.routing.routing_secret !== undefined && { routingSecret: c.routing.routing_secret }),
    },
    ...(c.btp !== undefined && { btp: listenerConfig(c.btp, 'btp') }),
    ...(c.http !== undefined && { http: listenerConfig(c.http, 'http') }),
    ...(c.spsp !== undefined && {
      spsp: {
        ...(c.spsp.default_account !== undefined && { defaultAccount: c.spsp.default_account }),
        ...(c.spsp.public_url !== undefined && { publicUrl: c.spsp.public_url }),
      },
    }),
  }
}

/**
 * Reads a listener's certificate and key (paths relative to the working directory) and checks that they make a
 * TLS context, so that a missing file or a key that does not match its certificate is a config error at start.
 */
function listenerConfig(l: z.output<typeof listenerSchema>, name: string): ListenerConfig {
  return {
    ...(l.listen !== undefined && { listen: l.listen }),
    ...(l.tls !== undefined && { tls: readListenerTls(l.tls.cert, l.tls.key, name) }),
  }
}

/**
 * Reads a listener's certificate chain and key (paths relative to the working directory) and checks that they
 * make a TLS context: a missing file or a key that does not match its certificate is a ConfigError naming the
 * field. Used when the config is parsed and again when the node reloads its certificates.
 */
export function readListenerTls(certPath: string, keyPath: string, name: string): ListenerTls {
  const read = (field: 'cert' | 'key', path: string): Buffer => {
    try {
      return readFileSync(path)
    } catch (err) {
      throw new ConfigError(`invalid config: ${name}.tls.${field}: cannot read ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  const cert = read('cert', certPath)
  const key = read('key', keyPath)
  try {
    createSecureContext({ cert, key })
  } catch (err) {
    throw new ConfigError(`invalid config: ${name}.tls: not a certificate chain and its private key: ${(err as Error).message}`, { cause: err })
  }
  return { certPath, keyPath, cert, key }
}

function parseConfigAccount(input: unknown, defaults: { assetCode: string; assetScale: number }, root: string): Account {
  const result = accountSchema.safeParse(input)
  if (!result.success) throw new ConfigError(`invalid config: ${formatIssues(result.error, root)}`)
  try {
    return toAccount(result.data, defaults, root)
  } catch (e) {
    if (e instanceof AccountConfigError) throw new ConfigError(`invalid config: ${e.message}`)
    throw e
  }
}

function checkUniqueIds(accounts: readonly Account[]): void {
  const seen = new Set<string>()
  accounts.forEach((a, i) => {
    if (seen.has(a.id)) throw new ConfigError(`invalid config: accounts[${i}].id: duplicate account id "${a.id}"`)
    seen.add(a.id)
    const shared = sharedIncomingToken(a, accounts.slice(0, i))
    if (shared !== undefined) throw new ConfigError(`invalid config: accounts[${i}].${shared}: another account uses the same token`)
  })
}

/** A fresh address for a node started with no config: `test.<random>` (RFC 15 test scheme). */
export function randomTestAddress(): string {
  return `test.node${randomBytes(6).toString('hex')}`
}

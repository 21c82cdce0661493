/**
 * An account as written in the config file and in admin API bodies (snake_case, amounts as integers or strings),
 * and its conversion to the Account model (camelCase, bigint) and back to JSON (amounts as strings).
 */
import { z } from 'zod'
import type { Account } from '../accounts/types.js'
import { HTTP_CONNECTIONS_MAX, HTTP_PIPELINING_MAX } from '../link/http/link.js'
import { accountId, amount, assetCode, assetScale, flag, formatIssues, ilpAddress, integer, routePrefix, signedAmount } from './config-values.js'

/** A token is a shared secret; 256 characters is far beyond any sane one and bounds what we compare. */
const TOKEN_MAX_LENGTH = 256
const token = z.string().min(1).max(TOKEN_MAX_LENGTH)
/** Routes per account: a bound on what one body can add to the routing table. */
export const ROUTES_PER_ACCOUNT_MAX = 1000

export const accountSchema = z.strictObject({
  id: accountId,
  relation: z.enum(['parent', 'peer', 'child']).default('peer'),
  asset_code: assetCode.optional(),
  asset_scale: assetScale.optional(),
  ilp_address: ilpAddress.optional(),
  max_packet_amount: amount.optional(),
  min_balance: signedAmount.optional(),
  max_balance: signedAmount.optional(),
  settle_threshold: signedAmount.optional(),
  settle_to: signedAmount.optional(),
  packets_per_minute: integer(1, Number.MAX_SAFE_INTEGER).optional(),
  amount_per_minute: amount.optional(),
  routes: z.array(routePrefix).max(ROUTES_PER_ACCOUNT_MAX).optional(),
  /** CCP route exchange with this peer; unset keys follow the relation (see docs/configuration.md). */
  routing: z.strictObject({ send_routes: flag.optional(), receive_routes: flag.optional() }).optional(),
  // One direction per account: we dial the peer (url) or the peer dials us (incoming_token). An account with
  // both would only ever dial, and the peer's own connections would be refused.
  btp: z
    .strictObject({ url: z.string().regex(/^btp\+wss?:\/\//, { message: 'expected btp+ws:// or btp+wss://' }).optional(), incoming_token: token.optional() })
    .refine((b) => b.url === undefined || b.incoming_token === undefined, {
      message: 'set url (we dial the peer) or incoming_token (the peer dials us), not both',
      path: ['incoming_token'],
    })
    .optional(),
  http: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }).optional(),
      incoming_token: token.optional(),
      outgoing_token: token.optional(),
      /** JWT_HS_256: the peer's JWTs are verified with this shared secret (beside or instead of incoming_token). */
      incoming_jwt_secret: token.optional(),
      /** JWT_HS_256: we send JWTs derived from this shared secret instead of outgoing_token. */
      outgoing_jwt_secret: token.optional(),
      mode: z.enum(['sync', 'async']).optional(),
      /**
       * Sync requests in flight per connection to the peer (HTTP/1.1 pipelining, RFC 9112 §9.3.2); 1 (default) = off.
       * Faster, but a slow reply delays every reply behind it on its connection: only for peers that answer promptly.
       */
      pipelining: integer(1, HTTP_PIPELINING_MAX).optional(),
      /** Keep-alive connections to the peer, opened as needed; default 64, or 4 with pipelining, or 1 with http2. */
      connections: integer(1, HTTP_CONNECTIONS_MAX).optional(),
      /** Sync requests over HTTP/2 (prior knowledge for http://, ALPN for https://), a stream each. */
      http2: flag.optional(),
    })
    .refine((h) => h.pipelining === undefined || h.pipelining === 1 || h.mode !== 'async', {
      message: 'pipelining applies to sync mode only',
      path: ['pipelining'],
    })
    .refine((h) => h.http2 !== true || h.mode !== 'async', { message: 'http2 applies to sync mode only', path: ['http2'] })
    .refine((h) => h.outgoing_token === undefined || h.outgoing_jwt_secret === undefined, {
      message: 'set outgoing_token (a static bearer token) or outgoing_jwt_secret (JWTs derived from a shared secret), not both',
      path: ['outgoing_jwt_secret'],
    })
    .refine((h) => h.http2 !== true || h.pipelining === undefined || h.pipelining === 1, {
      message: 'pipelining is HTTP/1.1; over HTTP/2 every request has a stream of its own',
      path: ['pipelining'],
    })
    .optional(),
})

export type AccountInput = z.input<typeof accountSchema>
export type ParsedAccount = z.output<typeof accountSchema>

/** The node-wide asset, used where an account does not name its own. */
export interface AssetDefaults {
  readonly assetCode: string
  readonly assetScale: number
}

export class AccountConfigError extends Error {
  override readonly name = 'AccountConfigError'
  readonly code = 'ACCOUNT_INVALID'
  /** The first bad field, e.g. `max_balance` or `btp.url`. */
  readonly field: string
  constructor(message: string, field: string) {
    super(message)
    this.field = field
  }
}

/** Validates one account body; throws AccountConfigError naming the field. `root` prefixes paths (`accounts[2]`). */
export function parseAccount(input: unknown, defaults: AssetDefaults, root = ''): Account {
  const result = accountSchema.safeParse(input)
  if (!result.success) {
    const first = result.error.issues[0]
    // An unknown key is named with the object it is in (`http.colour`), as formatIssues does in the message.
    const path = [...(first?.path ?? []), ...(first?.code === 'unrecognized_keys' ? first.keys.slice(0, 1) : [])]
    const field = path.map(String).join('.')
    throw new AccountConfigError(formatIssues(result.error, root), field)
  }
  return toAccount(result.data, defaults, root)
}

export function toAccount(a: ParsedAccount, defaults: AssetDefaults, root = ''): Account {
  const where = (field: string) => (root ? `${root}.${field}` : field)
  if (a.min_balance !== undefined && a.max_balance !== undefined && a.min_balance > a.max_balance) {
    throw new AccountConfigError(`${where('min_balance')}: must not exceed max_balance`, 'min_balance')
  }
  if (a.settle_to !== undefined && a.settle_threshold === undefined) {
    throw new AccountConfigError(`${where('settle_to')}: needs settle_threshold`, 'settle_to')
  }
  const account: Account = {
    id: a.id,
    relation: a.relation,
    assetCode: a.asset_code ?? defaults.assetCode,
    assetScale: a.asset_scale ?? defaults.assetScale,
    ...(a.ilp_address !== undefined && { ilpAddress: a.ilp_address }),
    ...(a.max_packet_amount !== undefined && { maxPacketAmount: a.max_packet_amount }),
    ...(a.min_balance !== undefined && { minBalance: a.min_balance }),
    ...(a.max_balance !== undefined && { maxBalance: a.max_balance }),
    ...(a.settle_threshold !== undefined && { settleThreshold: a.settle_threshold }),
    ...(a.settle_to !== undefined && { settleTo: a.settle_to }),
    ...(a.packets_per_minute !== undefined && { packetsPerMinute: a.packets_per_minute }),
    ...(a.amount_per_minute !== undefined && { amountPerMinute: a.amount_per_minute }),
    ...(a.routes !== undefined && { routes: a.routes }),
    ...(a.routing?.send_routes !== undefined && { sendRoutes: a.routing.send_routes }),
    ...(a.routing?.receive_routes !== undefined && { receiveRoutes: a.routing.receive_routes }),
    ...(a.btp !== undefined && { btp: { url: a.btp.url, incomingToken: a.btp.incoming_token } }),
    ...(a.http !== undefined && {
      http: {
        url: a.http.url,
        incomingToken: a.http.incoming_token,
        outgoingToken: a.http.outgoing_token,
        mode: a.http.mode,
        ...(a.http.incoming_jwt_secret !== undefined && { incomingJwtSecret: a.http.incoming_jwt_secret }),
        ...(a.http.outgoing_jwt_secret !== undefined && { outgoingJwtSecret: a.http.outgoing_jwt_secret }),
        ...(a.http.pipelining !== undefined && { pipelining: a.http.pipelining }),
        ...(a.http.connections !== undefined && { connections: a.http.connections }),
        ...(a.http.http2 === true && { http2: true }),
      },
    }),
  }
  return stripUndefined(account)
}

/** JSON view of an account: amounts as strings; with `secrets: false` tokens are left out (admin API output). */
export function accountToJson(account: Account, { secrets = false } = {}): Record<string, unknown> {
  const str = (v: bigint | undefined) => (v === undefined ? undefined : v.toString())
  const btp = account.btp && { url: account.btp.url, incoming_token: secrets ? account.btp.incomingToken : undefined }
  const http = account.http && {
    url: account.http.url,
    mode: account.http.mode,
    pipelining: account.http.pipelining,
    connections: account.http.connections,
    http2: account.http.http2,
    incoming_token: secrets ? account.http.incomingToken : undefined,
    outgoing_token: secrets ? account.http.outgoingToken : undefined,
    incoming_jwt_secret: secrets ? account.http.incomingJwtSecret : undefined,
    outgoing_jwt_secret: secrets ? account.http.outgoingJwtSecret : undefined,
  }
  const routing =
    account.sendRoutes === undefined && account.receiveRoutes === undefined
      ? undefined
      : { send_routes: account.sendRoutes, receive_routes: account.receiveRoutes }
  return stripUndefined({
    id: account.id,
    relation: account.relation,
    asset_code: account.assetCode,
    asset_scale: account.assetScale,
    ilp_address: account.ilpAddress,
    max_packet_amount: str(account.maxPacketAmount),
    min_balance: str(account.minBalance),
    max_balance: str(account.maxBalance),
    settle_threshold: str(account.settleThreshold),
    settle_to: str(account.settleTo),
    packets_per_minute: account.packetsPerMinute,
    amount_per_minute: str(account.amountPerMinute),
    routes: account.routes,
    routing: routing && stripUndefined(routing),
    btp: btp && stripUndefined(btp),
    http: http && stripUndefined(http),
  })
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * `PATCH /accounts/:id`: a JSON merge patch (RFC 7396) over an account's JSON, two levels deep, which is the
 * whole depth of the account schema. A field of the patch replaces the current one; an object (`btp`, `http`,
 * `routing`) is merged key by key into the current one; `null` removes a field (an optional one falls back to
 * its default). Arrays (`routes`) are replaced whole. Values deeper than two levels are copied as given, for the
 * parser to refuse: the merge never recurses on what the body nests.
 *
 * `current` should be `accountToJson(account, { secrets: true })`, so the tokens a patch does not name are kept.
 * The result is untrusted input: validate it with parseAccount like any body.
 */
export function mergeAccountPatch(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  return mergeLevel(current, patch, 1)
}

function mergeLevel(current: Record<string, unknown>, patch: Record<string, unknown>, depth: number): Record<string, unknown> {
  // A Map, then fromEntries: a `__proto__` key stays a plain (unknown, refused) key instead of a prototype.
  const merged = new Map(Object.entries(current))
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key)
    else if (depth > 0 && isJsonObject(value)) {
      const before = merged.get(key)
      merged.set(key, mergeLevel(isJsonObject(before) ? before : {}, value, depth - 1))
    } else merged.set(key, value)
  }
  return Object.fromEntries(merged)
}

function stripUndefined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key]
  return o
}

const INCOMING_TOKENS = [
  ['btp.incoming_token', (a: Account) => a.btp?.incomingToken],
  ['http.incoming_token', (a: Account) => a.http?.incomingToken],
] as const

/**
 * The incoming-token field of `account` that another account already uses, if any. A peer that presents a
 * token without a username is recognised by the token alone, so two accounts sharing one would be ambiguous.
 */
export function sharedIncomingToken(account: Account, others: Iterable<Account>): string | undefined {
  for (const other of others) {
    if (other.id === account.id) continue
    for (const [field, pick] of INCOMING_TOKENS) {
      const token = pick(account)
      if (token !== undefined && token === pick(other)) return field
    }
  }
  return undefined
}

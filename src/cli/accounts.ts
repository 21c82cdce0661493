/** `ilp accounts list|add|show|update|remove|deposit` and `ilp balance ID`: clients of a running node's admin API. */
import { Command, Option } from 'commander'
import { action, adminClient, CliError, printJson, printTable, withAdminOptions, type AdminOptions } from './admin-client.js'

interface AddOptions extends AdminOptions {
  relation?: string
  assetCode?: string
  assetScale?: string
  ilpAddress?: string
  maxPacketAmount?: string
  minBalance?: string
  maxBalance?: string
  settleThreshold?: string
  settleTo?: string
  route?: string[]
  btpUrl?: string
  btpIncomingToken?: string
  httpUrl?: string
  httpIncomingToken?: string
  httpIncomingJwtSecret?: string
  httpOutgoingJwtSecret?: string
  httpOutgoingToken?: string
  json?: string
}

type AccountJson = Record<string, unknown> & { id: string }

/** Builds the POST /accounts body from flags; `--json` gives the whole body (flags then override it). */
export function accountBody(id: string, o: AddOptions): Record<string, unknown> {
  let body: Record<string, unknown> = {}
  if (o.json !== undefined) {
    try {
      body = JSON.parse(o.json) as Record<string, unknown>
    } catch {
      throw new CliError('--json: not valid JSON')
    }
  }
  const set = (key: string, value: unknown) => value !== undefined && (body[key] = value)
  body.id = id
  set('relation', o.relation)
  set('asset_code', o.assetCode)
  set('asset_scale', o.assetScale)
  set('ilp_address', o.ilpAddress)
  set('max_packet_amount', o.maxPacketAmount)
  set('min_balance', o.minBalance)
  set('max_balance', o.maxBalance)
  set('settle_threshold', o.settleThreshold)
  set('settle_to', o.settleTo)
  set('routes', o.route)
  if (o.btpUrl !== undefined || o.btpIncomingToken !== undefined) {
    body.btp = { ...(body.btp as object), ...(o.btpUrl && { url: o.btpUrl }), ...(o.btpIncomingToken && { incoming_token: o.btpIncomingToken }) }
  }
  if ([o.httpUrl, o.httpIncomingToken, o.httpOutgoingToken, o.httpIncomingJwtSecret, o.httpOutgoingJwtSecret].some((v) => v !== undefined)) {
    body.http = {
      ...(body.http as object),
      ...(o.httpUrl && { url: o.httpUrl }),
      ...(o.httpIncomingToken && { incoming_token: o.httpIncomingToken }),
      ...(o.httpOutgoingToken && { outgoing_token: o.httpOutgoingToken }),
      ...(o.httpIncomingJwtSecret && { incoming_jwt_secret: o.httpIncomingJwtSecret }),
      ...(o.httpOutgoingJwtSecret && { outgoing_jwt_secret: o.httpOutgoingJwtSecret }),
    }
  }
  return body
}

function addCommand(): Command {
  const collect = (value: string, previous: string[] = []) => [...previous, value]
  return withAdminOptions(
    new Command('add')
      .description('add an account to the running node (kept across restarts)')
      .argument('<id>', 'account id')
      .addOption(new Option('--relation <relation>', 'parent, peer or child').choices(['parent', 'peer', 'child']))
      .option('--asset-code <code>')
      .option('--asset-scale <scale>')
      .option('--ilp-address <address>')
      .option('--max-packet-amount <amount>')
      .option('--min-balance <amount>', 'credit given to the peer, e.g. -1000000')
      .option('--max-balance <amount>')
      .option('--settle-threshold <amount>')
      .option('--settle-to <amount>')
      .option('--route <prefix>', 'static route through this account (repeatable)', collect)
      .option('--btp-url <url>', 'dial the peer: btp+ws://user:token@host:port')
      .option('--btp-incoming-token <token>')
      .option('--http-url <url>')
      .option('--http-incoming-token <token>')
      .option('--http-outgoing-token <token>')
      .option('--http-incoming-jwt-secret <secret>', "verify the peer's JWTs (JWT_HS_256) with this shared secret")
      .option('--http-outgoing-jwt-secret <secret>', 'send JWTs derived from this shared secret instead of a token')
      .option('--json <body>', 'the whole account as JSON (snake_case keys, as in the config file)'),
  ).action(
    action(async (id: string, o: AddOptions) => {
      const created = await adminClient(o).request<AccountJson>('POST', '/accounts', accountBody(id, o))
      process.stdout.write(`added account ${created.id}\n`)
    }),
  )
}

/**
 * A value of `--set KEY=VALUE`: JSON where it parses (`16`, `true`, `null`, `["g.a"]`, `{"url": "…"}`), else the
 * text itself. A number that is not a safe integer (`1.5`, `18446744073709551615`) is sent as the text the user
 * typed: JSON.parse would round it, and the API takes amounts as strings and refuses fractions.
 */
function setValue(text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return text
  }
  return typeof value === 'number' && !Number.isSafeInteger(value) ? text : value
}

/** Dots in a key nest (`http.pipelining`); bounded well past the account schema's two levels. */
const SET_KEY_DEPTH_MAX = 4

/**
 * The PATCH /accounts/:id body from `--set KEY=VALUE` pairs: `max_packet_amount=1000`, `http.pipelining=16`
 * (dots address nested fields), `ilp_address=null` (removes the field).
 */
export function patchBody(pairs: readonly string[]): Record<string, unknown> {
  if (pairs.length === 0) throw new CliError('nothing to change: pass --set KEY=VALUE (repeatable)')
  // Objects without a prototype: a key such as `__proto__` stays a key, for the API to refuse.
  const body: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    const path = at < 0 ? [] : pair.slice(0, at).split('.')
    if (path.length === 0 || path.length > SET_KEY_DEPTH_MAX || path.some((k) => k === '')) {
      throw new CliError(`--set ${JSON.stringify(pair)}: expected KEY=VALUE, e.g. max_packet_amount=1000 or http.pipelining=16`)
    }
    let target = body
    for (const key of path.slice(0, -1)) {
      const next = Object.hasOwn(target, key) ? target[key] : (target[key] = Object.create(null))
      if (next === null || typeof next !== 'object' || Array.isArray(next)) throw new CliError(`--set ${path.join('.')}: ${key} is already set to a value`)
      target = next as Record<string, unknown>
    }
    const last = path[path.length - 1]!
    if (Object.hasOwn(target, last)) throw new CliError(`--set ${path.join('.')}: set twice`)
    target[last] = setValue(pair.slice(at + 1))
  }
  return body
}

function updateCommand(): Command {
  const collect = (value: string, previous: string[] = []) => [...previous, value]
  return withAdminOptions(
    new Command('update')
      .description('change some fields of an account added at run time; the rest, tokens included, stay as they are')
      .argument('<id>', 'account id')
      .option('--set <key=value>', 'a config-file key: max_packet_amount=1000, http.pipelining=16, ilp_address=null (removes it); repeatable', collect)
      .option('--json', 'print the updated account'),
  ).action(
    action(async (id: string, o: AdminOptions & { set?: string[]; json?: boolean }) => {
      const body = patchBody(o.set ?? [])
      const updated = await adminClient(o).request<AccountJson>('PATCH', `/accounts/${encodeURIComponent(id)}`, body)
      if (o.json) return printJson(updated)
      process.stdout.write(`updated account ${updated.id}\n`)
    }),
  )
}

export function register(program: Command): void {
  const accounts = program.command('accounts').description("manage a running node's accounts")
  withAdminOptions(accounts.command('list').description('list accounts').option('--json', 'print JSON')).action(
    action(async (o: AdminOptions & { json?: boolean }) => {
      const list = await adminClient(o).request<AccountJson[]>('GET', '/accounts')
      if (o.json) return printJson(list)
      printTable([['ID', 'RELATION', 'ASSET', 'ILP ADDRESS'], ...list.map((a) => [a.id, String(a.relation), `${String(a.asset_code)}/${String(a.asset_scale)}`, String(a.ilp_address ?? '')])])
    }),
  )
  accounts.addCommand(addCommand())
  withAdminOptions(accounts.command('show').description('show one account').argument('<id>')).action(
    action(async (id: string, o: AdminOptions) => printJson(await adminClient(o).request('GET', `/accounts/${encodeURIComponent(id)}`))),
  )
  accounts.addCommand(updateCommand())
  withAdminOptions(accounts.command('remove').description('remove an account added at run time').argument('<id>')).action(
    action(async (id: string, o: AdminOptions) => {
      await adminClient(o).request('DELETE', `/accounts/${encodeURIComponent(id)}`)
      process.stdout.write(`removed account ${id}\n`)
    }),
  )
  withAdminOptions(
    accounts.command('deposit').description("credit an account (the peer prefunded it): raises what the node owes it").argument('<id>').argument('<amount>', 'integer, in the account asset scale').option('--memo <text>'),
  ).action(
    action(async (id: string, amount: string, o: AdminOptions & { memo?: string }) => {
      const b = await adminClient(o).request<Record<string, string>>('POST', `/accounts/${encodeURIComponent(id)}/deposit`, { amount, ...(o.memo !== undefined && { memo: o.memo }) })
      process.stdout.write(`${id}: balance ${b.balance}\n`)
    }),
  )
  withAdminOptions(program.command('balance').description("an account's balance (what the node owes the peer)").argument('<id>').option('--json', 'print JSON')).action(
    action(async (id: string, o: AdminOptions & { json?: boolean }) => {
      const b = await adminClient(o).request<Record<string, string>>('GET', `/accounts/${encodeURIComponent(id)}/balance`)
      if (o.json) return printJson(b)
      process.stdout.write(
        `${id}: balance ${b.balance} (pending incoming ${b.pending_incoming}, pending outgoing ${b.pending_outgoing}) ${b.asset_code} scale ${b.asset_scale}\n`,
      )
    }),
  )
}

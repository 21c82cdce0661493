/**
 * The seam between the node and its network links (see README.md "Adding a transport").
 *
 * A Transport owns one kind of link (BTP, ILP over HTTP, ...). The node calls, in this order:
 *   start(ctx)             once: open the shared listener if the config asks for one (btp.listen, http.listen);
 *   accountsChanged(list)  at start and after every account change: refresh token lookups;
 *   linkFor(account)       for each account at start and on add/update: a link when the account's settings
 *                          use this transport (e.g. `btp.url`, `http.url`), else undefined;
 *   stop()                 once, after the connector stopped sending.
 * Links that appear on their own (a peer dialling our BTP server and authenticating as an account) are handed
 * to the node with ctx.attach(accountId, link); when such a socket goes, ctx.detach(accountId, link).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Account } from '../accounts/types.js'
import type { Link } from '../link/types.js'
import type { LinkLogger } from '../link/log.js'
import { readListenerTls, type ListenerTls, type NodeConfig } from './config.js'

export interface TransportContext {
  readonly log: LinkLogger
  /** The node's ILP address ('' until known), for Rejects a link makes itself. */
  address(): string
  /** A link came up for `accountId` (e.g. an authenticated incoming socket): the connector uses it from now on. */
  attach(accountId: string, link: Link): void
  /** That link went away; the account has no link until another attaches. */
  detach(accountId: string, link: Link): void
  /** Non-ILP requests on a shared HTTP listener (e.g. SPSP from a plugin); resolves false when nobody answered. */
  httpRequest?(req: IncomingMessage, res: ServerResponse): Promise<boolean>
}

export interface Transport {
  /** 'btp', 'http', ...: shown in /health next to each link. */
  readonly name: string
  start(ctx: TransportContext): Promise<void>
  /** The current accounts, after every change: rebuild what authenticates incoming peers. */
  accountsChanged(accounts: readonly Account[]): void
  /** A link for this account if its settings use this transport; the node closes it when the account changes. */
  linkFor(account: Account): Link | undefined
  /** Where the listener is bound (`http://127.0.0.1:7769`), if it has one. */
  readonly url?: string | undefined
  /**
   * With a TLS listener: reads its certificate files again and returns what puts them in use (throws a
   * ConfigError, changing nothing, when they cannot be read or do not match). Undefined without one.
   */
  prepareTlsReload?(): (() => void) | undefined
  stop(): Promise<void>
}

/** Makes a transport from the node config; may return undefined when the config does not use it. */
export type TransportFactory = (config: NodeConfig) => Transport | undefined

/** Pairs (account id, incoming token) of every account that sets one, for createTokenAuthenticator. */
export function incomingTokens(accounts: readonly Account[], pick: (a: Account) => string | undefined): { accountId: string; token: string }[] {
  const out: { accountId: string; token: string }[] = []
  for (const account of accounts) {
    const token = pick(account)
    if (token) out.push({ accountId: account.id, token })
  }
  return out
}

/** A transport's prepareTlsReload: reads `tls`'s files again (throwing, changing nothing) and returns what puts them in use. */
export function tlsReload(tls: ListenerTls | undefined, server: { setTls(tls: { cert: Buffer; key: Buffer }): void } | undefined, name: string): (() => void) | undefined {
  if (tls === undefined || server === undefined) return undefined
  const fresh = readListenerTls(tls.certPath, tls.keyPath, name)
  return () => server.setTls(fresh)
}

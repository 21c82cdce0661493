/**
 * ILP over HTTP (RFC 35) as a node transport: one listener on `http.listen` for every account, and for each
 * account with `http` settings a link that POSTs to its `http.url` and receives on the listener.
 */
import type { Account } from '../accounts/types.js'
import { createHttpLink } from '../link/http/link.js'
import { createHttpLinkServer, type HttpLinkServer } from '../link/http/server.js'
import { createTokenAuthenticator, type Authenticate } from '../link/tokens.js'
import type { Link } from '../link/types.js'
import type { NodeConfig } from './config.js'
import { incomingTokens, tlsReload, type Transport, type TransportContext } from './transports.js'

export function httpTransport(config: NodeConfig): Transport {
  let server: HttpLinkServer | undefined
  let ctx: TransportContext | undefined
  let authenticate: Authenticate = () => undefined
  return {
    name: 'http',
    get url() {
      return server?.url
    },
    async start(context) {
      ctx = context
      const listen = config.http?.listen
      if (listen === undefined) return
      const tls = config.http?.tls
      server = await createHttpLinkServer({
        listen,
        ...(tls !== undefined && { tls }),
        authenticate: (u, t) => authenticate(u, t),
        log: context.log,
        ...(context.httpRequest && { otherRequests: (req, res) => context.httpRequest!(req, res) }),
      })
    },
    accountsChanged(accounts: readonly Account[]) {
      const jwtSecrets = accounts.flatMap((a) => (a.http?.incomingJwtSecret ? [{ accountId: a.id, jwtSecret: a.http.incomingJwtSecret }] : []))
      authenticate = createTokenAuthenticator(incomingTokens(accounts, (a) => a.http?.incomingToken), jwtSecrets)
      server?.credentialsChanged()
    },
    linkFor(account: Account): Link | undefined {
      const http = account.http
      const incoming = http?.incomingToken ?? http?.incomingJwtSecret
      if (http === undefined || (http.url === undefined && incoming === undefined)) return undefined
      if (incoming !== undefined && server === undefined) {
        ctx?.log.warn({ account: account.id }, 'account has http.incoming_token or incoming_jwt_secret but http.listen is not set: the peer cannot reach us')
      }
      return createHttpLink({
        accountId: account.id,
        ...(http.url !== undefined && { url: http.url }),
        ...(http.outgoingToken !== undefined && { outgoingToken: http.outgoingToken }),
        ...(http.outgoingJwtSecret !== undefined && { outgoingJwtSecret: http.outgoingJwtSecret }),
        ...(http.mode !== undefined && { mode: http.mode }),
        ...(http.pipelining !== undefined && { pipelining: http.pipelining }),
        ...(http.connections !== undefined && { connections: http.connections }),
        ...(http.http2 === true && { http2: true }),
        ...(server !== undefined && { server }),
        address: () => ctx?.address() ?? '',
        ...(ctx !== undefined && { log: ctx.log }),
      })
    },
    prepareTlsReload: () => tlsReload(config.http?.tls, server, 'http'),
    async stop() {
      await server?.close()
      server = undefined
    },
  }
}

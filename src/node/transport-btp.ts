/**
 * BTP 2.0 over WebSocket (RFC 23) as a node transport: one server on `btp.listen` for every account that sets
 * `btp.incoming_token` (the peer dials us), and a reconnecting client for every account with `btp.url`
 * (we dial the peer). Both give the account one persistent Link that outlives sockets.
 */
import type { Account } from '../accounts/types.js'
import { createBtpClientLink } from '../link/btp/client.js'
import { createBtpServer, type BtpServer } from '../link/btp/server.js'
import { createTokenAuthenticator, type Authenticate } from '../link/tokens.js'
import type { Link } from '../link/types.js'
import type { NodeConfig } from './config.js'
import { incomingTokens, tlsReload, type Transport, type TransportContext } from './transports.js'

export function btpTransport(config: NodeConfig): Transport {
  let server: BtpServer | undefined
  let ctx: TransportContext | undefined
  let authenticate: Authenticate = () => undefined
  return {
    name: 'btp',
    get url() {
      return server?.url
    },
    async start(context) {
      ctx = context
      const listen = config.btp?.listen
      if (listen === undefined) return
      const tls = config.btp?.tls
      server = await createBtpServer({ listen, authenticate: (u, t) => authenticate(u, t), log: context.log, ...(tls !== undefined && { tls }) })
    },
    accountsChanged(accounts: readonly Account[]) {
      authenticate = createTokenAuthenticator(incomingTokens(accounts, (a) => a.btp?.incomingToken))
    },
    linkFor(account: Account): Link | undefined {
      const btp = account.btp
      if (btp?.url !== undefined) return createBtpClientLink({ url: btp.url, accountId: account.id, ...(ctx && { log: ctx.log }) })
      if (btp?.incomingToken === undefined) return undefined
      if (server === undefined) {
        ctx?.log.warn({ account: account.id }, 'account has btp.incoming_token but btp.listen is not set: nobody can dial in')
        return undefined
      }
      return server.link(account.id)
    },
    prepareTlsReload: () => tlsReload(config.btp?.tls, server, 'btp'),
    async stop() {
      await server?.close()
      server = undefined
    },
  }
}

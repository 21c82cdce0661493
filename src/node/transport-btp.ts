/**
 * BTP (RFC 23) as a node transport: one WebSocket listener on `btp.listen` for every account whose peer dials
 * in (authenticated by the account's `btp.incoming_token`), and a reconnecting client link for each account
 * with a `btp.url`. An account served by the listener gets its persistent link at once (connected while the
 * peer's socket is up, LINK_DOWN → T01 otherwise), so no attach/detach is needed.
 */
import type { Account } from '../accounts/types.js'
import { createBtpClientLink } from '../link/btp/client.js'
import { createBtpServer, type BtpServer } from '../link/btp/server.js'
import { createTokenAuthenticator, type Authenticate } from '../link/tokens.js'
import type { Link } from '../link/types.js'
import type { NodeConfig } from './config.js'
import { incomingTokens, type Transport, type TransportContext } from './transports.js'

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
      server = await createBtpServer({ listen, authenticate: (u, t) => authenticate(u, t), log: context.log })
    },
    accountsChanged(accounts: readonly Account[]) {
      authenticate = createTokenAuthenticator(incomingTokens(accounts, (a) => a.btp?.incomingToken))
    },
    linkFor(account: Account): Link | undefined {
      const btp = account.btp
      if (btp?.url !== undefined) return createBtpClientLink({ url: btp.url, accountId: account.id, ...(ctx !== undefined && { log: ctx.log }) })
      if (btp?.incomingToken !== undefined && server !== undefined) return server.link(account.id)
      return undefined
    },
    async stop() {
      await server?.close()
      server = undefined
    },
  }
}

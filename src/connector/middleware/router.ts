/**
 * Longest-prefix route lookup (RFC 27 step 5). No route, a route to an account that is gone, or a route back
 * to the account the packet came from: F02. Turns the incoming request into the outgoing one, so the stages
 * after this one are the only ones that can see the next hop.
 */
import type { Account } from '../../accounts/types.js'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import type { NodeIdentity } from '../context.js'
import type { RoutingTable } from '../routing-table.js'
import type { IncomingHandler, OutgoingHandler, OutgoingRequest } from '../types.js'

export interface RouterOptions {
  readonly self: NodeIdentity
  readonly routes: RoutingTable
  readonly accounts: ReadonlyMap<string, Account>
}

export function createRouter(options: RouterOptions, next: OutgoingHandler): IncomingHandler {
  const { self, routes, accounts } = options
  return (request) => {
    const { prepare, from, hop } = request
    const route = routes.lookup(prepare.destination)
    if (route === undefined) {
      return Promise.resolve(reject(IlpErrorCode.F02_UNREACHABLE, self.address, `no route to ${prepare.destination}`))
    }
    if (route.nextHop === from.id) {
      return Promise.resolve(reject(IlpErrorCode.F02_UNREACHABLE, self.address, `the route to ${prepare.destination} leads back to the sender`))
    }
    const to = accounts.get(route.nextHop)
    if (to === undefined) {
      return Promise.resolve(reject(IlpErrorCode.F02_UNREACHABLE, self.address, `no route to ${prepare.destination} (next hop ${route.nextHop} is not configured)`))
    }
    hop.to = to.id
    const outgoing: OutgoingRequest = { from, to, incoming: prepare, amount: prepare.amount, expiresAt: prepare.expiresAt, hop }
    return next(outgoing)
  }
}

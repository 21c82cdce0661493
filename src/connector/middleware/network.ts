/**
 * Testnet/livenet separation (RFC 34 / protocol-notes §2.3): a node on a `test*` address rejects `g.*`
 * destinations and a node on `g.*` rejects `test*` ones, F02. Other schemes (private, example, local, …) pass.
 * Until the node knows its address there is nothing to compare with, and every destination passes.
 */
import { isGlobalAddress, isTestnetAddress } from '../../ilp/address.js'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import type { NodeIdentity } from '../context.js'
import type { IncomingMiddleware } from '../types.js'

export function wrongNetwork(nodeAddress: string, destination: string): boolean {
  if (nodeAddress === '') return false
  if (isTestnetAddress(nodeAddress)) return isGlobalAddress(destination)
  if (isGlobalAddress(nodeAddress)) return isTestnetAddress(destination)
  return false
}

export function createNetworkSeparation(options: { self: NodeIdentity }): IncomingMiddleware {
  const { self } = options
  return (next) => (request) => {
    if (wrongNetwork(self.address, request.prepare.destination)) {
      const network = isTestnetAddress(self.address) ? 'testnet' : 'livenet'
      return Promise.resolve(reject(IlpErrorCode.F02_UNREACHABLE, self.address, `this node is on the ${network}; ${request.prepare.destination} is not`))
    }
    return next(request)
  }
}

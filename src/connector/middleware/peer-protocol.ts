/**
 * `peer.*` packets are for this node and are never forwarded (RFC 15, RFC 34):
 *  - `peer.config` is answered by ILDCP (RFC 31) for child accounts: address `<node>.<id>` unless the account
 *    sets `ilpAddress`, the account's asset code and scale; other relations get F02;
 *  - a registered handler answers its prefix (CCP registers `peer.route`, settlement `peer.settle`);
 *  - anything else gets F02, so `peer.route.*` is F02 while no CCP speaker is registered.
 * Peer-protocol packets move no money: one with a non-zero amount gets F00 before any handler sees it.
 */
import type { Account } from '../../accounts/types.js'
import { isAddressPrefixOf } from '../../ilp/address.js'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import { ILDCP_DESTINATION, answerIldcpRequest } from '../../ilp/ildcp.js'
import type { IlpPrepare, IlpReply } from '../../ilp/types.js'
import { childAddress } from '../addresses.js'
import type { NodeIdentity } from '../context.js'
import type { IncomingMiddleware, PacketHandler } from '../types.js'

export const PEER_SCHEME_PREFIX = 'peer.'

export interface PeerProtocolOptions {
  readonly self: NodeIdentity
  readonly now: () => number
  /** Handlers by address prefix (`peer.route`, `peer.settle`); read on every peer packet, so changes apply at once. */
  readonly handlers: ReadonlyMap<string, PacketHandler>
}

function answerConfig(prepare: IlpPrepare, from: Account, self: NodeIdentity, nowMs: number): IlpReply {
  if (from.relation !== 'child') {
    return reject(IlpErrorCode.F02_UNREACHABLE, self.address, `peer.config is served to child accounts only; ${from.id} is a ${from.relation}`)
  }
  const clientAddress = childAddress(self.address, from)
  if (clientAddress === undefined) {
    return reject(IlpErrorCode.T00_INTERNAL_ERROR, self.address, `no ILP address for account ${from.id} yet`)
  }
  return answerIldcpRequest(prepare, nowMs, self.address, { clientAddress, assetScale: from.assetScale, assetCode: from.assetCode })
}

export function createPeerProtocol(options: PeerProtocolOptions): IncomingMiddleware {
  const { self, handlers } = options
  return (next) => (request) => {
    const { prepare, from } = request
    if (!prepare.destination.startsWith(PEER_SCHEME_PREFIX)) return next(request)
    if (prepare.amount !== 0n) {
      return Promise.resolve(reject(IlpErrorCode.F00_BAD_REQUEST, self.address, 'peer protocol packets must have amount 0'))
    }
    for (const [prefix, handler] of handlers) {
      if (isAddressPrefixOf(prefix, prepare.destination)) return handler(prepare, from)
    }
    if (prepare.destination === ILDCP_DESTINATION) return Promise.resolve(answerConfig(prepare, from, self, options.now()))
    return Promise.resolve(reject(IlpErrorCode.F02_UNREACHABLE, self.address, `${prepare.destination} is a peer protocol address and is not forwarded`))
  }
}

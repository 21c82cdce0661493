/** Addresses the node gives its accounts. */
import type { Account } from '../accounts/types.js'
import { isValidIlpAddress } from '../ilp/address.js'

/**
 * A child's address: its configured `ilpAddress`, else `<node address>.<account id>` (RFC 31: the parent
 * assigns it). Undefined when neither gives a valid address (node address not known yet, or an id that is
 * not a valid address segment).
 */
export function childAddress(nodeAddress: string, account: Account): string | undefined {
  if (account.ilpAddress !== undefined) return account.ilpAddress
  if (nodeAddress === '') return undefined
  const address = `${nodeAddress}.${account.id}`
  return isValidIlpAddress(address) ? address : undefined
}

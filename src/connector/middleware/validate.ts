/**
 * F01 for a Prepare object that could never have come off the wire. Packets decoded from bytes (they carry
 * RAW) were already checked by the codec; objects handed in by in-process callers are checked here, so a bad
 * one is refused before it touches a balance.
 */
import { isValidIlpAddress } from '../../ilp/address.js'
import { IlpErrorCode, reject } from '../../ilp/errors.js'
import { CONDITION_LENGTH, ILP_DATA_MAX_LENGTH } from '../../ilp/packet.js'
import { RAW, type IlpPrepare } from '../../ilp/types.js'
import { U64_MAX } from '../../money/index.js'
import type { NodeIdentity } from '../context.js'
import type { IncomingMiddleware } from '../types.js'

/** Why a Prepare object is malformed, or undefined when it is well formed. */
export function prepareProblem(prepare: IlpPrepare): string | undefined {
  if (typeof prepare !== 'object' || prepare === null) return 'not a Prepare'
  if (typeof prepare.amount !== 'bigint' || prepare.amount < 0n || prepare.amount > U64_MAX) return 'amount is not a UInt64'
  if (!(prepare.expiresAt instanceof Date) || !Number.isFinite(prepare.expiresAt.getTime())) return 'expiresAt is not a valid time'
  if (!(prepare.executionCondition instanceof Uint8Array) || prepare.executionCondition.length !== CONDITION_LENGTH) {
    return `executionCondition must be ${CONDITION_LENGTH} bytes`
  }
  if (!isValidIlpAddress(prepare.destination)) return 'destination is not a valid ILP address'
  if (!(prepare.data instanceof Uint8Array) || prepare.data.length > ILP_DATA_MAX_LENGTH) return `data must be at most ${ILP_DATA_MAX_LENGTH} bytes`
  return undefined
}

export function createValidatePrepare(options: { self: NodeIdentity }): IncomingMiddleware {
  const { self } = options
  return (next) => (request) => {
    if (request.prepare?.[RAW] === undefined) {
      const problem = prepareProblem(request.prepare)
      if (problem !== undefined) return Promise.resolve(reject(IlpErrorCode.F01_INVALID_PACKET, self.address, problem))
    }
    return next(request)
  }
}

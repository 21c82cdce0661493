/**
 * Validating an Account config and storing it as JSON (bigint fields as decimal text, since JSON has no bigint
 * and these may exceed 2^53).
 */
import { isValidIlpAddress } from '../ilp/address.js'
import { isU64 } from '../money/index.js'
import { LedgerError } from './errors.js'
import type { Account, AccountRelation } from './types.js'

/** Account ids travel in URLs (admin API, ILP-over-HTTP paths) and in child addresses: one address segment's safe subset. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_~-]+$/
/** Longest account id; well under the 1023-character ILP address limit (RFC 15) so `<node>.<id>` fits. */
export const ACCOUNT_ID_LENGTH_MAX = 128
/** RFC 38 / ILDCP carry the asset scale as a UInt8. */
export const ASSET_SCALE_MAX = 255

const RELATIONS: readonly AccountRelation[] = ['parent', 'peer', 'child']
const BIGINT_FIELDS = ['maxPacketAmount', 'minBalance', 'maxBalance', 'settleThreshold', 'settleTo', 'amountPerMinute'] as const

function invalid(id: unknown, why: string): LedgerError {
  return new LedgerError('ACCOUNT_INVALID', `account ${JSON.stringify(id)}: ${why}`)
}

export function isValidAccountId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= ACCOUNT_ID_LENGTH_MAX && ACCOUNT_ID_PATTERN.test(id)
}

function checkBigints(account: Account): void {
  for (const field of BIGINT_FIELDS) {
    const value = account[field]
    if (value !== undefined && typeof value !== 'bigint') throw invalid(account.id, `${field} must be a bigint`)
  }
  if (account.maxPacketAmount !== undefined && !isU64(account.maxPacketAmount)) throw invalid(account.id, 'maxPacketAmount must be a u64')
  if (account.amountPerMinute !== undefined && !isU64(account.amountPerMinute)) throw invalid(account.id, 'amountPerMinute must be a u64')
  const { minBalance, maxBalance } = account
  if (minBalance !== undefined && maxBalance !== undefined && minBalance > maxBalance) {
    throw invalid(account.id, 'minBalance is above maxBalance')
  }
}

/** Throws ACCOUNT_INVALID unless `account` is well formed; returns it. */
export function validateAccount(account: Account): Account {
  if (typeof account !== 'object' || account === null) throw invalid(undefined, 'not an object')
  if (!isValidAccountId(account.id)) throw invalid(account.id, `id must match ${ACCOUNT_ID_PATTERN} (≤ ${ACCOUNT_ID_LENGTH_MAX} chars)`)
  if (!RELATIONS.includes(account.relation)) throw invalid(account.id, `relation must be one of ${RELATIONS.join(', ')}`)
  if (typeof account.assetCode !== 'string' || account.assetCode.length === 0) throw invalid(account.id, 'assetCode is required')
  const scale = account.assetScale
  if (!Number.isInteger(scale) || scale < 0 || scale > ASSET_SCALE_MAX) throw invalid(account.id, `assetScale must be 0..${ASSET_SCALE_MAX}`)
  if (account.ilpAddress !== undefined && !isValidIlpAddress(account.ilpAddress)) throw invalid(account.id, 'ilpAddress is not an ILP address')
  const ppm = account.packetsPerMinute
  if (ppm !== undefined && (!Number.isInteger(ppm) || ppm <= 0)) throw invalid(account.id, 'packetsPerMinute must be a positive integer')
  if (account.routes !== undefined && (!Array.isArray(account.routes) || !account.routes.every((r) => typeof r === 'string'))) {
    throw invalid(account.id, 'routes must be strings')
  }
  for (const flag of ['sendRoutes', 'receiveRoutes'] as const) {
    if (account[flag] !== undefined && typeof account[flag] !== 'boolean') throw invalid(account.id, `${flag} must be a boolean`)
  }
  checkBigints(account)
  return account
}

/** JSON text of a validated account; bigint fields become decimal strings. */
export function encodeAccount(account: Account): string {
  return JSON.stringify(account, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
}

/** The inverse of encodeAccount; the result is validated. */
export function decodeAccount(text: string): Account {
  const raw = JSON.parse(text) as Record<string, unknown>
  for (const field of BIGINT_FIELDS) {
    const value = raw[field]
    if (value === undefined) continue
    if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw invalid(raw.id, `stored ${field} is not an integer`)
    raw[field] = BigInt(value)
  }
  return validateAccount(raw as unknown as Account)
}

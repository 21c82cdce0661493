/** Validation of the small admin API bodies (routes, rates); each failure names the field. */
import { z } from 'zod'
import { accountId, amount, decimal, formatIssues, routePrefix } from './config-values.js'
import { NodeError } from './errors.js'

/** Rate tables beyond this many assets are refused: a bound on one body. */
export const RATES_MAX = 1_000

/** A memo is for people reading the journal; bound it like an ILP message (RFC 27: 8191 bytes). */
export const MEMO_MAX_LENGTH = 1000

const depositBody = z.strictObject({
  amount: amount.refine((v) => v > 0n, { message: 'must be above zero' }),
  memo: z.string().max(MEMO_MAX_LENGTH).optional(),
})
const routeBody = z.strictObject({ next_hop: accountId })
const ratesBody = z.record(z.string().regex(/^[A-Za-z0-9]{1,16}$/, { message: 'asset codes are 1-16 letters or digits' }), decimal)

function firstField(error: z.ZodError): string {
  const issue = error.issues[0]
  if (issue === undefined) return ''
  if (issue.code === 'unrecognized_keys') return issue.keys[0] ?? ''
  return issue.path.map(String).join('.')
}

/**
 * The prefix of `/routes/:prefix`. `default` names the default route, prefix '' (which matches every
 * destination): it is not an ILP address prefix itself (no such allocation scheme, RFC 15), so it cannot clash
 * with one. (`/routes/`, the empty prefix, means the same.)
 */
const DEFAULT_ROUTE_PARAM = 'default'

export function routeParam(prefix: string): string {
  if (prefix === DEFAULT_ROUTE_PARAM) return ''
  const result = routePrefix.safeParse(prefix)
  if (!result.success) throw new NodeError('ROUTE_INVALID', `prefix: ${JSON.stringify(prefix)} is not a valid ILP address prefix`, { field: 'prefix' })
  return result.data
}

export function parseRouteBody(body: unknown): { nextHop: string } {
  const result = routeBody.safeParse(body ?? {})
  if (!result.success) throw new NodeError('ROUTE_INVALID', formatIssues(result.error), { field: firstField(result.error) })
  return { nextHop: result.data.next_hop }
}

/** `{ "USD": "1", "EUR": "0.92" }` or `{ "rates": { ... } }`: units of each asset per unit of the base asset. */
export function parseRatesBody(body: unknown): Record<string, string> {
  const table = body !== null && typeof body === 'object' && 'rates' in body ? (body as { rates: unknown }).rates : body
  const result = ratesBody.safeParse(table ?? {})
  if (!result.success) throw new NodeError('RATES_INVALID', formatIssues(result.error, 'rates'), { field: `rates.${firstField(result.error)}` })
  if (Object.keys(result.data).length > RATES_MAX) throw new NodeError('RATES_INVALID', `rates: more than ${RATES_MAX} assets`, { field: 'rates' })
  for (const [code, rate] of Object.entries(result.data)) {
    if (/^0+(\.0+)?$/.test(rate)) throw new NodeError('RATES_INVALID', `rates.${code}: a rate must be above zero`, { field: `rates.${code}` })
  }
  return result.data
}

/** `{ "amount": "1000", "memo": "wire 42" }`: amount in the account's asset scale. */
export function parseDepositBody(body: unknown): { amount: bigint; memo: string | undefined } {
  const result = depositBody.safeParse(body ?? {})
  if (!result.success) throw new NodeError('BAD_REQUEST', formatIssues(result.error), { field: firstField(result.error) })
  return { amount: result.data.amount, memo: result.data.memo }
}

/**
 * Zod field types shared by the config file, the environment overrides and the admin API bodies.
 * Amounts become bigint exactly: a YAML integer (parsed as bigint), a JSON number that is a safe integer, or a
 * string of digits. 1.5, 1e3 and JSON numbers beyond 2^53 (which already lost precision) are refused.
 */
import { z } from 'zod'
import { isValidIlpAddress } from '../ilp/address.js'

/** Largest unsigned 64-bit integer: the ILP amount range (RFC 27). */
const U64_MAX = 2n ** 64n - 1n
const I64_MIN = -(2n ** 63n)
const INTEGER = /^-?[0-9]+$/

function toBigInt(value: unknown): bigint | string {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `${value} is not an integer amount`
    if (!Number.isSafeInteger(value)) return `${value} is too large for a JSON/YAML number and may have lost precision: quote it as a string`
    return BigInt(value)
  }
  if (typeof value === 'string' && INTEGER.test(value.trim())) return BigInt(value.trim())
  return `expected an integer amount (number or string of digits), got ${JSON.stringify(value)}`
}

/** An amount that may be negative (balances, limits): i64 .. u64 range. */
export const signedAmount = z.unknown().transform((value, ctx) => {
  const result = toBigInt(value)
  if (typeof result === 'string') {
    ctx.addIssue({ code: 'custom', message: result })
    return z.NEVER
  }
  if (result < I64_MIN || result > U64_MAX) {
    ctx.addIssue({ code: 'custom', message: `${result} is out of range` })
    return z.NEVER
  }
  return result
})

/** A non-negative amount within u64 (packet amounts, per-minute limits). */
export const amount = signedAmount.refine((v) => v >= 0n, { message: 'must not be negative' })

/** An integer setting that fits a JS number (scales, ports, milliseconds); digit strings accepted (env vars). */
export function integer(min: number, max: number) {
  return z.unknown().transform((value, ctx) => {
    const n = typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value.trim()) : typeof value === 'bigint' ? Number(value) : value
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}, got ${JSON.stringify(String(value))}` })
      return z.NEVER
    }
    return n
  })
}

/** A yes/no setting: a YAML/JSON boolean, or the text `true`/`false` (environment variables). */
export const flag = z.unknown().transform((value, ctx) => {
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === 'false') return value === 'true'
  ctx.addIssue({ code: 'custom', message: `expected true or false, got ${JSON.stringify(String(value))}` })
  return z.NEVER
})

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/

/** A non-negative decimal kept as its exact text (rates, spread); numbers from YAML are converted once. */
export const decimal = z.unknown().transform((value, ctx) => {
  const text = typeof value === 'number' || typeof value === 'bigint' ? numberText(value) : value
  if (typeof text !== 'string' || !DECIMAL.test(text.trim())) {
    ctx.addIssue({ code: 'custom', message: `expected a non-negative decimal like "0.92", got ${JSON.stringify(String(value))}` })
    return z.NEVER
  }
  return text.trim()
})

function numberText(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString()
  // A YAML float is converted to text once, by its shortest round-trip form (what the user wrote), without exponent.
  const text = String(value)
  const match = /^([0-9]+)(?:\.([0-9]+))?e([+-][0-9]+)$/.exec(text)
  if (!match) return text
  const digits = (match[1] ?? '') + (match[2] ?? '')
  const point = (match[1] ?? '').length + Number(match[3])
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length)
  return `${digits.slice(0, point)}.${digits.slice(point)}`
}

export const ilpAddress = z.string().refine(isValidIlpAddress, { message: 'not a valid ILP address (RFC 15)' })

/** A route prefix: an ILP address, a bare scheme (`g`, `test`) or '' for the default route (as the routing table). */
export const routePrefix = z.string().refine((p) => p === '' || /^(g|private|example|peer|self|test[1-3]?|local)$/.test(p) || isValidIlpAddress(p), {
  message: 'not a valid ILP address prefix',
})

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** `host:port`, `[v6]:port` or a bare port (host 127.0.0.1). */
export const listen = z.unknown().transform((value, ctx): ListenAddress => {
  const parsed = parseListen(value)
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `expected "host:port" (port 0-65535), got ${JSON.stringify(String(value))}` })
    return z.NEVER
  }
  return parsed
})

export function parseListen(value: unknown): ListenAddress | undefined {
  const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value
  if (typeof text !== 'string') return undefined
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):([0-9]{1,5})$/.exec(text.trim()) ?? /^()()([0-9]{1,5})$/.exec(text.trim())
  if (!match) return undefined
  const port = Number(match[3])
  if (port > 65535) return undefined
  return { host: match[1] || match[2] || '127.0.0.1', port }
}

export function formatListen({ host, port }: ListenAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** Account ids appear in URLs and child addresses: one ILP address segment. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_~-]{1,128}$/
export const accountId = z.string().regex(ACCOUNT_ID_PATTERN, { message: 'ids are 1-128 characters of A-Z a-z 0-9 _ ~ -' })

export const assetCode = z.string().min(1).max(16)
/** Asset scale is a UInt8 in ILDCP (RFC 31). */
export const assetScale = integer(0, 255)

/** Renders zod issues as `path: message` lines, naming the bad key. */
export function formatIssues(error: z.ZodError, root = ''): string {
  return error.issues
    .map((issue) => {
      const path = formatPath(root, issue.path)
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => formatPath(path, [k]))
        return `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`
      }
      return `${path || '(top level)'}: ${issue.message}`
    })
    .join('; ')
}

export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out ? `.${String(segment)}` : String(segment)
  }
  return out
}

/**
 * ILP addresses (RFC 15 v2.0.0): `scheme 1*("." segment)`, segments `[A-Za-z0-9_~-]+`, at most 1023 chars.
 */
export const ILP_ADDRESS_MAX_LENGTH = 1023

export const ILP_ADDRESS_SCHEMES = ['g', 'private', 'example', 'peer', 'self', 'test', 'test1', 'test2', 'test3', 'local'] as const
export type IlpAddressScheme = (typeof ILP_ADDRESS_SCHEMES)[number]

/** RFC 15's pattern; irregexp runs it faster than a hand-written loop (measured), so it stays the check. */
export const ILP_ADDRESS_REGEX = /^(g|private|example|peer|self|test[1-3]?|local)([.][a-zA-Z0-9_~-]+)+$/

export function isValidIlpAddress(address: unknown): address is string {
  return typeof address === 'string' && address.length <= ILP_ADDRESS_MAX_LENGTH && ILP_ADDRESS_REGEX.test(address)
}

/** The allocation scheme (first segment) of an address. */
export function addressScheme(address: string): string {
  const dot = address.indexOf('.')
  return dot === -1 ? address : address.slice(0, dot)
}

/**
 * True for the testnet schemes (`test`, `test1`..`test3`), which must never mix with `g` (RFC 34).
 * Char codes rather than a regular expression: a connector asks this for every packet.
 */
export function isTestnetAddress(address: string): boolean {
  if (!address.startsWith('test')) return false
  let end = 4
  const digit = address.charCodeAt(4)
  if (digit >= 49 && digit <= 51) end = 5 // '1'..'3'
  return address.length === end || address.charCodeAt(end) === 46 // '.'
}

/** The scheme of `address` is `g` (the global allocation scheme). */
export function isGlobalAddress(address: string): boolean {
  return address.charCodeAt(0) === 103 && (address.length === 1 || address.charCodeAt(1) === 46) // 'g', '.'
}

/** `prefix` equals `address` or is a whole-segment prefix of it (`g.a` covers `g.a.b`, not `g.ab`). */
export function isAddressPrefixOf(prefix: string, address: string): boolean {
  if (prefix === '') return true
  return address.startsWith(prefix) && (address.length === prefix.length || address.charCodeAt(prefix.length) === 46 /* . */)
}

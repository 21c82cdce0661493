/** Field sizes and limits of ILPv4 packets (RFC 27, ASN.1 InterledgerProtocol.asn). */

/** `data` is `OCTET STRING (SIZE (0..32767))` in InterledgerProtocol.asn (RFC 34 repeats the limit). */
export const ILP_DATA_MAX_LENGTH = 32767
/** Reject `message` is `UTF8String (SIZE (0..8191))` in InterledgerProtocol.asn. */
export const ILP_MESSAGE_MAX_LENGTH = 8191
export const CONDITION_LENGTH = 32
export const FULFILLMENT_LENGTH = 32
export const UINT64_MAX = 0xffff_ffff_ffff_ffffn

/** `[A-Z0-9]{3}`: the shape of every code in use (RFC 27 names F/T/R codes; peers send e.g. F09). */
export function isWellFormedCode(b0: number, b1: number, b2: number): boolean {
  return isUpperAlnum(b0) && isUpperAlnum(b1) && isUpperAlnum(b2)
}

function isUpperAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90)
}

/** What the pipeline stages share about the node itself. */

/** A pino-like logger (pino satisfies it). */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
}

/**
 * The node's own ILP address, read by every stage that builds a Reject (`triggeredBy`) or answers ILDCP.
 * '' until the address is known (set in config or learned from a parent by ILDCP); RFC 27's ASN allows an
 * empty triggeredBy.
 */
export interface NodeIdentity {
  address: string
}

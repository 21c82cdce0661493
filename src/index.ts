/** The library: every layer's public parts, exported from the package root. */
export * from './oer/index.js'
export * from './ilp/index.js'
export * from './money/index.js'
export * from './spsp/index.js'
export * from './accounts/index.js'
export * from './stream/index.js'
export * from './connector/index.js'
export * from './node/index.js'
export * from './link/index.js'
// `pay` at the root takes either a payment pointer / SPSP URL (`destination`) or STREAM credentials
// (`destinationAccount` + `sharedSecret`); this explicit export takes precedence over the STREAM layer's `pay`.
export { payAny as pay } from './spsp/pay.js'

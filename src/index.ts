/** The library: every layer's public parts, exported from the package root. */
export * from './oer/index.js'
export * from './ilp/index.js'
export * from './money/index.js'
export * from './spsp/index.js'
export * from './accounts/index.js'
export * from './stream/index.js'
export * from './connector/index.js'
export * from './node/index.js'

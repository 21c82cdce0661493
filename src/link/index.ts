export * from './types.js'
export * from './tokens.js'
export * from './log.js'
export * from './http/index.js'

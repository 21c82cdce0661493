export * from './packet.js'

/**
 * The transports a node offers its accounts, in order of preference (an account with both `btp.url` and
 * `http.url` gets the first that makes a link). Add a transport here with one line.
 */
import { btpTransport } from './transport-btp.js'
import { httpTransport } from './transport-http.js'
import type { TransportFactory } from './transports.js'

export const defaultTransports: readonly TransportFactory[] = [btpTransport, httpTransport]

/** The connector layer: packet pipeline, routing table, rates and FX, ILDCP server (see README.md). */
export * from './types.js'
export { createConnector, type Connector, type ConnectorOptions, type ConnectorObserver, type PacketEvent } from './connector.js'
export { createRoutingTable, routeCovers, ROUTES_MAX, type Route, type RouteSource, type RouteChange, type RoutingTable } from './routing-table.js'
export {
  createStaticRates,
  parseRateTable,
  ASSET_CODE_LENGTH_MAX,
  RATES_MAX,
  type RateLookup,
  type RateSnapshot,
  type RateSource,
  type RateTable,
} from './rates.js'
export {
  createHttpRates,
  RATES_POLL_INTERVAL_MS,
  RATES_MAX_AGE_MS,
  RATES_FETCH_TIMEOUT_MS,
  RATES_BODY_MAX_BYTES,
  type HttpRatesOptions,
  type HttpRateSource,
} from './rates-http.js'
export { convertAmount, keepAfterSpread, ASSET_SCALE_MAX, type Conversion } from './fx.js'
export { createDeadlineTimer, DEADLINE_RESOLUTION_MS, type Deadline, type DeadlineTimer } from './deadlines.js'
export { createTurnClock } from './turn-clock.js'
export { createTokenBucket, type TokenBucket } from './token-bucket.js'
export { childAddress } from './addresses.js'
export { createAccountRoutes, type AccountRoutes } from './account-routes.js'
export { compose } from './compose.js'
export { silentLogger, type Logger, type NodeIdentity } from './context.js'
export { MIN_MESSAGE_WINDOW_MS, MAX_HOLD_TIME_MS } from './middleware/expiry.js'
export { LINK_ERROR_CODES, PACKETS_IN_FLIGHT_MAX, fulfillmentMatches } from './middleware/send.js'
export { wrongNetwork } from './middleware/network.js'
export { prepareProblem } from './middleware/validate.js'
export * from './ccp/index.js'

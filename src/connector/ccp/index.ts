export * from './packet.js'
export {
  createCcpService,
  CCP_CONTROL_RETRY_MS,
  CCP_TICK_MS,
  CCP_ROUTES_PER_PEER_MAX,
  type CcpService,
  type CcpServiceOptions,
  type CcpPeer,
  type CcpRoutingTable,
  type CcpTableRoute,
} from './service.js'
export {
  CCP_MAX_EPOCHS_PER_UPDATE,
  CCP_BROADCAST_INTERVAL_MS,
  CCP_MIN_UPDATE_GAP_MS,
  CCP_HOLD_DOWN_TIME_MS,
  CCP_EPOCH_LOG_MAX,
  type AdvertisedRoute,
} from './speaker.js'
export { UNKNOWN_ROUTING_TABLE_ID } from './receiver.js'
export type { PeerRelation } from './routes.js'

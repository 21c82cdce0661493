export { createHttpLink, HTTP_IN_FLIGHT_MAX, HTTP_CONNECTIONS_DEFAULT, HTTP_REPLY_TIMEOUT_MS, type HttpLinkOptions } from './link.js'
export {
  createHttpLinkServer,
  HTTP_BODY_MAX_BYTES,
  ILP_CONTENT_TYPES,
  CALLBACK_PATH,
  type HttpEndpoint,
  type HttpLinkServer,
  type HttpLinkServerOptions,
} from './server.js'

export { createHttpLink, HTTP_IN_FLIGHT_MAX, HTTP_CONNECTIONS_DEFAULT, HTTP_REPLY_TIMEOUT_MS, type HttpLinkOptions } from './link.js'
export {
  createHttpLinkServer,
  HTTP_BODY_MAX_BYTES,
  ILP_CONTENT_TYPES,
  CALLBACK_PATH,
  HTTP_REQUEST_RECEIVE_TIMEOUT_MS,
  HTTP_KEEP_ALIVE_MS,
  HTTP_CONNECTIONS_MAX,
  type HttpEndpoint,
  type HttpLinkServer,
  type HttpLinkServerOptions,
} from './server.js'

export {
  createHttpLink,
  HTTP_IN_FLIGHT_MAX,
  HTTP_CONNECTIONS_DEFAULT,
  HTTP_PIPELINED_CONNECTIONS_DEFAULT,
  HTTP_PIPELINING_MAX,
  HTTP_REPLY_TIMEOUT_MS,
  type HttpLinkOptions,
} from './link.js'
export { createHttp1Client, HttpClientError, HTTP_CLIENT_IDLE_MS, type HttpClientErrorCode, type Http1Client, type Http1ClientOptions } from './http1-client.js'
export { HTTP_PIPELINED_MAX, HTTP_FLUSH_REPLIES } from './fast-path.js'
export { HTTP_HEAD_MAX_BYTES } from './http1.js'
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

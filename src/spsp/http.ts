/**
 * Adapters that put the SPSP responder (server.ts) on an HTTP server: a fastify plugin and a plain
 * `node:http` request listener. Both only translate; every decision is in the responder.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { createSpspResponder, type SpspHttpResponse, type SpspResponder, type SpspServerOptions } from './server.js'
import { WELL_KNOWN_PAY_PATH } from './pointer.js'

/**
 * Registers `GET|OPTIONS /.well-known/pay` and `GET|OPTIONS /:account` (HEAD comes with GET). Static routes of
 * the host app (e.g. `/metrics`) win over `/:account` in fastify's router.
 */
export const spspFastifyPlugin: FastifyPluginAsync<SpspServerOptions> = async (app: FastifyInstance, options) => {
  const responder = createSpspResponder(options)
  for (const url of [WELL_KNOWN_PAY_PATH, '/:account']) {
    app.route({
      method: ['GET', 'OPTIONS'],
      url,
      handler: async (request, reply) => {
        const answer = await responder({ method: request.method, url: request.url, headers: request.headers })
        if (answer === undefined) return reply.callNotFound()
        // A Buffer, because fastify appends "; charset=utf-8" to string bodies and RFC 9 names the type exactly.
        return reply.code(answer.status).headers(answer.headers).send(answer.body === '' ? undefined : Buffer.from(answer.body))
      },
    })
  }
}

/**
 * A `node:http` listener step: answers and resolves true when the request is for SPSP, else resolves false and
 * leaves `res` untouched for the caller's next handler.
 */
export function spspRequestListener(responder: SpspResponder): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const answer = await responder({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers })
    if (answer === undefined) return false
    writeAnswer(res, answer)
    return true
  }
}

function writeAnswer(res: ServerResponse, answer: SpspHttpResponse): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) })
  res.end(answer.body)
}

export interface SpspHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`; `${url}/alice` is alice's SPSP endpoint. */
  readonly url: string
  readonly server: Server
  close(): Promise<void>
}

/**
 * A stand-alone SPSP server on its own port (for `createReceiver` without a node, and for tests). Binds
 * 127.0.0.1 unless told otherwise. Anything that is not an SPSP endpoint gets a 404.
 */
export async function listenSpsp(options: SpspServerOptions & { host?: string; port?: number }): Promise<SpspHttpServer> {
  const listener = spspRequestListener(createSpspResponder(options))
  const server = createServer((req, res) => {
    listener(req, res)
      .then((handled) => {
        if (!handled) writeAnswer(res, { status: 404, headers: { 'content-type': 'application/json' }, body: '{"id":"NotFound","message":"not an SPSP endpoint"}' })
      })
      .catch(() => {
        if (!res.headersSent) writeAnswer(res, { status: 500, headers: { 'content-type': 'application/json' }, body: '{"id":"InternalError","message":"internal error"}' })
        else res.destroy()
      })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const urlHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${urlHost}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The admin HTTP API (fastify): JSON in and out, amounts as strings, every route behind a bearer token compared
 * in constant time, errors as application/problem+json. It talks to the node only through AdminBackend, so it
 * can be tested against a fake and the node stays the one place that applies changes.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Account, BalanceSnapshot } from '../accounts/types.js'
import { accountToJson, mergeAccountPatch, parseAccount, AccountConfigError, type AssetDefaults } from './account-config.js'
import { formatListen, type ListenAddress } from './config-values.js'
import { NodeError, PROBLEM_CONTENT_TYPE, toProblem } from './errors.js'
import { parseDepositBody, parseRatesBody, parseRouteBody, routeParam } from './admin-bodies.js'

/** Bodies are small JSON documents; 256 KiB bounds an account list or a rate table with room to spare. */
export const ADMIN_BODY_MAX_BYTES = 256 * 1024

export interface RouteView {
  readonly prefix: string
  readonly nextHop: string
  readonly source: string
  readonly path?: readonly string[]
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'starting'
  readonly [key: string]: unknown
}

/** What the admin API needs from the node. Methods throw NodeError for domain failures. */
export interface AdminBackend {
  readonly assetDefaults: AssetDefaults
  health(): HealthReport
  listAccounts(): readonly Account[]
  getAccount(id: string): Account | undefined
  addAccount(account: Account): Promise<void>
  updateAccount(account: Account): Promise<void>
  removeAccount(id: string): Promise<void>
  balance(id: string): BalanceSnapshot
  /** Raises what the node owes the peer (the peer prefunded its account); resolves when durable. */
  deposit(id: string, amount: bigint, memo: string | undefined): Promise<void>
  routes(): readonly RouteView[]
  /** CCP route exchange state (`GET /routing`); absent: 404. */
  routing?(): unknown
  setRoute(prefix: string, nextHop: string): void
  removeRoute(prefix: string): void
  rates(): unknown
  setRates(rates: Readonly<Record<string, string>>): void
  metrics(): Promise<{ contentType: string; body: string }>
}

export interface AdminServerOptions {
  readonly backend: AdminBackend
  readonly token: string
  readonly listen: ListenAddress
  /** Where unexpected errors (500s) are reported; the response itself says only "internal error". */
  readonly onInternalError?: (error: unknown) => void
  /** More routes (e.g. node plugins' fastify plugins), registered behind the same token and error handling. */
  readonly extend?: readonly ((app: FastifyInstance) => void | Promise<void>)[]
}

export interface AdminServer {
  /** `http://host:port` once listening. */
  readonly url: string
  close(): Promise<void>
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

/** Compares hashes so the time taken depends on neither the token's content nor its length. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header !== undefined && /^Bearer /i.test(header) ? header.slice('Bearer '.length).trim() : ''
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0
}

function sendProblem(reply: FastifyReply, error: NodeError): FastifyReply {
  return reply.code(error.status).type(PROBLEM_CONTENT_TYPE).send(toProblem(error))
}

function toNodeError(error: unknown): NodeError {
  if (error instanceof NodeError) return error
  if (error instanceof AccountConfigError) return new NodeError('ACCOUNT_INVALID', error.message, { field: error.field, cause: error })
  const fastifyError = error as { statusCode?: number; message?: string; code?: string }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    return new NodeError(fastifyError.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', fastifyError.message ?? 'bad request')
  }
  return new NodeError('INTERNAL', 'internal error', { cause: error })
}

export function buildAdminApp({ backend, token, onInternalError }: Omit<AdminServerOptions, 'listen'>): FastifyInstance {
  const app = fastify({ logger: false, bodyLimit: ADMIN_BODY_MAX_BYTES })
  app.addHook('onRequest', async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      return sendProblem(reply.header('www-authenticate', 'Bearer'), new NodeError('UNAUTHORIZED', 'send Authorization: Bearer <admin token>'))
    }
  })
  app.setErrorHandler(async (error, _request, reply) => {
    const nodeError = toNodeError(error)
    if (nodeError.code === 'INTERNAL') onInternalError?.(error)
    return sendProblem(reply, nodeError)
  })
  app.setNotFoundHandler(async (request, reply) => sendProblem(reply, new NodeError('NOT_FOUND', `no route ${request.method} ${request.url}`)))
  // RFC 7396 §4 names a media type for merge patches (PATCH /accounts/:id); it is JSON like application/json.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))
  registerAccountRoutes(app, backend)
  registerRoutingRoutes(app, backend)
  return app
}

function accountOr404(backend: AdminBackend, id: string): Account {
  const account = backend.getAccount(id)
  if (!account) throw new NodeError('ACCOUNT_NOT_FOUND', `no account "${id}"`)
  return account
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>

function registerAccountRoutes(app: FastifyInstance, backend: AdminBackend): void {
  app.get('/health', async () => backend.health())
  app.get('/accounts', async () => backend.listAccounts().map((a) => accountToJson(a)))
  app.post('/accounts', async (request, reply) => {
    const account = parseAccount(request.body ?? {}, backend.assetDefaults)
    await backend.addAccount(account)
    return reply.code(201).header('location', `/accounts/${account.id}`).send(accountToJson(account))
  })
  app.get('/accounts/:id', async (request: IdRequest) => accountToJson(accountOr404(backend, request.params.id)))
  app.put('/accounts/:id', async (request: IdRequest) => {
    accountOr404(backend, request.params.id)
    const body = accountBody(request.body, request.params.id)
    const account = parseAccount({ ...body, id: request.params.id }, backend.assetDefaults)
    await backend.updateAccount(account)
    return accountToJson(account)
  })
  // The fields to change, merged into the current account (mergeAccountPatch); the tokens it does not name are
  // kept. Reading the account and the connector taking the new one happen in one turn of the event loop (the
  // account stores write synchronously), so two PATCHes of different fields cannot lose one another's change;
  // the test 'concurrent PATCHes' holds that in place.
  app.patch('/accounts/:id', async (request: IdRequest) => {
    const current = accountOr404(backend, request.params.id)
    const patch = accountBody(request.body, request.params.id)
    const merged = mergeAccountPatch(accountToJson(current, { secrets: true }), patch)
    const account = parseAccount({ ...merged, id: current.id }, backend.assetDefaults)
    await backend.updateAccount(account)
    return accountToJson(account)
  })
  app.delete('/accounts/:id', async (request: IdRequest, reply) => {
    accountOr404(backend, request.params.id)
    await backend.removeAccount(request.params.id)
    return reply.code(204).send()
  })
  app.get('/accounts/:id/balance', async (request: IdRequest) => balanceJson(backend, accountOr404(backend, request.params.id)))
  app.post('/accounts/:id/deposit', async (request: IdRequest) => {
    const account = accountOr404(backend, request.params.id)
    const { amount, memo } = parseDepositBody(request.body)
    await backend.deposit(account.id, amount, memo)
    return balanceJson(backend, account)
  })
}

/** A PUT or PATCH body: a JSON object whose `id`, if given, is the one in the URL. */
function accountBody(body: unknown, id: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new NodeError('BAD_REQUEST', 'expected a JSON object')
  const given = (body as { id?: unknown }).id
  if (given !== undefined && given !== id) throw new NodeError('ACCOUNT_INVALID', 'id: does not match the URL', { field: 'id' })
  return body as Record<string, unknown>
}

function balanceJson(backend: AdminBackend, account: Account): Record<string, unknown> {
  const s = backend.balance(account.id)
  return {
    account: account.id,
    asset_code: account.assetCode,
    asset_scale: account.assetScale,
    balance: s.balance.toString(),
    pending_incoming: s.pendingIncoming.toString(),
    pending_outgoing: s.pendingOutgoing.toString(),
  }
}

type PrefixRequest = FastifyRequest<{ Params: { prefix: string } }>

function registerRoutingRoutes(app: FastifyInstance, backend: AdminBackend): void {
  app.get('/routes', async () => backend.routes().map(routeToJson))
  app.get('/routing', async () => {
    if (backend.routing === undefined) throw new NodeError('NOT_FOUND', 'route exchange is not available')
    return backend.routing()
  })
  app.put('/routes/:prefix', async (request: PrefixRequest) => {
    const prefix = routeParam(request.params.prefix)
    const { nextHop } = parseRouteBody(request.body)
    accountOr404(backend, nextHop)
    backend.setRoute(prefix, nextHop)
    return { prefix, next_hop: nextHop, source: 'static' }
  })
  app.delete('/routes/:prefix', async (request: PrefixRequest, reply) => {
    backend.removeRoute(routeParam(request.params.prefix))
    return reply.code(204).send()
  })
  app.get('/rates', async () => backend.rates())
  app.put('/rates', async (request) => {
    backend.setRates(parseRatesBody(request.body))
    return backend.rates()
  })
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await backend.metrics()
    return reply.type(contentType).send(body)
  })
}

function routeToJson(r: RouteView): Record<string, unknown> {
  return { prefix: r.prefix, next_hop: r.nextHop, source: r.source, ...(r.path && { path: r.path }) }
}

/** Starts the admin API on `listen` (127.0.0.1 by default in config). */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const app = buildAdminApp(options)
  for (const extend of options.extend ?? []) await extend(app)
  await app.listen({ host: options.listen.host, port: options.listen.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.listen.port
  return {
    url: `http://${formatListen({ host: options.listen.host, port })}`,
    close: () => app.close(),
  }
}

/**
 * What the HTTP server's fast path serves: sync Prepares (`POST /ilp`, `POST /accounts/:id/ilp`) with the same
 * checks and statuses as the node:http path (401, 404, 415, 400, 503, 500); anything else (another method or
 * path, async mode, odd framing) is left to node:http.
 */
import { decodePrepare, packetBytes } from '../../ilp/packet.js'
import type { IlpPrepare, IlpReply } from '../../ilp/types.js'
import type { LinkLogger } from '../log.js'
import type { FastReply, FastRoute, FastServe, RouteMemo } from './fast-path.js'
import type { RequestHead } from './http1.js'
import { ACCOUNT_PATH, bearerToken, checkContentType, decodeOr400, HttpFailure } from './requests.js'
import { validUntil } from '../jwt.js'
import type { HttpEndpoint } from './server.js'

/** Paths remembered (a bound: any number of distinct paths may be tried). */
const TARGETS_MEMO_MAX = 1024

export interface FastRouteOptions {
  /** The server's check of credentials and account (throws HttpFailure 401/404). */
  authenticate(authorization: string, pathAccount: string | undefined): { accountId: string; endpoint: HttpEndpoint }
  log: LinkLogger
  /** The clock a JWT's expiry is checked on, when a connection's remembered credentials are one. */
  now: () => number
}

export interface FastRouter {
  readonly route: FastRoute
  /** Accounts, tokens or endpoints changed: every connection's remembered credentials are checked again. */
  credentialsChanged(): void
}

/**
 * `known` and `given` are equal, in time that depends on `known`'s length only (not on where they differ):
 * `known` is what this connection sent before and was accepted, but a proxy may carry several clients' requests
 * on one connection, so the comparison must not tell one client how much of another's token it guessed.
 */
export function sameSecret(known: string, given: string): boolean {
  let diff = known.length ^ given.length
  for (let i = 0; i < known.length; i++) diff |= known.charCodeAt(i) ^ (given.charCodeAt(i) | 0) // NaN | 0 = 0 past its end
  return diff === 0
}

export function createFastRoute({ authenticate, log, now }: FastRouteOptions): FastRouter {
  /** Bumped by credentialsChanged: memos of older versions are not used. */
  let version = 0
  const failure = (status: number, message: string): FastReply => ({ status, body: Buffer.from(message), contentType: 'text/plain' })
  const INTERNAL: FastReply = failure(500, 'internal error')

  /** The account named by a Prepare path (`undefined` for `/ilp`), or null when the path is not one. */
  function prepareTarget(target: string): string | undefined | null {
    const query = target.indexOf('?')
    const path = query < 0 ? target : target.slice(0, query)
    if (path === '/ilp') return undefined
    const known = targets.get(path)
    if (known !== undefined) return known
    const match = ACCOUNT_PATH.exec(path)
    let account: string | null = null
    if (match !== null) {
      try {
        account = decodeURIComponent(match[1]!)
      } catch {
        // node:http answers the 400
      }
    }
    if (targets.size >= TARGETS_MEMO_MAX) targets.clear()
    targets.set(path, account)
    return account
  }
  /** Paths seen, with what they name: peers post to one path each, again and again. */
  const targets = new Map<string, string | null>()

  function servePrepare(endpoint: HttpEndpoint, accountId: string, body: Uint8Array, answer: (reply: FastReply) => void): void {
    let prepare: IlpPrepare
    try {
      prepare = decodeOr400(decodePrepare, body, 'Prepare')
    } catch (err) {
      return answer(failure(400, (err as Error).message))
    }
    const handler = endpoint.handler
    if (handler === undefined) return answer(failure(503, 'no handler registered'))
    const failed = (err: unknown): void => {
      log.error({ err, accountId }, 'ILP-over-HTTP handler threw')
      answer(INTERNAL)
    }
    const reply = (r: IlpReply): void => {
      let bytes: Uint8Array
      try {
        bytes = packetBytes(r)
      } catch (err) {
        return failed(err) // a reply that cannot be encoded: never an unhandled rejection
      }
      answer({ status: 200, body: bytes, contentType: 'application/octet-stream' })
    }
    const callback = endpoint.callback
    if (callback === undefined) return void handler(prepare).then(reply, failed)
    try {
      callback(prepare, reply) // the callback form: no promise per request
    } catch (err) {
      failed(err)
    }
  }

  /** Sync Prepares are the fast path's; everything else goes to node:http. Checks as onPrepare's, same statuses. */
  const route = (head: RequestHead, memo: RouteMemo): undefined | FastReply | FastServe => {
    if (head.method !== 'POST' || !head.plain || head.contentLength < 0) return undefined
    // The same credentials to the same path as this connection's last accepted request, with nothing changed
    // since: the same account and endpoint (one SHA-256 and a lookup fewer per request).
    const remembered =
      memo.serve !== undefined &&
      memo.version === version &&
      memo.target === head.target &&
      sameSecret(memo.authorization, head.authorization) &&
      (memo.validUntil === Infinity || now() < memo.validUntil)
    const pathAccount = remembered ? undefined : prepareTarget(head.target)
    if (pathAccount === null) return undefined
    try {
      if (remembered) {
        checkContentType(head.contentType)
        return memo.serve
      }
      const { accountId, endpoint } = authenticate(head.authorization, pathAccount)
      checkContentType(head.contentType)
      const serve: FastServe = (body, answer) => servePrepare(endpoint, accountId, body, answer)
      memo.authorization = head.authorization
      memo.target = head.target
      memo.version = version
      memo.validUntil = validUntil(bearerToken(head.authorization)) // a JWT is remembered until it expires
      memo.serve = serve
      return serve
    } catch (err) {
      if (!(err instanceof HttpFailure)) {
        log.error({ err }, 'ILP-over-HTTP request failed')
        return INTERNAL
      }
      if (err.status === 401) log.warn({}, 'ILP-over-HTTP request with bad credentials')
      return failure(err.status, err.message)
    }
  }
  return {
    route,
    credentialsChanged: () => void version++,
  }
}

/**
 * What the HTTP server's fast path serves: sync Prepares (`POST /ilp`, `POST /accounts/:id/ilp`) with the same
 * checks and statuses as the node:http path (401, 404, 415, 400, 503, 500); anything else (another method or
 * path, async mode, odd framing) is left to node:http.
 */
import { decodePrepare, packetBytes } from '../../ilp/packet.js'
import type { IlpPrepare, IlpReply } from '../../ilp/types.js'
import type { LinkLogger } from '../log.js'
import type { FastReply, FastRoute } from './fast-path.js'
import type { RequestHead } from './http1.js'
import { ACCOUNT_PATH, checkContentType, decodeOr400, HttpFailure } from './requests.js'
import type { HttpEndpoint } from './server.js'

/** Paths remembered (a bound: any number of distinct paths may be tried). */
const TARGETS_MEMO_MAX = 1024

export interface FastRouteOptions {
  /** The server's check of credentials and account (throws HttpFailure 401/404). */
  authenticate(authorization: string, pathAccount: string | undefined): { accountId: string; endpoint: HttpEndpoint }
  log: LinkLogger
}

export function createFastRoute({ authenticate, log }: FastRouteOptions): FastRoute {
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
  return (head: RequestHead) => {
    if (head.method !== 'POST' || !head.plain || head.contentLength < 0) return undefined
    const pathAccount = prepareTarget(head.target)
    if (pathAccount === null) return undefined
    try {
      const { accountId, endpoint } = authenticate(head.authorization, pathAccount)
      checkContentType(head.contentType)
      return (body, answer) => servePrepare(endpoint, accountId, body, answer)
    } catch (err) {
      if (!(err instanceof HttpFailure)) {
        log.error({ err }, 'ILP-over-HTTP request failed')
        return INTERNAL
      }
      if (err.status === 401) log.warn({}, 'ILP-over-HTTP request with bad credentials')
      return failure(err.status, err.message)
    }
  }
}

/**
 * The Link of one BTP peer account. It outlives sockets: the client swaps in a new session after each
 * reconnect, the server after each time the peer dials in again. While no session is open, send fails
 * LINK_DOWN (the connector answers T01).
 */
import type { IlpReply } from '../../ilp/types.js'
import { LinkError, type IncomingPrepareHandler, type Link } from '../types.js'
import type { BtpSession } from './session.js'

export interface BtpAccountLink extends Link {
  readonly accountId: string
  /** The handler set by `handle`, read by the session at each incoming Prepare. */
  readonly handler: IncomingPrepareHandler | undefined
  /** Makes `session` the one packets go out on; an older session is closed (its packets in flight fail). */
  attach(session: BtpSession): void
  /** Forget `session` if it is the current one (it closed). */
  detach(session: BtpSession): void
  /** Packets in flight on the current session. */
  readonly inFlight: number
}

export function createBtpAccountLink(accountId: string, onClose: () => void | Promise<void>): BtpAccountLink {
  let session: BtpSession | undefined
  let handler: IncomingPrepareHandler | undefined
  let closed = false

  return {
    accountId,
    get handler() {
      return handler
    },
    get connected() {
      return !closed && session !== undefined && session.open
    },
    get inFlight() {
      return session?.inFlight ?? 0
    },
    send(prepare, signal): Promise<IlpReply> {
      if (closed) return Promise.reject(new LinkError('LINK_CLOSED', `BTP link of ${accountId} is closed`))
      if (session === undefined || !session.open) return Promise.reject(new LinkError('LINK_DOWN', `BTP peer ${accountId} is not connected`))
      return session.send(prepare, signal)
    },
    sendThen(prepare, done) {
      if (closed) return done(undefined, new LinkError('LINK_CLOSED', `BTP link of ${accountId} is closed`))
      if (session === undefined || !session.open) return done(undefined, new LinkError('LINK_DOWN', `BTP peer ${accountId} is not connected`))
      session.sendThen(prepare, done)
    },
    handle(h) {
      handler = h
    },
    attach(next) {
      if (closed) return next.close(new LinkError('LINK_CLOSED', 'link closed'))
      const previous = session
      session = next
      previous?.close(new LinkError('LINK_DOWN', `BTP peer ${accountId} connected again; the older socket is closed`))
    },
    detach(old) {
      if (session === old) session = undefined
    },
    async close() {
      if (closed) return
      closed = true
      session?.close(new LinkError('LINK_CLOSED', `BTP link of ${accountId} is closed`))
      session = undefined
      await onClose()
    },
  }
}

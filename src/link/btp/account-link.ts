/**
 * The Link of one BTP peer account. It outlives sockets: the client swaps in a new session after each
 * reconnect, the server after each time the peer dials in again. While no session is open, send fails
 * LINK_DOWN (the connector answers T01).
 */
import type { IlpPrepare, IlpReply } from '../../ilp/types.js'
import { LinkError, type IncomingPrepareCallback, type IncomingPrepareHandler, type Link, type SendDone } from '../types.js'
import type { BtpSession } from './session.js'

export interface BtpAccountLink extends Link {
  readonly accountId: string
  /** The handler set by `handle`, read by the session at each incoming Prepare. */
  readonly handler: IncomingPrepareHandler | undefined
  /** Its callback form, when `handle` was given one (the session then uses it). */
  readonly callback: IncomingPrepareCallback | undefined
  /** Makes `session` the one packets go out on; an older session is closed (its packets in flight fail). */
  attach(session: BtpSession): void
  /** Forget `session` if it is the current one (it closed). */
  detach(session: BtpSession): void
  /** Packets in flight on the current session. */
  readonly inFlight: number
}

/**
 * A class, not an object literal with getters: `handler` and `connected` are read for every packet, and V8
 * inlines a class's prototype getters where it calls a literal's own getters through a generic property load
 * (seen in the router's profile).
 */
class AccountLink implements BtpAccountLink {
  #session: BtpSession | undefined
  #handler: IncomingPrepareHandler | undefined
  #callback: IncomingPrepareCallback | undefined
  #closed = false

  constructor(
    readonly accountId: string,
    private readonly onClose: () => void | Promise<void>,
  ) {}

  get handler(): IncomingPrepareHandler | undefined {
    return this.#handler
  }

  get callback(): IncomingPrepareCallback | undefined {
    return this.#callback
  }

  get connected(): boolean {
    return !this.#closed && this.#session !== undefined && this.#session.open
  }

  get inFlight(): number {
    return this.#session?.inFlight ?? 0
  }

  send(prepare: IlpPrepare, signal?: AbortSignal): Promise<IlpReply> {
    const session = this.#session
    if (this.#closed) return Promise.reject(new LinkError('LINK_CLOSED', `BTP link of ${this.accountId} is closed`))
    if (session === undefined || !session.open) return Promise.reject(new LinkError('LINK_DOWN', `BTP peer ${this.accountId} is not connected`))
    return session.send(prepare, signal)
  }

  sendThen(prepare: IlpPrepare, done: SendDone): void {
    const session = this.#session
    if (this.#closed) return done(undefined, new LinkError('LINK_CLOSED', `BTP link of ${this.accountId} is closed`))
    if (session === undefined || !session.open) return done(undefined, new LinkError('LINK_DOWN', `BTP peer ${this.accountId} is not connected`))
    session.sendThen(prepare, done)
  }

  handle(handler: IncomingPrepareHandler, callback?: IncomingPrepareCallback): void {
    this.#handler = handler
    this.#callback = callback
  }

  attach(next: BtpSession): void {
    if (this.#closed) return next.close(new LinkError('LINK_CLOSED', 'link closed'))
    const previous = this.#session
    this.#session = next
    previous?.close(new LinkError('LINK_DOWN', `BTP peer ${this.accountId} connected again; the older socket is closed`))
  }

  detach(old: BtpSession): void {
    if (this.#session === old) this.#session = undefined
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#session?.close(new LinkError('LINK_CLOSED', `BTP link of ${this.accountId} is closed`))
    this.#session = undefined
    await this.onClose()
  }
}

export function createBtpAccountLink(accountId: string, onClose: () => void | Promise<void>): BtpAccountLink {
  return new AccountLink(accountId, onClose)
}

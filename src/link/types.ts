import type { IlpPrepare, IlpReply } from '../ilp/types.js'

/** What a link calls with each Prepare that arrives from its peer. It resolves to the reply to send back. */
export type IncomingPrepareHandler = (prepare: IlpPrepare, signal?: AbortSignal) => Promise<IlpReply>

/**
 * The callback form of IncomingPrepareHandler, which a link may use instead (the connector's hot path: one
 * promise and one microtask fewer per packet). `done` is called exactly once, with the reply; a failure is
 * answered as a Reject, never thrown.
 */
export type IncomingPrepareCallback = (prepare: IlpPrepare, done: (reply: IlpReply) => void) => void

/** How `Link.sendThen` reports the outcome: the reply, or undefined and why there is none. */
export type SendDone = (reply: IlpReply | undefined, err?: LinkError) => void

/**
 * A bilateral link to one peer (ARCHITECTURE.md): the only thing that knows about sockets.
 * `send` resolves with the peer's Fulfill or Reject. It rejects its promise with a `LinkError` when the packet
 * could not be delivered or no reply came (down, timeout, protocol error); the connector turns that into a
 * T01/T00/R00 Reject carrying its own address.
 */
export interface Link {
  send(prepare: IlpPrepare, signal?: AbortSignal): Promise<IlpReply>
  /**
   * Optional: `send` without a promise, the connector's hot path (one promise and one microtask fewer per
   * packet). Calls `done` exactly once, with the reply, or with undefined and the LinkError, possibly before
   * it returns. Throws, having queued nothing and without calling `done`, for a Prepare that cannot be encoded.
   */
  sendThen?(prepare: IlpPrepare, done: SendDone): void
  /** Sets the handler of the peer's Prepares; a link that can may call `callback` instead (same outcome). */
  handle(handler: IncomingPrepareHandler, callback?: IncomingPrepareCallback): void
  close(): Promise<void>
  /** True while packets can be sent (authenticated socket, or a stateless transport). */
  readonly connected: boolean
}

export type LinkErrorCode = 'LINK_DOWN' | 'LINK_TIMEOUT' | 'LINK_PROTOCOL' | 'LINK_REMOTE' | 'LINK_CLOSED' | 'LINK_OVERLOADED'

export class LinkError extends Error {
  override readonly name = 'LinkError'
  readonly code: LinkErrorCode
  constructor(code: LinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

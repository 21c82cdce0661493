/**
 * An in-process link pair (STYLE.md habit 12: every boundary has an in-memory double). What one end sends, the
 * other end's handler answers. By default each packet crosses as bytes (encoded, then decoded on the other
 * side), so packets carry RAW exactly as they would off a socket; `wire: false` passes objects through.
 *
 * Faults for tests: latency each way, a disconnected state (send fails LINK_DOWN), and per-packet faults decided
 * by a function: drop (never answer), delay the answer, fail with a LinkError, or deliver the Prepare twice
 * (the second answer is discarded, as a real link discards a reply to a request it no longer waits for).
 */
import { decodePrepare, decodeReply, encodeIlpPacket } from '../ilp/packet.js'
import type { IlpPrepare, IlpReply } from '../ilp/types.js'
import { LinkError, type IncomingPrepareHandler, type Link, type LinkErrorCode } from './types.js'

export type LoopbackFault =
  | { readonly kind: 'drop' }
  | { readonly kind: 'delay-reply'; readonly ms: number }
  | { readonly kind: 'fail'; readonly code: LinkErrorCode; readonly message?: string }
  | { readonly kind: 'duplicate' }

export interface LoopbackOptions {
  /** One-way latency in ms added to each Prepare and each reply (0: answered in the same tick chain). */
  readonly latencyMs?: number
  /** Cross as bytes (default true) or as objects. */
  readonly wire?: boolean
  /** Decides a fault for each Prepare sent by either end; undefined means deliver normally. */
  readonly fault?: (prepare: IlpPrepare, from: 'a' | 'b') => LoopbackFault | undefined
}

export interface LoopbackLink extends Link {
  /** Simulate the socket going away (sends fail LINK_DOWN) or coming back. Affects both ends. */
  setConnected(connected: boolean): void
  /** Replace the fault function of the pair. */
  setFault(fault: LoopbackOptions['fault']): void
  /** Prepares sent by this end that have not been answered yet. */
  readonly inFlight: number
}

interface Shared {
  connected: boolean
  closed: boolean
  latencyMs: number
  wire: boolean
  fault: LoopbackOptions['fault']
  /** Cancels of everything pending (sends, delays), run on close so nothing outlives the pair. */
  pending: Set<(err: LinkError) => void>
}

interface End {
  handler: IncomingPrepareHandler | undefined
  inFlight: number
}

function cross(prepare: IlpPrepare, wire: boolean): IlpPrepare {
  return wire ? decodePrepare(encodeIlpPacket(prepare)) : prepare
}

function crossBack(reply: IlpReply, wire: boolean): IlpReply {
  return wire ? decodeReply(encodeIlpPacket(reply)) : reply
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))
}

/** The peer's side: latency, the handler, the fault. Rejects with LinkError; never settles for 'drop'. */
async function deliver(shared: Shared, to: End, prepare: IlpPrepare, fault: LoopbackFault | undefined): Promise<IlpReply> {
  if (fault?.kind === 'fail') throw new LinkError(fault.code, fault.message ?? `injected ${fault.code}`)
  await delay(shared.latencyMs)
  const handler = to.handler
  if (handler === undefined) throw new LinkError('LINK_DOWN', 'the other end has no handler')
  if (fault?.kind === 'drop') {
    void handler(cross(prepare, shared.wire)).catch(() => undefined)
    return new Promise<never>(() => undefined)
  }
  let reply: IlpReply
  try {
    if (fault?.kind === 'duplicate') void handler(cross(prepare, shared.wire)).catch(() => undefined)
    reply = await handler(cross(prepare, shared.wire))
  } catch (cause) {
    throw new LinkError('LINK_REMOTE', 'the other end failed to handle the packet', { cause })
  }
  await delay(shared.latencyMs + (fault?.kind === 'delay-reply' ? fault.ms : 0))
  return crossBack(reply, shared.wire)
}

/** Settles with the delivery, or fails at once on close or abort. */
function guarded(shared: Shared, delivery: Promise<IlpReply>, signal: AbortSignal | undefined): Promise<IlpReply> {
  return new Promise<IlpReply>((resolve, reject) => {
    const cleanup = (): void => {
      shared.pending.delete(cancel)
      signal?.removeEventListener('abort', onAbort)
    }
    const cancel = (err: LinkError): void => {
      cleanup()
      reject(err)
    }
    const onAbort = (): void => cancel(new LinkError('LINK_CLOSED', 'send aborted'))
    shared.pending.add(cancel)
    signal?.addEventListener('abort', onAbort, { once: true })
    delivery.then(
      (reply) => {
        cleanup()
        if (shared.closed) reject(new LinkError('LINK_CLOSED', 'loopback link closed'))
        else resolve(reply)
      },
      (err: unknown) => cancel(err instanceof LinkError ? err : new LinkError('LINK_REMOTE', String(err), { cause: err })),
    )
  })
}

function makeEnd(shared: Shared, self: End, other: End, name: 'a' | 'b'): LoopbackLink {
  return {
    async send(prepare: IlpPrepare, signal?: AbortSignal): Promise<IlpReply> {
      if (shared.closed) throw new LinkError('LINK_CLOSED', 'loopback link closed')
      if (!shared.connected) throw new LinkError('LINK_DOWN', 'loopback link disconnected')
      if (signal?.aborted) throw new LinkError('LINK_CLOSED', 'send aborted')
      const fault = shared.fault?.(prepare, name)
      self.inFlight++
      try {
        return await guarded(shared, deliver(shared, other, prepare, fault), signal)
      } finally {
        self.inFlight--
      }
    },
    handle(handler: IncomingPrepareHandler): void {
      self.handler = handler
    },
    async close(): Promise<void> {
      if (shared.closed) return
      shared.closed = true
      for (const cancel of [...shared.pending]) cancel(new LinkError('LINK_CLOSED', 'loopback link closed'))
    },
    get connected() {
      return shared.connected && !shared.closed
    },
    setConnected(connected: boolean) {
      shared.connected = connected
    },
    setFault(fault) {
      shared.fault = fault
    },
    get inFlight() {
      return self.inFlight
    },
  }
}

/** Two connected in-process links: what `a` sends arrives at `b`'s handler and the reverse. */
export function createLoopbackLinkPair(options: LoopbackOptions = {}): [LoopbackLink, LoopbackLink] {
  const shared: Shared = {
    connected: true,
    closed: false,
    latencyMs: options.latencyMs ?? 0,
    wire: options.wire ?? true,
    fault: options.fault,
    pending: new Set(),
  }
  const a: End = { handler: undefined, inFlight: 0 }
  const b: End = { handler: undefined, inFlight: 0 }
  return [makeEnd(shared, a, b, 'a'), makeEnd(shared, b, a, 'b')]
}

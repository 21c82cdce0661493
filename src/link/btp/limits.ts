/**
 * Bounds of the BTP link (STYLE.md habit 10). RFC 23 sets none of these numbers; each says where it comes from.
 */

/** Largest WebSocket message accepted: an ILP packet is at most 33,858 bytes (protocol-notes §2.1) plus ~20
 *  bytes of BTP envelope and entry header; 64 KiB leaves room for secondary entries and refuses anything
 *  bigger before it is buffered (ws `maxPayload`). */
export const BTP_FRAME_MAX_BYTES = 64 * 1024

/** Our requests awaiting a reply on one connection; beyond it send fails LINK_OVERLOADED (RFC 18: bound the
 *  bandwidth and state a peer can hold). */
export const BTP_OUTGOING_IN_FLIGHT_MAX = 8192

/** The peer's requests we are still answering; a peer that exceeds it is flooding and is disconnected. */
export const BTP_INCOMING_IN_FLIGHT_MAX = 8192

/** Bytes queued in the socket for a peer that does not read; beyond it sends fail LINK_OVERLOADED. */
export const BTP_SEND_BUFFER_MAX_BYTES = 16 * 1024 * 1024

/** Frames queued before they are written at once, without waiting for the end of the event-loop turn. A
 *  connector that read a burst of Prepares forwards the first of them while it works on the rest, so the next
 *  hop starts sooner (the processes on either side work in parallel, not in turns). Measured in
 *  bench:connector at 100 in flight (frames of ~150 bytes): 24, 32, 40, 48 and 64 frames gave 142k, 148k,
 *  148k, 156k and 129k packets/s (means of interleaved runs). */
export const BTP_FLUSH_FRAMES = 48

/** The auth Message must arrive this soon after the socket opens (RFC 23 §"Authentication": timeout is an
 *  error case; the value is ours). */
export const BTP_AUTH_TIMEOUT_MS = 5_000

/** Unauthenticated sockets held at once by a server: a connection flood cannot exhaust memory. */
export const BTP_PENDING_AUTH_MAX = 256

/** Ping interval; a socket that has not answered the previous ping by the next one is dead (terminated). */
export const BTP_PING_INTERVAL_MS = 15_000

/** Upper bound on waiting for a reply; a Prepare's own expiry usually ends it sooner. ilp-plugin-btp uses 35 s. */
export const BTP_REQUEST_TIMEOUT_MS = 35_000

/** Granularity of the one timer per connection that expires requests and sends pings (no timer per packet). */
export const BTP_TICK_MS = 100

/** Reconnect backoff of the client: first delay, cap, and jitter (each delay is scaled by 0.5..1). RFC 23 asks
 *  for 1–60 s between retries after a T00 UnreachableError; the first retry is quicker for a dropped socket. */
export const BTP_RECONNECT_FIRST_MS = 100
export const BTP_RECONNECT_MAX_MS = 60_000

/** Grace for a closing handshake before the socket is destroyed. */
export const BTP_CLOSE_GRACE_MS = 1_000
/**
 * A peer that broke the rules gets the answers to the Prepares it sent before that (each already forwarded, a
 * Fulfill among them is a payment) for at most this long, and never past their expiry; then the close.
 */
export const BTP_DRAIN_MAX_MS = 30_000

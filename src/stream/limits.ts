/**
 * Bounds and defaults of the STREAM layer, each with its source. Changing one changes wire behaviour.
 */

/** RFC 29 §"Maximum Packet Count": close a connection once either side has sent 2^31 packets (JS throws there). */
export const SEQUENCE_MAX = 2n ** 31n
/** RFC 29 §"Stream IDs": the default maximum stream ID SHOULD be 20 (10 concurrent streams each way). */
export const DEFAULT_MAX_STREAM_ID = 20n
/** Our ceiling on ConnectionMaxStreamId: closing streams raises the limit by 2 up to here, so a peer that keeps
 *  opening and closing streams cannot grow a connection's stream table without bound. */
export const MAX_STREAM_ID_CEILING = 2_000n
/** ilp-protocol-stream default connection buffer (protocol-notes §6.3): ConnectionMaxData we advertise. */
export const DEFAULT_CONNECTION_MAX_DATA = 65_534n
/** Per-stream receive window for StreamData (JS sends StreamMaxData 16384, the interledger-rs vector shows it). */
export const DEFAULT_STREAM_MAX_DATA = 16_384n
/** ilp-protocol-stream idle timeout (protocol-notes §6.3). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
/** ilp-protocol-stream default packet expiry: now + 30 s (protocol-notes §6.3). */
export const DEFAULT_EXPIRY_WINDOW_MS = 30_000
/** Connections one receiver keeps at once; beyond it new ones are refused EndpointBusy. */
export const DEFAULT_CONNECTIONS_MAX = 10_000
/** Sequences remembered per connection for replay detection beyond the contiguous low watermark. */
export const SEQUENCE_WINDOW_MAX = 4_096
/** Out-of-order StreamData fragments buffered per stream before the connection is closed FlowControlError. */
export const STREAM_FRAGMENTS_MAX = 256
/** ILP data is at most 32767 bytes (RFC 27 ASN.1 SIZE(0..32767)); minus 28 bytes of IV and tag. */
export const STREAM_PLAINTEXT_MAX = 32_767 - 28
/** Error messages we write into close frames are cut to this many characters. */
export const CLOSE_MESSAGE_MAX = 256

/** Sender: probe amounts, largest first (ilp-protocol-stream uses 1..1e12, @interledger/pay 1e12..1e3). */
export const PROBE_AMOUNTS: readonly bigint[] = [10n ** 12n, 10n ** 9n, 10n ** 6n, 10n ** 3n, 1n]
/** Sender: probe rounds before giving up on learning a rate (JS: up to 15 rounds). */
export const PROBE_ROUNDS_MAX = 15
/** Sender: default slippage (JS default 1%). */
export const DEFAULT_SLIPPAGE = { num: 1n, den: 100n } as const
/** Sender: packets in flight at most (our own bound; JS sends one at a time). At 20 a three-node payment on
 * loopback was bound by round trips (8.1k packets/s); at 100 it is bound by CPU (10.9k/s); 200 gains nothing. */
export const DEFAULT_PACKETS_IN_FLIGHT_MAX = 100
/** Sender: backoff after a T-error starts here and doubles (JS congestion.ts: 100 ms ×2) up to the cap. */
export const BACKOFF_INITIAL_MS = 100
export const BACKOFF_MAX_MS = 10_000
/** Sender: give up when no packet was fulfilled for this long. */
export const DEFAULT_PAY_IDLE_TIMEOUT_MS = 30_000
/** Sender: consecutive F99 rate failures (delivered below the minimum) before the payment stops. */
export const RATE_FAILURES_MAX = 5
/** Sender: how long the closing packet may take before we stop waiting for its reply. */
export const CLOSE_TIMEOUT_MS = 2_000
/** Receiver: money events a `money()` iterator may fall behind before it is ended with an overflow error. */
export const MONEY_FEED_QUEUE_MAX = 10_000
/** Sender: bytes of StreamData per packet (ILP data ≤ 32767 bytes, RFC 27; leaves room for the other frames). */
export const STREAM_DATA_PER_PACKET_MAX = 16_384
/** Receiver: the longest an idled-out connection is remembered to refuse replays (Prepares rarely live past a
 *  minute; ilp-connector caps holds at 30 s). */
export const TOMBSTONE_MAX_MS = 3_600_000

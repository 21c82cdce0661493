/**
 * Reads BTP's WebSocket data frames (RFC 6455 §5.2) straight off the socket, beside `ws`.
 *
 * Why our own: ws's receiver measured ~0.65 µs per 150-byte frame (a stream write, views made and re-made per
 * frame, events), a direct reader ~0.17 µs, and a connector reads two frames per packet. ws keeps doing
 * everything but the common case, so only that case is ours: a whole, unfragmented binary frame with no reserved
 * bits, masked exactly when it must be (§5.1: clients mask, servers do not), within ws's maxPayload, read while
 * ws sits between frames. Any other frame (ping, pong, close, text, a fragment, a broken rule) goes to ws's own
 * receiver from its first byte on, with everything after it in that read; ws then acts as if it had read the
 * socket itself (answers pings, closes, reports errors, emits 'message'). The fast path takes over again at the
 * next read that finds ws between frames. Frames are delivered in order either way.
 *
 * ws internals used (ws 8): the socket's 'data' listener `socketOnData` and the receiver's parse state. When they
 * are not as expected, nothing is installed and ws reads everything, as before.
 */
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
import { FIN_BINARY, MASK_BIT, MASK_KEY_LENGTH, xorMask } from './ws-frames.js'

/** The parts of ws's Receiver read here (ws 8, lib/receiver.js). */
interface WsReceiver {
  _state: number
  _bufferedBytes: number
  _fragmented: number
  _errored: boolean
  _opcode: number
  _maxPayload: number
  readonly writableLength: number
  write(chunk: Buffer): boolean
}

interface WsInternals {
  _socket?: Socket
  _receiver?: WsReceiver
  _isServer?: boolean
}

/** ws's receiver state between frames (GET_INFO). */
const WS_GET_INFO = 0
const OPCODE_CLOSE = 0x08
const LENGTH_16 = 126
const LENGTH_64 = 127

function isReceiver(r: unknown): r is WsReceiver {
  const x = r as Partial<WsReceiver> | undefined
  return (
    typeof x?.write === 'function' &&
    typeof x._state === 'number' &&
    typeof x._bufferedBytes === 'number' &&
    typeof x._fragmented === 'number' &&
    typeof x._errored === 'boolean' &&
    typeof x._opcode === 'number' &&
    typeof x._maxPayload === 'number'
  )
}

/**
 * Takes the socket's reads from ws and calls `onBinary` for each fast-path frame: its payload is
 * `bytes[start..end)`, unmasked in place, `bytes` a plain Uint8Array over the read (no view is made per frame:
 * the handler takes the views it needs). Returns false, having changed nothing, when ws is not as expected.
 */
export function readBinaryFramesFast(ws: WebSocket, onBinary: (bytes: Uint8Array, start: number, end: number) => void): boolean {
  const { _socket: socket, _receiver: receiver, _isServer: isServer } = ws as unknown as WsInternals
  if (socket === undefined || typeof isServer !== 'boolean' || !isReceiver(receiver)) return false
  const wsOnData = socket.listeners('data').find((listener) => listener.name === 'socketOnData')
  if (wsOnData === undefined) return false
  socket.removeListener('data', wsOnData as (chunk: Buffer) => void)

  const maskBit = isServer ? MASK_BIT : 0
  const maxPayload = receiver._maxPayload // 0: no limit
  /** The start of a frame that the last read cut short. */
  let carry: Buffer | undefined

  const toWs = (bytes: Buffer): void => {
    if (bytes.length > 0 && !receiver.write(bytes)) socket.pause() // ws resumes the socket on 'drain'
  }
  const wsBetweenFrames = (): boolean =>
    receiver._state === WS_GET_INFO &&
    receiver._bufferedBytes === 0 &&
    receiver._fragmented === 0 &&
    !receiver._errored &&
    receiver._opcode !== OPCODE_CLOSE &&
    receiver.writableLength === 0

  socket.on('data', function onRead(read: Buffer): void {
    // ws stops reading once its receiver failed (it then only drains the socket, as here).
    if (receiver._errored) return
    let chunk = read
    if (carry !== undefined) {
      chunk = Buffer.concat([carry, read])
      carry = undefined
    }
    if (ws.readyState !== ws.OPEN || !wsBetweenFrames()) return toWs(chunk)
    // Frames are handed on in a plain Uint8Array: a view of a Buffer goes through Buffer's own constructor
    // (measured ~55 ns against ~33 ns), and decoding takes views of each frame.
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
    const n = bytes.length
    let at = 0
    while (at < n) {
      if (at + 2 > n) break
      const lengthByte = bytes[at + 1]!
      if (bytes[at] !== FIN_BINARY || (lengthByte & MASK_BIT) !== maskBit) return toWs(chunk.subarray(at))
      let length = lengthByte & 0x7f
      let headerLength = 2
      if (length === LENGTH_16) {
        if (at + 4 > n) break
        length = (bytes[at + 2]! << 8) | bytes[at + 3]!
        headerLength = 4
      } else if (length === LENGTH_64) {
        return toWs(chunk.subarray(at)) // past 64 KiB: ws applies its limits
      }
      if (maxPayload > 0 && length > maxPayload) return toWs(chunk.subarray(at))
      const start = maskBit === 0 ? at + headerLength : at + headerLength + MASK_KEY_LENGTH
      const end = start + length
      if (end > n) break
      if (maskBit !== 0) xorMask(bytes, start, end) // the key is the 4 bytes before the payload
      at = end
      onBinary(bytes, start, end)
      // The handler closed the connection: ws takes what is left (it reads up to the peer's close frame).
      if (ws.readyState !== ws.OPEN) return toWs(chunk.subarray(at))
    }
    if (at < n) carry = chunk.subarray(at)
  })
  return true
}

/**
 * HTTP/2 over cleartext TCP with prior knowledge (RFC 9113 §3.3), on the HTTP link's one port beside HTTP/1.1.
 *
 * ilp-plugin-http posts over HTTP/2 when its account sets `outgoing.http2` (node:http2's client, prior knowledge,
 * no HTTP/1.1 upgrade); interledger-rs's server (hyper) takes both on one port. So does ours: a connection whose
 * first bytes are the client connection preface goes to a node:http2 server instead of node:http.
 *
 * The fast path has read those bytes off the socket by the time it sees the preface, and node:http2 reads the
 * socket's handle directly (bytes put back with `unshift` would never reach it), so the socket is handed over
 * inside a Duplex that yields the bytes already read first, then the socket's. node:http2 runs such a stream
 * through its JS stream wrapper: slower than a socket of its own, which costs nothing on HTTP/1.1 connections.
 */
import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

/** The client connection preface (RFC 9113 §3.4); its first line alone tells HTTP/2 from HTTP/1.x. */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
const PREFACE_LINE_BYTES = 16 // 'PRI * HTTP/2.0\r\n'

/** `first` (the first bytes of a connection, at least the request line) opens an HTTP/2 connection. */
export function isHttp2Preface(first: Uint8Array): boolean {
  if (first.length < PREFACE_LINE_BYTES) return false
  for (let i = 0; i < PREFACE_LINE_BYTES; i++) if (first[i] !== HTTP2_PREFACE[i]) return false
  return true
}

/**
 * `socket` as a Duplex whose readable side starts with `first` (bytes already read off it). Back-pressure is
 * kept: the socket pauses while the Duplex's reader does not keep up. Ending or destroying either side ends the
 * other; the socket's address fields are passed through for logs.
 */
export function withBytesFirst(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume()
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) return callback(new Error('socket closed'))
      socket.write(chunk, (err) => callback(err ?? null))
    },
    final(callback) {
      socket.end(() => callback())
    },
    destroy(err, callback) {
      socket.destroy()
      callback(err)
    },
  })
  for (const name of ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const) {
    Object.defineProperty(duplex, name, { get: () => socket[name], enumerable: true })
  }
  if (first.length > 0) duplex.push(first)
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause()
  })
  socket.once('end', () => duplex.push(null))
  socket.once('error', (err) => duplex.destroy(err))
  socket.once('close', () => duplex.destroy())
  return duplex
}

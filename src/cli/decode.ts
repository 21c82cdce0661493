/**
 * `ilp decode <hex|base64> [--secret <base64>] [--format auto|ilp|btp|stream]`: prints a packet as JSON.
 *
 * Output conventions: bigints are decimal strings, byte fields are lowercase hex, dates are ISO 8601,
 * enum values get their names (`"type": "prepare"`, `"frame": "StreamMoney"`, a Reject's `codeName`, F08's
 * `amountTooLarge`). Nested packets are decoded too:
 * the ILP packet inside a BTP `ilp` entry, and, with `--secret`, the STREAM packet inside ILP data.
 * Bad input prints one line, `ilp decode: <reason>`, on stderr and exits with code 1.
 *
 * Formats are a table of detectors and decoders (FORMATS): a new format is one more row.
 */
import type { Command } from 'commander'
import { CodecError } from '../oer/errors.js'
import { IlpErrorCode, IlpErrorName, IlpPacketType, decodeAmountTooLargeData, decodeIlpPacket, type IlpPacket } from '../ilp/index.js'
import { BtpContentType, BtpPacketType, decodeBtpPacket, type BtpPacket, type BtpProtocolData } from '../link/btp/packet.js'
import { FrameType, decryptStreamPacket, deriveStreamKeys, type Frame, type StreamPacket } from '../stream/index.js'

export type DecodeFormat = 'ilp' | 'btp' | 'stream'
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

export interface DecodeOptions {
  /** The STREAM shared secret: enables decrypting STREAM data (alone, or inside ILP packets). */
  readonly secret?: Uint8Array
}

interface Format {
  readonly name: DecodeFormat
  /** Whether the first byte makes this format likely (auto-detection tries likely formats first). */
  readonly likely: (bytes: Uint8Array) => boolean
  readonly decode: (bytes: Uint8Array, options: DecodeOptions) => { [key: string]: Json }
}

const ILP_TYPE_NAMES: Record<number, string> = { 12: 'prepare', 13: 'fulfill', 14: 'reject' }
const BTP_TYPE_NAMES: Record<number, string> = { 1: 'response', 2: 'error', 6: 'message', 7: 'transfer' }

const FORMATS: readonly Format[] = [
  { name: 'ilp', likely: (b) => b[0]! >= IlpPacketType.Prepare && b[0]! <= IlpPacketType.Reject, decode: ilpJson },
  { name: 'btp', likely: (b) => b[0]! in BTP_TYPE_NAMES, decode: btpJson },
  { name: 'stream', likely: () => false, decode: streamJson },
]

/** Decodes `bytes` as `format`, or detects it: ILP (type 12–14), BTP (1, 2, 6, 7), else STREAM with a secret. */
export function decodeAny(bytes: Uint8Array, format: DecodeFormat | 'auto', options: DecodeOptions = {}): { [key: string]: Json } {
  if (bytes.length === 0) throw new CodecError('OER_TRUNCATED', 'empty input')
  if (format !== 'auto') return { format, ...formatNamed(format).decode(bytes, options) }
  const candidates = [...FORMATS.filter((f) => f.likely(bytes)), ...(options.secret ? [formatNamed('stream')] : [])]
  if (candidates.length === 0) {
    throw new CodecError('ILP_UNKNOWN_TYPE', `first byte ${bytes[0]} is neither ILP (12-14) nor BTP (1, 2, 6, 7); for STREAM data pass --secret`)
  }
  let first: unknown
  for (const f of candidates) {
    try {
      return { format: f.name, ...f.decode(bytes, options) }
    } catch (err) {
      first ??= err
    }
  }
  throw first
}

function formatNamed(name: DecodeFormat): Format {
  return FORMATS.find((f) => f.name === name)!
}

// ---------------------------------------------------------------------------------------------- JSON shapes

/** Generic field conversion: bigint → string, bytes → hex, Date → ISO, arrays and objects recursively. */
export function toJson(value: unknown): Json {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(toJson)
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v)
    return out
  }
  if (value === undefined) return null
  return value as Json
}

function ilpJson(bytes: Uint8Array, options: DecodeOptions): { [key: string]: Json } {
  return ilpPacketJson(decodeIlpPacket(bytes), options)
}

function ilpPacketJson(packet: IlpPacket, options: DecodeOptions): { [key: string]: Json } {
  const out: { [key: string]: Json } = { ...(toJson(packet) as { [key: string]: Json }), type: ILP_TYPE_NAMES[packet.type]! }
  if (packet.type === IlpPacketType.Reject) {
    const name = IlpErrorName[packet.code]
    if (name !== undefined) out.codeName = name
    if (packet.code === IlpErrorCode.F08_AMOUNT_TOO_LARGE && packet.data.length >= 16) out.amountTooLarge = toJson(decodeAmountTooLargeData(packet.data))
  }
  if (options.secret && packet.data.length > 0) out.stream = nestedStream(packet.data, options.secret)
  return out
}

/** STREAM data inside an ILP packet: the decrypted packet, or why it is not one (not every packet is STREAM). */
function nestedStream(data: Uint8Array, secret: Uint8Array): Json {
  try {
    return streamPacketJson(decryptStreamPacket(deriveStreamKeys(secret).encryptionKey, data))
  } catch (err) {
    return { error: errorLine(err) }
  }
}

function streamJson(bytes: Uint8Array, options: DecodeOptions): { [key: string]: Json } {
  if (!options.secret) throw new CodecError('STREAM_DECRYPT_FAILED', 'STREAM data is encrypted: pass --secret <base64>')
  return streamPacketJson(decryptStreamPacket(deriveStreamKeys(options.secret).encryptionKey, bytes))
}

function streamPacketJson(packet: StreamPacket): { [key: string]: Json } {
  return {
    sequence: packet.sequence.toString(),
    ilpPacketType: ILP_TYPE_NAMES[packet.packetType] ?? packet.packetType,
    prepareAmount: packet.amount.toString(),
    frames: packet.frames.map(frameJson),
  }
}

function frameJson(frame: Frame): Json {
  const { type, ...fields } = frame
  return { frame: FrameType[type] ?? type, ...(toJson(fields) as { [key: string]: Json }) }
}

function btpJson(bytes: Uint8Array, options: DecodeOptions): { [key: string]: Json } {
  const packet: BtpPacket = decodeBtpPacket(bytes)
  const { protocolData, ...fields } = packet
  return {
    ...(toJson(fields) as { [key: string]: Json }),
    type: BTP_TYPE_NAMES[packet.type]!,
    protocolData: protocolData.map((entry) => protocolDataJson(entry, options)),
  }
}

function protocolDataJson(entry: BtpProtocolData, options: DecodeOptions): Json {
  const out: { [key: string]: Json } = { protocolName: entry.protocolName, contentType: entry.contentType, data: toJson(entry.data) }
  if (entry.contentType === BtpContentType.TextPlainUtf8 || entry.contentType === BtpContentType.ApplicationJson) {
    out.text = Buffer.from(entry.data).toString('utf8')
  }
  if (entry.protocolName === 'ilp' && entry.data.length > 0) {
    try {
      out.ilp = ilpPacketJson(decodeIlpPacket(entry.data), options)
    } catch (err) {
      out.ilp = { error: errorLine(err) }
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------- command line

/** Hex (optionally `0x`-prefixed, spaces allowed) when it looks like hex, else base64 or base64url. */
export function parseInputBytes(input: string): Uint8Array {
  const compact = input.trim().replace(/\s+/g, '')
  const hexBody = compact.startsWith('0x') ? compact.slice(2) : compact
  if (hexBody.length > 0 && hexBody.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(hexBody)) return new Uint8Array(Buffer.from(hexBody, 'hex'))
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) throw new CodecError('OER_INVALID_STRING', 'input is neither hex nor base64')
  return new Uint8Array(Buffer.from(compact, 'base64'))
}

function errorLine(err: unknown): string {
  if (err instanceof CodecError) return `${err.message} (${err.code})`
  return err instanceof Error ? err.message : String(err)
}

interface DecodeCliOptions {
  secret?: string
  format: DecodeFormat | 'auto'
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode an ILP, BTP or (with --secret) STREAM packet given as hex or base64, and print it as JSON')
    .argument('<packet>', 'the packet bytes, as hex or base64')
    .option('--secret <base64>', 'STREAM shared secret: decrypt STREAM data (alone or inside ILP packets)')
    .option('--format <format>', 'auto, ilp, btp or stream', 'auto')
    .addHelpText('after', '\nBigints are printed as decimal strings, byte fields as hex, dates as ISO 8601.')
    .action((input: string, o: DecodeCliOptions) => {
      try {
        if (!['auto', 'ilp', 'btp', 'stream'].includes(o.format)) throw new Error(`unknown format ${o.format}: use auto, ilp, btp or stream`)
        const secret = o.secret === undefined ? undefined : parseSecret(o.secret)
        const json = decodeAny(parseInputBytes(input), o.format, secret ? { secret } : {})
        process.stdout.write(JSON.stringify(json, null, 2) + '\n')
      } catch (err) {
        process.stderr.write(`ilp decode: ${errorLine(err)}\n`)
        process.exitCode = 1
      }
    })
}

function parseSecret(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) throw new Error('--secret must be base64')
  return new Uint8Array(Buffer.from(s, 'base64'))
}

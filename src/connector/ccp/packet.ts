/**
 * CCP, the connector-to-connector route broadcast protocol (protocol-notes §8). There is no current RFC: the
 * wire format is the one of ilp-protocol-ccp and interledger-rs (`crates/interledger-ccp/src/packet.rs`), the
 * semantics those of the unmerged RBP draft. Every message is an ILP Prepare with amount 0, the fixed
 * peer-protocol condition SHA-256(0^32) and expiry now + 60 s, answered by a Fulfill with 32 zero bytes and
 * empty data (or a Reject).
 *
 *   peer.route.control  mode UInt8 (0 IDLE, 1 SYNC) ‖ lastKnownRoutingTableId 16 bytes ‖ lastKnownEpoch UInt32 ‖
 *                       features SEQUENCE OF var UTF-8
 *   peer.route.update   routingTableId 16 ‖ currentEpochIndex UInt32 ‖ fromEpochIndex UInt32 ‖ toEpochIndex UInt32 ‖
 *                       holdDownTime UInt32 (ms) ‖ speaker var IA5 ‖ newRoutes SEQUENCE OF Route ‖
 *                       withdrawnRoutes SEQUENCE OF var IA5
 *   Route               prefix var IA5 ‖ path SEQUENCE OF var IA5 ‖ auth 32 bytes ‖ props SEQUENCE OF
 *                       { meta UInt8 (0x80 optional, 0x40 transitive, 0x20 partial, 0x10 utf8) ‖ id UInt16 ‖ value var octets }
 *
 * Decoders are bounded (every count is checked against the bytes left) and throw only `CodecError`; extra
 * bytes at the end are ignored (RFC 30). Addresses are decoded as ASCII strings of at most 1023 characters;
 * whether a prefix is a routable address is the route receiver's import filter's business, not the codec's.
 */
import { CodecError } from '../../oer/errors.js'
import { Reader, latin1 } from '../../oer/reader.js'
import { Writer } from '../../oer/writer.js'
import { ILP_ADDRESS_MAX_LENGTH } from '../../ilp/address.js'
import { PEER_PROTOCOL_CONDITION, PEER_PROTOCOL_FULFILLMENT } from '../../ilp/ildcp.js'
import { IlpPacketType, type IlpFulfill, type IlpPrepare } from '../../ilp/types.js'

export const CCP_CONTROL_DESTINATION = 'peer.route.control'
export const CCP_UPDATE_DESTINATION = 'peer.route.update'
/** Lifetime of a CCP request (ilp-protocol-ccp `PEER_PROTOCOL_EXPIRY_DURATION`). */
export const CCP_REQUEST_EXPIRY_MS = 60_000
/** Routing table IDs are UUIDs sent as 16 raw bytes. */
export const ROUTING_TABLE_ID_LENGTH = 16
/** Route `auth` is a fixed 32-byte field (an HMAC/SHA-256 chain in ilp-connector, never verified). */
export const ROUTE_AUTH_LENGTH = 32
const UINT32_MAX = 0xffff_ffff
const UINT16_MAX = 0xffff

export enum CcpMode {
  Idle = 0,
  Sync = 1,
}

export interface CcpRouteControlRequest {
  readonly mode: CcpMode
  /** Lower-case UUID text, e.g. `70d1a134-a0df-4f47-964f-6e19e2ab3790` (as ilp-protocol-ccp represents it). */
  readonly lastKnownRoutingTableId: string
  readonly lastKnownEpoch: number
  readonly features: readonly string[]
}

export interface CcpRouteProp {
  readonly isOptional: boolean
  readonly isTransitive: boolean
  readonly isPartial: boolean
  /** The value is UTF-8 text (the bytes are kept either way). */
  readonly isUtf8: boolean
  readonly id: number
  readonly value: Uint8Array
}

export interface CcpRoute {
  readonly prefix: string
  readonly path: readonly string[]
  readonly auth: Uint8Array
  readonly props: readonly CcpRouteProp[]
}

export interface CcpRouteUpdateRequest {
  readonly routingTableId: string
  readonly currentEpochIndex: number
  readonly fromEpochIndex: number
  /** Exclusive. */
  readonly toEpochIndex: number
  readonly holdDownTime: number
  readonly speaker: string
  readonly newRoutes: readonly CcpRoute[]
  readonly withdrawnRoutes: readonly string[]
}

// Smallest encodings, used to bound counts before looping (a count can never exceed bytes left / min size).
const ROUTE_MIN_BYTES = 1 + 2 + ROUTE_AUTH_LENGTH + 2
const PROP_MIN_BYTES = 1 + 2 + 1
const STRING_MIN_BYTES = 1

function invalid(message: string): CodecError {
  return new CodecError('CCP_INVALID', message)
}

// ---------------------------------------------------------------------------------------------- UUIDs

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function writeUuid(w: Writer, uuid: string): void {
  if (typeof uuid !== 'string' || !UUID_RE.test(uuid)) throw invalid(`routing table id must be a UUID: ${JSON.stringify(uuid)}`)
  w.writeOctetString(Buffer.from(uuid.replace(/-/g, ''), 'hex'), ROUTING_TABLE_ID_LENGTH)
}

function readUuid(r: Reader): string {
  const h = Buffer.from(r.readOctetString(ROUTING_TABLE_ID_LENGTH)).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

// ---------------------------------------------------------------------------------------------- fields

function checkUInt(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw invalid(`${name} ${v} is out of range 0..${max}`)
}

function writeAddress(w: Writer, name: string, s: string): void {
  if (typeof s !== 'string' || s.length > ILP_ADDRESS_MAX_LENGTH) throw invalid(`${name} must be a string of at most ${ILP_ADDRESS_MAX_LENGTH} characters`)
  try {
    w.writeVarAsciiString(s)
  } catch (cause) {
    throw new CodecError('CCP_INVALID', `${name} must be ASCII: ${JSON.stringify(s)}`, { cause })
  }
}

function readAddress(r: Reader, name: string): string {
  const length = r.readLengthPrefix()
  if (length > ILP_ADDRESS_MAX_LENGTH) throw invalid(`${name} is longer than ${ILP_ADDRESS_MAX_LENGTH} characters`)
  const bytes = r.readOctetString(length)
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) throw invalid(`${name} is not ASCII`)
  return latin1(bytes)
}

function readCount(r: Reader, minItemBytes: number): number {
  return r.readSequenceCount(Math.floor(r.remaining / minItemBytes))
}

/** The meta byte as ilp-protocol-ccp writes it: transitive is implied for non-optional props, partial only if optional and transitive. */
function propMeta(p: CcpRouteProp): number {
  let meta = 0
  if (p.isOptional) {
    meta |= 0x80
    if (p.isTransitive) meta |= p.isPartial ? 0x60 : 0x40
  } else {
    meta |= 0x40
  }
  return p.isUtf8 ? meta | 0x10 : meta
}

// ---------------------------------------------------------------------------------------------- control

export function encodeRouteControlRequest(req: CcpRouteControlRequest): Uint8Array {
  if (req.mode !== CcpMode.Idle && req.mode !== CcpMode.Sync) throw invalid(`invalid mode ${String(req.mode)}`)
  checkUInt('lastKnownEpoch', req.lastKnownEpoch, UINT32_MAX)
  const w = new Writer(64)
  w.writeUInt8(req.mode)
  writeUuid(w, req.lastKnownRoutingTableId)
  w.writeUInt32(req.lastKnownEpoch)
  w.writeSequenceCount(req.features.length)
  for (const f of req.features) w.writeVarUtf8String(f)
  return w.finish()
}

export function decodeRouteControlRequest(data: Uint8Array): CcpRouteControlRequest {
  const r = new Reader(data)
  const mode = r.readUInt8()
  if (mode !== CcpMode.Idle && mode !== CcpMode.Sync) throw invalid(`invalid route control mode ${mode}`)
  const lastKnownRoutingTableId = readUuid(r)
  const lastKnownEpoch = r.readUInt32()
  const count = readCount(r, STRING_MIN_BYTES)
  const features: string[] = new Array(count)
  for (let i = 0; i < count; i++) features[i] = r.readVarUtf8String()
  return { mode, lastKnownRoutingTableId, lastKnownEpoch, features }
}

// ---------------------------------------------------------------------------------------------- update

function writeRoute(w: Writer, route: CcpRoute): void {
  writeAddress(w, 'prefix', route.prefix)
  w.writeSequenceCount(route.path.length)
  for (const hop of route.path) writeAddress(w, 'path', hop)
  if (!(route.auth instanceof Uint8Array) || route.auth.length !== ROUTE_AUTH_LENGTH) {
    throw invalid(`route auth must be ${ROUTE_AUTH_LENGTH} bytes (prefix ${route.prefix})`)
  }
  w.writeOctetString(route.auth)
  w.writeSequenceCount(route.props.length)
  for (const prop of route.props) {
    checkUInt('prop id', prop.id, UINT16_MAX)
    w.writeUInt8(propMeta(prop))
    w.writeUInt16(prop.id)
    w.writeVarOctetString(prop.value)
  }
}

export function encodeRouteUpdateRequest(req: CcpRouteUpdateRequest): Uint8Array {
  checkUInt('currentEpochIndex', req.currentEpochIndex, UINT32_MAX)
  checkUInt('fromEpochIndex', req.fromEpochIndex, UINT32_MAX)
  checkUInt('toEpochIndex', req.toEpochIndex, UINT32_MAX)
  checkUInt('holdDownTime', req.holdDownTime, UINT32_MAX)
  const w = new Writer(256)
  writeUuid(w, req.routingTableId)
  w.writeUInt32(req.currentEpochIndex)
  w.writeUInt32(req.fromEpochIndex)
  w.writeUInt32(req.toEpochIndex)
  w.writeUInt32(req.holdDownTime)
  writeAddress(w, 'speaker', req.speaker)
  w.writeSequenceCount(req.newRoutes.length)
  for (const route of req.newRoutes) writeRoute(w, route)
  w.writeSequenceCount(req.withdrawnRoutes.length)
  for (const prefix of req.withdrawnRoutes) writeAddress(w, 'withdrawn route', prefix)
  return w.finish()
}

function readProp(r: Reader): CcpRouteProp {
  const meta = r.readUInt8()
  const id = r.readUInt16()
  const value = r.readVarOctetString()
  return {
    isOptional: (meta & 0x80) !== 0,
    isTransitive: (meta & 0x40) !== 0,
    isPartial: (meta & 0x20) !== 0,
    isUtf8: (meta & 0x10) !== 0,
    id,
    value,
  }
}

function readRoute(r: Reader): CcpRoute {
  const prefix = readAddress(r, 'prefix')
  const pathCount = readCount(r, STRING_MIN_BYTES)
  const path: string[] = new Array(pathCount)
  for (let i = 0; i < pathCount; i++) path[i] = readAddress(r, 'path')
  const auth = r.readOctetString(ROUTE_AUTH_LENGTH)
  const propCount = readCount(r, PROP_MIN_BYTES)
  const props: CcpRouteProp[] = new Array(propCount)
  for (let i = 0; i < propCount; i++) props[i] = readProp(r)
  return { prefix, path, auth, props }
}

export function decodeRouteUpdateRequest(data: Uint8Array): CcpRouteUpdateRequest {
  const r = new Reader(data)
  const routingTableId = readUuid(r)
  const currentEpochIndex = r.readUInt32()
  const fromEpochIndex = r.readUInt32()
  const toEpochIndex = r.readUInt32()
  const holdDownTime = r.readUInt32()
  const speaker = readAddress(r, 'speaker')
  const routeCount = readCount(r, ROUTE_MIN_BYTES)
  const newRoutes: CcpRoute[] = new Array(routeCount)
  for (let i = 0; i < routeCount; i++) newRoutes[i] = readRoute(r)
  const withdrawnCount = readCount(r, STRING_MIN_BYTES)
  const withdrawnRoutes: string[] = new Array(withdrawnCount)
  for (let i = 0; i < withdrawnCount; i++) withdrawnRoutes[i] = readAddress(r, 'withdrawn route')
  return { routingTableId, currentEpochIndex, fromEpochIndex, toEpochIndex, holdDownTime, speaker, newRoutes, withdrawnRoutes }
}

// ---------------------------------------------------------------------------------------------- ILP envelope

function peerPrepare(destination: string, data: Uint8Array, now: number): IlpPrepare {
  return {
    type: IlpPacketType.Prepare,
    amount: 0n,
    expiresAt: new Date(now + CCP_REQUEST_EXPIRY_MS),
    executionCondition: PEER_PROTOCOL_CONDITION,
    destination,
    data,
  }
}

/** The Prepare that carries a Route Control Request (`now` in ms since the epoch). */
export function routeControlPrepare(req: CcpRouteControlRequest, now: number): IlpPrepare {
  return peerPrepare(CCP_CONTROL_DESTINATION, encodeRouteControlRequest(req), now)
}

/** The Prepare that carries a Route Update Request. */
export function routeUpdatePrepare(req: CcpRouteUpdateRequest, now: number): IlpPrepare {
  return peerPrepare(CCP_UPDATE_DESTINATION, encodeRouteUpdateRequest(req), now)
}

const EMPTY = new Uint8Array(0)

/** The Fulfill that acknowledges any CCP request. */
export function ccpResponse(): IlpFulfill {
  return { type: IlpPacketType.Fulfill, fulfillment: PEER_PROTOCOL_FULFILLMENT, data: EMPTY }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** True when a Fulfill carries the peer-protocol fulfillment (ilp-protocol-ccp `deserializeCcpResponse`). */
export function isCcpResponse(fulfill: IlpFulfill): boolean {
  return equalBytes(fulfill.fulfillment, PEER_PROTOCOL_FULFILLMENT)
}

/** Checks the envelope of a CCP Prepare as ilp-protocol-ccp does: destination, condition, not expired. */
function checkEnvelope(prepare: IlpPrepare, destination: string, now: number): void {
  if (prepare.destination !== destination) throw invalid(`not a CCP ${destination} request: ${prepare.destination}`)
  if (!equalBytes(prepare.executionCondition, PEER_PROTOCOL_CONDITION)) throw invalid('CCP request does not carry the peer-protocol condition')
  if (prepare.expiresAt.getTime() < now) throw invalid('CCP request has expired')
}

export function parseRouteControlPrepare(prepare: IlpPrepare, now: number): CcpRouteControlRequest {
  checkEnvelope(prepare, CCP_CONTROL_DESTINATION, now)
  return decodeRouteControlRequest(prepare.data)
}

export function parseRouteUpdatePrepare(prepare: IlpPrepare, now: number): CcpRouteUpdateRequest {
  checkEnvelope(prepare, CCP_UPDATE_DESTINATION, now)
  return decodeRouteUpdateRequest(prepare.data)
}

/**
 * Codec benchmark (issue 3): our ILPv4 codec against ilp-packet 3.1.3, and our STREAM packet crypto against
 * ilp-protocol-stream 2.7.1 when src/stream exists, in one run on the same machine. Prints ops/s and the ratio.
 * `npm run bench:codec`; `BENCH_MS=<ms per case and side>` changes the measuring time (default 2000).
 */
import ilpPacket from 'ilp-packet'
import { Packet as JsStreamPacket, StreamMaxMoneyFrame as JsStreamMaxMoney, StreamMoneyFrame as JsStreamMoney } from 'ilp-protocol-stream/dist/src/packet.js'
import { generatePskEncryptionKey } from 'ilp-protocol-stream/dist/src/crypto.js'
import { FrameType, decryptStreamPacket, deriveStreamKeys, encryptStreamPacket, type StreamPacket } from '../src/stream/index.js'
import {
  IlpPacketType,
  decodeIlpPacket,
  decodePrepare,
  encodeIlpPacket,
  encodePrepare,
  patchPrepare,
  type IlpFulfill,
  type IlpPrepare,
  type IlpReject,
} from '../src/ilp/index.js'

const MEASURE_MS = Number(process.env.BENCH_MS ?? 2000)
const WARMUP_MS = Math.min(300, MEASURE_MS)

/** Like opsPerSecond for an async operation (the reference STREAM codec returns Promises). */
async function opsPerSecondAsync(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let ops = 0
  const start = process.hrtime.bigint()
  const budget = BigInt(ms) * 1_000_000n
  let elapsed = 0n
  while (elapsed < budget) {
    for (let i = 0; i < 100; i++) await fn()
    ops += 100
    elapsed = process.hrtime.bigint() - start
  }
  return (ops * 1e9) / Number(elapsed)
}

/** Runs `fn` in batches until `ms` have passed; returns operations per second. */
function opsPerSecond(fn: () => unknown, ms: number): number {
  let ops = 0
  let sink: unknown
  const start = process.hrtime.bigint()
  const budget = BigInt(ms) * 1_000_000n
  let elapsed = 0n
  while (elapsed < budget) {
    for (let i = 0; i < 1000; i++) sink = fn()
    ops += 1000
    elapsed = process.hrtime.bigint() - start
  }
  if (sink === Symbol.for('never')) console.log(sink)
  return (ops * 1e9) / Number(elapsed)
}

export interface BenchRow {
  readonly name: string
  readonly ours: number
  readonly reference: number
}

/**
 * Alternates short rounds of ours and the reference and keeps each side's best round, so that load from
 * other processes on the machine skews both sides alike rather than whichever ran during a burst.
 */
const ROUNDS = 5

function compare(name: string, ours: () => unknown, reference: () => unknown): BenchRow {
  opsPerSecond(ours, WARMUP_MS)
  opsPerSecond(reference, WARMUP_MS)
  let best = { ours: 0, reference: 0 }
  for (let i = 0; i < ROUNDS; i++) {
    best = { ours: Math.max(best.ours, opsPerSecond(ours, MEASURE_MS / ROUNDS)), reference: Math.max(best.reference, opsPerSecond(reference, MEASURE_MS / ROUNDS)) }
  }
  return { name, ...best }
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

/** A typical STREAM-carrying Prepare: 32-byte-ish address, ~100 bytes of encrypted data. */
const prepare: IlpPrepare = {
  type: IlpPacketType.Prepare,
  amount: 123_456_789n,
  expiresAt: new Date('2026-11-25T08:00:00.123Z'),
  executionCondition: bytes(32, 1),
  destination: 'g.us.bank.alice.~ipr.3f2a0c55e4b1.payment',
  data: bytes(100, 2),
}
const fulfill: IlpFulfill = { type: IlpPacketType.Fulfill, fulfillment: bytes(32, 3), data: bytes(60, 4) }
const rejectPacket: IlpReject = {
  type: IlpPacketType.Reject,
  code: 'F99',
  triggeredBy: 'g.us.bank.alice',
  message: 'application error',
  data: bytes(60, 5),
}

const jsPrepare = {
  amount: prepare.amount.toString(),
  expiresAt: prepare.expiresAt,
  executionCondition: Buffer.from(prepare.executionCondition),
  destination: prepare.destination,
  data: Buffer.from(prepare.data),
}
/** The same Prepare to 64 destinations in turn: no run of equal destinations for the address memos. */
const manyPrepares: IlpPrepare[] = Array.from({ length: 64 }, (_, i) => ({ ...prepare, destination: `${prepare.destination}.${i}` }))
const manyJsPrepares = manyPrepares.map((p) => ({ ...jsPrepare, destination: p.destination }))
let turn = 0

const prepareBytes = encodePrepare(prepare)
const prepareBuffer = Buffer.from(prepareBytes)
const forwardExpiry = new Date(prepare.expiresAt.getTime() - 1000)

const fulfillBytes = encodeIlpPacket(fulfill)
const rejectBytes = encodeIlpPacket(rejectPacket)
const fulfillBuffer = Buffer.from(fulfillBytes)
const rejectBuffer = Buffer.from(rejectBytes)

export function ilpRows(): BenchRow[] {
  return [
    compare(
      'ILP Prepare encode+decode',
      () => decodePrepare(encodePrepare(prepare)),
      () => ilpPacket.deserializeIlpPrepare(ilpPacket.serializeIlpPrepare(jsPrepare)),
    ),
    compare(
      'ILP Prepare, 64 destinations in turn',
      () => decodePrepare(encodePrepare(manyPrepares[turn++ & 63]!)),
      () => ilpPacket.deserializeIlpPrepare(ilpPacket.serializeIlpPrepare(manyJsPrepares[turn++ & 63]!)),
    ),
    compare(
      'ILP Prepare forward (decode+patch+encode)',
      () => encodePrepare(patchPrepare(decodePrepare(prepareBytes), 123_456_000n, forwardExpiry)),
      () => {
        const p = ilpPacket.deserializeIlpPrepare(prepareBuffer)
        return ilpPacket.serializeIlpPrepare({ ...p, amount: '123456000', expiresAt: forwardExpiry })
      },
    ),
    compare('ILP Fulfill decode', () => decodeIlpPacket(fulfillBytes), () => ilpPacket.deserializeIlpFulfill(fulfillBuffer)),
    compare('ILP Reject decode', () => decodeIlpPacket(rejectBytes), () => ilpPacket.deserializeIlpReject(rejectBuffer)),
  ]
}

/** A typical sender Prepare: money on stream 1 plus its max-money advertisement. */
const streamPacket: StreamPacket = {
  sequence: 12n,
  packetType: IlpPacketType.Prepare,
  amount: 1000n,
  frames: [
    { type: FrameType.StreamMoney, streamId: 1n, shares: 1000n },
    { type: FrameType.StreamMaxMoney, streamId: 1n, receiveMax: 2n ** 40n, totalReceived: 5000n },
  ],
}

/** STREAM packet encrypt+decrypt; both sides use a per-connection key derived once (as both implementations do). */
export async function streamRows(): Promise<BenchRow[]> {
  const secret = new Uint8Array(32).fill(9)
  const { encryptionKey } = deriveStreamKeys(secret)
  const jsKey = await generatePskEncryptionKey(Buffer.from(secret))
  const jsPacket = new JsStreamPacket(12, ilpPacket.Type.TYPE_ILP_PREPARE, 1000, [new JsStreamMoney(1, 1000), new JsStreamMaxMoney(1, 2 ** 40, 5000)])
  const ours = (): unknown => decryptStreamPacket(encryptionKey, encryptStreamPacket(encryptionKey, streamPacket))
  const reference = async (): Promise<unknown> => JsStreamPacket.decryptAndDeserialize(jsKey, await jsPacket.serializeAndEncrypt(jsKey))
  opsPerSecond(ours, WARMUP_MS)
  await opsPerSecondAsync(reference, WARMUP_MS)
  let best = { ours: 0, reference: 0 }
  for (let i = 0; i < ROUNDS; i++) {
    const o = opsPerSecond(ours, MEASURE_MS / ROUNDS)
    best = { ours: Math.max(best.ours, o), reference: Math.max(best.reference, await opsPerSecondAsync(reference, MEASURE_MS / ROUNDS)) }
  }
  return [{ name: 'STREAM packet encrypt+decrypt', ...best }]
}

function format(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

export function printRows(rows: readonly BenchRow[]): void {
  console.log(`${'case'.padEnd(42)} ${'ours ops/s'.padStart(14)} ${'reference ops/s'.padStart(16)} ${'ratio'.padStart(8)}`)
  for (const r of rows) {
    const ratio = (r.ours / r.reference).toFixed(1) + '×'
    console.log(`${r.name.padEnd(42)} ${format(r.ours).padStart(14)} ${format(r.reference).padStart(16)} ${ratio.padStart(8)}`)
  }
}

console.log(`node ${process.version}, ${MEASURE_MS} ms per case; reference = ilp-packet 3.1.3, ilp-protocol-stream 2.7.1`)
printRows([...ilpRows(), ...(await streamRows())])
console.log(
  'The first row repeats one destination, as a STREAM connection does (our address memos hit); the second\n' +
    'cycles 64 destinations (no hits). Forward = what a connector does per packet. Each side: best of 5 rounds.',
)

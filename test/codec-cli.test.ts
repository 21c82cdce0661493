/**
 * `ilp decode`: format detection and JSON shapes in-process, and the command itself by spawning the compiled
 * CLI found relative to this file (dist/test → dist/src/cli/index.js; the same under any dist-* out dir).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { decodeAny, parseInputBytes } from '../src/cli/decode.js'
import { IlpPacketType, amountTooLarge, encodeIlpPacket, type IlpPrepare } from '../src/ilp/index.js'
import { BtpPacketType, encodeBtpIlp } from '../src/link/btp/packet.js'
import { FrameType, deriveStreamKeys, encryptStreamPacket } from '../src/stream/index.js'
import { CodecError } from '../src/oer/index.js'

const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url))
const PREPARE_HEX =
  '0c68000000000000006b323031373132323330313231343035343974e1136dc71c9e5f283bec83461cbf1261c4014f72d48f8dd65453a0b84e7de10d6578616d706c652e616c696365205db343fdc41898f6df4202329139dc242dd0f558a811b46b28918fdab37c6cb0'
const REJECT_HEX = '0e414630310e6578616d706c652e75732e626f62276d697373696e672064657374696e6174696f6e2e206c65646765723d6578616d706c652e75732e06000000041041'

const secret = new Uint8Array(32).fill(7)
const streamData = encryptStreamPacket(deriveStreamKeys(secret).encryptionKey, {
  sequence: 1n,
  packetType: IlpPacketType.Prepare,
  amount: 495n,
  frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 1000n }],
})
const streamPrepare: IlpPrepare = {
  type: IlpPacketType.Prepare,
  amount: 500n,
  expiresAt: new Date('2026-01-01T00:00:00.000Z'),
  executionCondition: new Uint8Array(32),
  destination: 'test.receiver.abc',
  data: streamData,
}

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'decode', ...args], { encoding: 'utf8', timeout: 20_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('decodeAny (in process)', () => {
  test('ILP Prepare vector: bigints as strings, bytes as hex, dates as ISO', () => {
    assert.deepEqual(decodeAny(parseInputBytes(PREPARE_HEX), 'auto'), {
      format: 'ilp',
      type: 'prepare',
      amount: '107',
      expiresAt: '2017-12-23T01:21:40.549Z',
      executionCondition: '74e1136dc71c9e5f283bec83461cbf1261c4014f72d48f8dd65453a0b84e7de1',
      destination: 'example.alice',
      data: '5db343fdc41898f6df4202329139dc242dd0f558a811b46b28918fdab37c6cb0',
    })
  })

  test('Rejects get their code name, and F08 its decoded data', () => {
    assert.equal(decodeAny(parseInputBytes(REJECT_HEX), 'auto').codeName, 'Invalid Packet')
    const f08 = encodeIlpPacket(amountTooLarge('g.connector', 255n, 65535n))
    assert.deepEqual(decodeAny(f08, 'auto').amountTooLarge, { receivedAmount: '255', maximumAmount: '65535' })
  })

  test('base64, base64url and 0x-hex inputs give the same bytes', () => {
    const bytes = Buffer.from(PREPARE_HEX, 'hex')
    const expected = Buffer.from(parseInputBytes(PREPARE_HEX)).toString('hex')
    assert.equal(Buffer.from(parseInputBytes(bytes.toString('base64'))).toString('hex'), expected)
    assert.equal(Buffer.from(parseInputBytes(bytes.toString('base64url'))).toString('hex'), expected)
    assert.equal(Buffer.from(parseInputBytes('0x' + PREPARE_HEX)).toString('hex'), expected)
    assert.throws(() => parseInputBytes('not a packet!'), CodecError)
  })

  test('BTP Message carrying an ILP Reject: the ilp entry is decoded too', () => {
    const btp = encodeBtpIlp(BtpPacketType.Message, 7, parseInputBytes(REJECT_HEX))
    const json = decodeAny(btp, 'auto') as { format: string; type: string; requestId: number; protocolData: Array<{ protocolName: string; ilp: { code: string } }> }
    assert.equal(json.format, 'btp')
    assert.equal(json.type, 'message')
    assert.equal(json.requestId, 7)
    assert.equal(json.protocolData[0]!.protocolName, 'ilp')
    assert.equal(json.protocolData[0]!.ilp.code, 'F01')
  })

  test('STREAM: encrypted data alone with a secret, and inside an ILP Prepare', () => {
    const alone = decodeAny(streamData, 'stream', { secret })
    const expected = { sequence: '1', ilpPacketType: 'prepare', prepareAmount: '495', frames: [{ frame: 'StreamMoney', streamId: '1', shares: '1000' }] }
    assert.deepEqual(alone, { format: 'stream', ...expected })
    const nested = decodeAny(encodeIlpPacket(streamPrepare), 'auto', { secret })
    assert.deepEqual(nested.stream, expected)
    const wrongKey = decodeAny(encodeIlpPacket(streamPrepare), 'auto', { secret: new Uint8Array(32) })
    assert.match(JSON.stringify(wrongKey.stream), /STREAM_DECRYPT_FAILED/)
  })

  test('undetectable input without a secret is a CodecError naming the formats', () => {
    assert.throws(() => decodeAny(new Uint8Array([0x63, 1, 2]), 'auto'), /neither ILP \(12-14\) nor BTP/)
    assert.throws(() => decodeAny(new Uint8Array(0), 'auto'), CodecError)
  })
})

describe('ilp decode (spawned CLI)', () => {
  test('prints a Prepare as JSON and exits 0', () => {
    const r = run(PREPARE_HEX)
    assert.equal(r.status, 0, r.stderr)
    const json = JSON.parse(r.stdout) as { type: string; amount: string }
    assert.equal(json.type, 'prepare')
    assert.equal(json.amount, '107')
  })

  test('bad input: one line on stderr, exit code 1', () => {
    const r = run('0c6800')
    assert.equal(r.status, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^ilp decode: .*OER_TRUNCATED\)\n$/)
    const bad = run('zz!')
    assert.equal(bad.status, 1)
    assert.equal(bad.stderr.split('\n').length, 2)
  })

  test('--secret decrypts the STREAM packet inside a Prepare made by JS ilp-protocol-stream (interledger-rs server.rs)', () => {
    const prepare =
      '0c819900000000000001f43230313931303238323134313533383338f31a96346c613011947f39a0f1f4e573c2fc3e7e53797672b01d2898e90c9a07' +
      '23746573742e70656572422e4e6a584430754a504275477a353653426d4933755836682d3b6cc484c0d4e9282275d4b37c6ae18f35b497ddbfcbce6d' +
      '9305b9451b4395c3158aa75e05bf27582a237109ec6ca0129d840da7abd96826c8147d0d'
    const secret = Buffer.from('b7d09d2e16e6f83c55b60e42fcd7c2b8ed49624a1df73c59b383dbe2e8690309', 'hex').toString('base64')
    const r = run(prepare, '--secret', secret)
    assert.equal(r.status, 0, r.stderr)
    const json = JSON.parse(r.stdout) as { amount: string; destination: string; stream: { sequence: string; prepareAmount: string; frames: Array<{ frame: string }> } }
    assert.equal(json.amount, '500')
    assert.equal(json.destination, 'test.peerB.NjXD0uJPBuGz56SBmI3uX6h-')
    assert.equal(json.stream.sequence, '7')
    assert.equal(json.stream.prepareAmount, '495')
    assert.deepEqual(json.stream.frames.map((f) => f.frame), ['StreamMaxMoney', 'StreamMaxData', 'StreamMoney'])
  })

  test('--secret decrypts STREAM data given as base64', () => {
    const r = run(Buffer.from(streamData).toString('base64'), '--secret', Buffer.from(secret).toString('base64'), '--format', 'stream')
    assert.equal(r.status, 0, r.stderr)
    assert.equal((JSON.parse(r.stdout) as { prepareAmount: string }).prepareAmount, '495')
  })
})

/**
 * bench:stream (issue 5): STREAM payments through three nodes, ours against the JavaScript reference stack.
 *
 *   ours:      sender node ──BTP──▶ router node ──BTP──▶ receiver node     (createNode + spsp plugin, memory store)
 *              the payment runs in the sender node (POST /accounts/alice/payments); SPSP from the receiver node
 *   reference: ilp-protocol-stream client ──ilp-plugin-btp──▶ ilp-connector ──ilp-plugin-btp──▶ ilp-protocol-stream server
 *
 * Every node is its own child process reporting its own CPU time and peak RSS. The router caps packets at
 * MAX_PACKET source units (≥ 1000: ilp-protocol-stream needs 3 digits of rate precision), so one payment of
 * PACKETS × MAX_PACKET units is PACKETS packets. Printed: packets/s, total time, CPU µs per packet (all three
 * processes), peak RSS, and the ratio. Then many small payments (each a new SPSP query and connection).
 *
 *   npm run bench:stream
 *   BENCH_STREAM_PACKETS=100000        packets in the big payment (ours and the reference)
 *   BENCH_STREAM_REF_PACKETS=N         a smaller reference run (it sends one packet per round trip: ~2 min at 100k)
 *   BENCH_STREAM_SMALL=300             small payments per side; BENCH_STREAM_CONCURRENCY=10 at once
 *   BENCH_STREAM_REF=0                 skip the reference run (only our figures are printed, CPU per process too)
 *   BENCH_PROFILE_DIR=<dir>            every child writes a V8 CPU profile there (`--cpu-prof`) when it exits
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'

const PACKETS = Number(process.env.BENCH_STREAM_PACKETS ?? 100_000)
const REF_PACKETS = Number(process.env.BENCH_STREAM_REF_PACKETS ?? PACKETS)
const SMALL = Number(process.env.BENCH_STREAM_SMALL ?? 300)
const CONCURRENCY = Number(process.env.BENCH_STREAM_CONCURRENCY ?? 10)
/** Source units per packet, enforced by the router (max_packet_amount / maxPacketAmount). */
const MAX_PACKET = 1000n
/** One small payment: one packet's worth. */
const SMALL_AMOUNT = 1000n
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'
const THIS_FILE = fileURLToPath(import.meta.url)
const require = createRequire(import.meta.url)

type Message = { kind: string; [key: string]: unknown }

// ============================================================================================ child roles

function send(message: Message): void {
  process.send!(message)
}

function usage(): Message {
  const cpu = process.cpuUsage()
  return { kind: 'usage', cpuUs: cpu.user + cpu.system, maxRssKb: process.resourceUsage().maxRSS }
}

function serve(handlers: Record<string, (m: Message) => Promise<Message> | Message>): void {
  process.on('message', (m: Message) => {
    if (m.kind === 'exit') process.exit(0)
    const handler = m.kind === 'usage' ? usage : handlers[m.kind]
    if (handler) void Promise.resolve(handler(m)).then(send, (err: unknown) => send({ kind: 'error', message: String(err) }))
  })
}

/** One of our nodes: createNode with the spsp plugin, memory store, from a raw (snake_case) config. */
async function roleNode(raw: Record<string, unknown>): Promise<void> {
  const { parseConfig } = await import('../src/node/config.js')
  const { createNode } = await import('../src/node/node.js')
  const { spspNodePlugin } = await import('../src/spsp/node-plugin.js')
  const node = createNode(parseConfig(raw), { plugins: [spspNodePlugin()] })
  await node.start()
  serve({})
  send({ kind: 'ready', admin: node.adminUrl, btp: node.listenerUrl('btp'), http: node.listenerUrl('http') })
}

async function roleRefConnector(ports: { sender: number; receiver: number }): Promise<void> {
  const { startReferenceConnector } = await import('../test/payment-harness.js')
  const connector = await startReferenceConnector('test.ref', {
    sender: { port: ports.sender, secret: 'sender-secret', maxPacketAmount: MAX_PACKET.toString() },
    receiver: { port: ports.receiver, secret: 'receiver-secret' },
  })
  serve({})
  send({ kind: 'ready' })
  await connector.listening
  send({ kind: 'listening' })
}

async function roleRefReceiver(btpUrl: string): Promise<void> {
  const { btpPlugin, patchIlpProtocolStream } = await import('../test/payment-harness.js')
  const { listenSpsp } = await import('../src/spsp/http.js')
  patchIlpProtocolStream()
  const stream = require('ilp-protocol-stream') as typeof import('ilp-protocol-stream')
  const server = await stream.createServer({ plugin: btpPlugin(btpUrl) as never })
  let received = 0n
  server.on('connection', (connection: import('ilp-protocol-stream').Connection) => {
    connection.on('stream', (s: import('ilp-protocol-stream').DataAndMoneyStream) => {
      s.setReceiveMax('18446744073709551615')
      s.on('money', (amount: string) => void (received += BigInt(amount)))
    })
  })
  const spsp = await listenSpsp({
    generateCredentials: () => {
      const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
      return { destinationAccount, sharedSecret }
    },
  })
  serve({ received: () => ({ kind: 'received', amount: received.toString() }) })
  send({ kind: 'ready', spsp: `${spsp.url}/receiver` })
}

async function roleRefSender(btpUrl: string): Promise<void> {
  const { btpPlugin, patchIlpProtocolStream } = await import('../test/payment-harness.js')
  patchIlpProtocolStream()
  const stream = require('ilp-protocol-stream') as typeof import('ilp-protocol-stream')
  // ilp-protocol-stream takes a plugin's data handler for one connection at a time and disconnects the plugin
  // when the connection ends; an ilp-connector BTP account serves one client socket. So one BTP link, lent to
  // one payment at a time through a view whose disconnect does nothing: the reference pays one at a time.
  const pool = await Promise.all(
    Array.from({ length: 1 }, async () => {
      const plugin = btpPlugin(btpUrl)
      await plugin.connect()
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        isConnected: () => plugin.isConnected(),
        sendData: (data: Buffer) => plugin.sendData(data),
        registerDataHandler: (h: (data: Buffer) => Promise<Buffer>) => plugin.registerDataHandler(h),
        deregisterDataHandler: () => plugin.deregisterDataHandler(),
      }
    }),
  )
  /** One payment over a fresh SPSP query and connection, as an SPSP client does. */
  async function payOnce(spspUrl: string, amount: bigint): Promise<bigint> {
    const view = pool.pop()
    if (view === undefined) throw new Error('no free BTP link')
    try {
      const answer = (await (await fetch(spspUrl, { headers: { accept: 'application/spsp4+json' } })).json()) as { destination_account: string; shared_secret: string }
      const connection = await stream.createConnection({ plugin: view as never, destinationAccount: answer.destination_account, sharedSecret: Buffer.from(answer.shared_secret, 'base64') })
      const s = connection.createStream()
      // sendTotal gives up after 60 s by default; a 100k-packet payment at one packet per round trip takes longer.
      await s.sendTotal(amount.toString(), { timeout: 3_600_000 })
      const sent = BigInt(s.totalSent)
      await connection.end()
      view.deregisterDataHandler()
      return sent
    } finally {
      pool.push(view)
    }
  }
  serve({
    async big(m) {
      const start = performance.now()
      const sent = await payOnce(m.spsp as string, BigInt(m.amount as string))
      return { kind: 'done', ms: performance.now() - start, sent: sent.toString() }
    },
    async small(m) {
      const start = performance.now()
      const ok = await runConcurrently(Number(m.count), 1, () => payOnce(m.spsp as string, SMALL_AMOUNT).then((sent) => sent === SMALL_AMOUNT))
      return { kind: 'done', ms: performance.now() - start, ok }
    },
  })
  send({ kind: 'ready' })
}

/** Runs `count` tasks with at most `concurrency` at once; resolves to how many returned true. */
async function runConcurrently(count: number, concurrency: number, task: () => Promise<boolean>): Promise<number> {
  let next = 0
  let ok = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++
      if (await task().catch((err: unknown) => (process.env.BENCH_VERBOSE && console.error(err), false))) ok++
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return ok
}

// ============================================================================================ parent

class Proc {
  readonly child: ChildProcess
  private readonly inbox: Message[] = []
  private waiter: (() => void) | undefined
  private stderr = ''

  constructor(readonly role: string, args: unknown) {
    const profile = process.env.BENCH_PROFILE_DIR !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []
    this.child = fork(THIS_FILE, ['--role', role, JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [...process.execArgv, ...profile] })
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)))
    this.child.on('message', (m: Message) => {
      this.inbox.push(m)
      this.waiter?.()
    })
    this.child.on('exit', () => this.waiter?.())
  }

  async next(kind: string): Promise<Message> {
    for (;;) {
      const i = this.inbox.findIndex((m) => m.kind === kind || m.kind === 'error')
      if (i !== -1) {
        const m = this.inbox.splice(i, 1)[0]!
        if (m.kind === 'error') throw new Error(`${this.role}: ${String(m.message)}\n${this.stderr}`)
        return m
      }
      if (this.child.exitCode !== null) throw new Error(`${this.role} exited (${this.child.exitCode}):\n${this.stderr}`)
      await new Promise<void>((resolve) => (this.waiter = resolve))
    }
  }

  ask(message: Message, reply: string): Promise<Message> {
    this.child.send(message)
    return this.next(reply)
  }

  exit(): void {
    if (this.child.connected) this.child.send({ kind: 'exit' })
  }
}

interface Usage {
  cpuUs: number
  maxRssKb: number
}

async function usages(procs: readonly Proc[]): Promise<Usage[]> {
  return Promise.all(procs.map(async (p) => (await p.ask({ kind: 'usage' }, 'usage')) as unknown as Usage))
}

function cpuDelta(before: readonly Usage[], after: readonly Usage[]): number {
  return after.reduce((sum, u, i) => sum + u.cpuUs - before[i]!.cpuUs, 0)
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

interface Figures {
  packets: number
  ms: number
  cpuUsPerPacket: number
  maxRssMb: number
  smallPerSecond: number
  smallOk: number
  /** Ours only: the reference cannot run payments side by side on one BTP account. */
  smallConcurrentPerSecond?: number
  /** CPU µs per packet of each process (ours: router, sender, receiver). */
  cpuUsPerPacketByProcess: number[]
  /** Ours: CPU µs per small payment (one at a time) of each process. */
  smallCpuUsByProcess?: number[]
}

function baseConfig(address: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { ilp_address: address, store: 'memory', log_level: 'warn', asset_code: 'USD', asset_scale: 9, admin: { listen: '127.0.0.1:0', token: ADMIN_TOKEN }, ...extra }
}

async function adminPost(adminUrl: string, path: string, body: unknown): Promise<Record<string, string | number | object>> {
  const response = await request(`${adminUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    headersTimeout: 0,
    bodyTimeout: 0,
  })
  const json = (await response.body.json()) as Record<string, string | number | object>
  if (response.statusCode !== 200) throw new Error(`admin ${path}: ${response.statusCode} ${JSON.stringify(json)}`)
  return json
}

async function waitLinksUp(adminUrl: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const response = await request(`${adminUrl}/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const health = (await response.body.json()) as { links: { connected: boolean }[] }
    if (health.links.length > 0 && health.links.every((l) => l.connected)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`links of ${adminUrl} did not come up`)
}

async function benchOurs(): Promise<Figures> {
  const router = new Proc('node', baseConfig('test.r', {
    btp: { listen: '127.0.0.1:0' },
    accounts: [
      { id: 's', relation: 'child', ilp_address: 'test.r.s', btp: { incoming_token: 'token-s-0123456789abcdef' }, max_packet_amount: MAX_PACKET.toString(), min_balance: '-1000000000000000000' },
      { id: 'c', relation: 'child', ilp_address: 'test.r.c', btp: { incoming_token: 'token-c-0123456789abcdef' } },
    ],
  }))
  const procs = [router]
  try {
    const r = await router.next('ready')
    const btpHost = new URL(r.btp as string).host
    const sender = new Proc('node', baseConfig('test.r.s', {
      accounts: [
        { id: 'up', relation: 'parent', btp: { url: `btp+ws://s:token-s-0123456789abcdef@${btpHost}` } },
        { id: 'alice', relation: 'child', min_balance: '-1000000000000000000' },
      ],
    }))
    const receiver = new Proc('node', baseConfig('test.r.c', {
      http: { listen: '127.0.0.1:0' },
      accounts: [
        { id: 'up', relation: 'parent', btp: { url: `btp+ws://c:token-c-0123456789abcdef@${btpHost}` }, min_balance: '-1000000000000000000' },
        { id: 'bob', relation: 'child' },
      ],
    }))
    procs.push(sender, receiver)
    const s = await sender.next('ready')
    const c = await receiver.next('ready')
    await Promise.all([waitLinksUp(s.admin as string), waitLinksUp(c.admin as string)])
    const destination = `${c.http as string}/bob`

    // Warm-up: a small payment.
    await adminPost(s.admin as string, '/accounts/alice/payments', { destination, amount: (MAX_PACKET * 100n).toString() })
    const before = await usages(procs)
    const start = performance.now()
    const result = await adminPost(s.admin as string, '/accounts/alice/payments', { destination, amount: (MAX_PACKET * BigInt(PACKETS)).toString() })
    const ms = performance.now() - start
    const after = await usages(procs)
    if (result.status !== 'completed') throw new Error(`our payment failed: ${JSON.stringify(result)}`)
    if (process.env.BENCH_VERBOSE) console.log(result)
    const packets = Number(result.packets_fulfilled)

    const small = async (concurrency: number): Promise<{ ok: number; perSecond: number }> => {
      const smallStart = performance.now()
      const ok = await runConcurrently(SMALL, concurrency, async () => {
        const r2 = await adminPost(s.admin as string, '/accounts/alice/payments', { destination, amount: SMALL_AMOUNT.toString() })
        return r2.status === 'completed'
      })
      return { ok, perSecond: (ok * 1000) / (performance.now() - smallStart) }
    }
    const beforeSmall = await usages(procs)
    const one = await small(1)
    const afterSmall = await usages(procs)
    const many = await small(CONCURRENCY)
    return {
      packets,
      ms,
      cpuUsPerPacket: cpuDelta(before, after) / packets,
      cpuUsPerPacketByProcess: after.map((u, i) => (u.cpuUs - before[i]!.cpuUs) / packets),
      maxRssMb: Math.max(...after.map((u) => u.maxRssKb)) / 1024,
      smallPerSecond: one.perSecond,
      smallOk: one.ok,
      smallConcurrentPerSecond: many.perSecond,
      ...(one.ok > 0 && { smallCpuUsByProcess: afterSmall.map((u, i) => (u.cpuUs - beforeSmall[i]!.cpuUs) / one.ok) }),
    }
  } finally {
    for (const p of procs) p.exit()
  }
}

async function benchReference(): Promise<Figures> {
  const ports = { sender: await freePort(), receiver: await freePort() }
  const connector = new Proc('ref-connector', ports)
  const procs = [connector]
  try {
    await connector.next('ready')
    const receiver = new Proc('ref-receiver', `btp+ws://:receiver-secret@127.0.0.1:${ports.receiver}`)
    procs.push(receiver)
    const { spsp } = (await receiver.next('ready')) as unknown as { spsp: string }
    const sender = new Proc('ref-sender', `btp+ws://:sender-secret@127.0.0.1:${ports.sender}`)
    procs.push(sender)
    await sender.next('ready')
    await connector.next('listening')

    await sender.ask({ kind: 'big', spsp, amount: (MAX_PACKET * 100n).toString() }, 'done')
    const before = await usages(procs)
    const big = await sender.ask({ kind: 'big', spsp, amount: (MAX_PACKET * BigInt(REF_PACKETS)).toString() }, 'done')
    const after = await usages(procs)
    if (BigInt(big.sent as string) !== MAX_PACKET * BigInt(REF_PACKETS)) throw new Error(`reference payment sent ${String(big.sent)}`)
    const small = await sender.ask({ kind: 'small', spsp, count: SMALL }, 'done')
    return {
      packets: REF_PACKETS,
      ms: big.ms as number,
      cpuUsPerPacket: cpuDelta(before, after) / REF_PACKETS,
      cpuUsPerPacketByProcess: after.map((u, i) => (u.cpuUs - before[i]!.cpuUs) / REF_PACKETS),
      maxRssMb: Math.max(...after.map((u) => u.maxRssKb)) / 1024,
      smallPerSecond: ((small.ok as number) * 1000) / (small.ms as number),
      smallOk: small.ok as number,
    }
  } finally {
    for (const p of procs) p.exit()
  }
}

function row(label: string, ours: number, ref: number, digits = 0, higherIsBetter = true): string {
  const ratio = higherIsBetter ? ours / ref : ref / ours
  return `${label.padEnd(34)}${ours.toFixed(digits).padStart(14)}${ref.toFixed(digits).padStart(16)}${`${ratio.toFixed(1)}×`.padStart(10)}`
}

/** Ours: router, sender, receiver (the order benchOurs starts them). */
function byProcess(perProcess: readonly number[]): string {
  const [router, sender, receiver] = perProcess.map((c) => c.toFixed(0))
  return `sender ${sender}, router ${router}, receiver ${receiver}`
}

function printOursOnly(ours: Figures): void {
  console.log(`\n${'big payment: packets/s'.padEnd(34)}${((ours.packets * 1000) / ours.ms).toFixed(0).padStart(14)}`)
  console.log(`${'CPU per packet, 3 processes (µs)'.padEnd(34)}${ours.cpuUsPerPacket.toFixed(0).padStart(14)}   (${byProcess(ours.cpuUsPerPacketByProcess)})`)
  console.log(`${'peak RSS of one process (MB)'.padEnd(34)}${ours.maxRssMb.toFixed(0).padStart(14)}`)
  console.log(`${'small payments/s, one at a time'.padEnd(34)}${ours.smallPerSecond.toFixed(1).padStart(14)}`)
  const smallCpu = ours.smallCpuUsByProcess
  if (smallCpu) console.log(`${'CPU per small payment (µs)'.padEnd(34)}${smallCpu.reduce((a, b) => a + b, 0).toFixed(0).padStart(14)}   (${byProcess(smallCpu)})`)
  console.log(`${`small payments/s, ${CONCURRENCY} at once`.padEnd(34)}${ours.smallConcurrentPerSecond!.toFixed(1).padStart(14)}`)
}

async function main(): Promise<void> {
  console.log(`bench:stream — one payment of ${PACKETS.toLocaleString()} packets (reference: ${REF_PACKETS.toLocaleString()}) of ${MAX_PACKET} units, three processes, BTP on 127.0.0.1`)
  const ours = await benchOurs()
  console.log(`  ours done: ${ours.packets} packets in ${(ours.ms / 1000).toFixed(1)} s`)
  if (process.env.BENCH_STREAM_REF === '0') return printOursOnly(ours)
  const ref = await benchReference()
  console.log(`  reference done: ${ref.packets} packets in ${(ref.ms / 1000).toFixed(1)} s\n`)
  console.log(`${''.padEnd(34)}${'ours'.padStart(14)}${'reference'.padStart(16)}${'ratio'.padStart(10)}`)
  console.log(row('big payment: packets/s', (ours.packets * 1000) / ours.ms, (ref.packets * 1000) / ref.ms))
  if (ours.packets === ref.packets) console.log(row('big payment: total time (s)', ours.ms / 1000, ref.ms / 1000, 1, false))
  else console.log(`${'big payment: total time (s)'.padEnd(34)}${(ours.ms / 1000).toFixed(1).padStart(14)}${(ref.ms / 1000).toFixed(1).padStart(16)}   (${ours.packets} vs ${ref.packets} packets)`)
  console.log(row('CPU per packet, 3 processes (µs)', ours.cpuUsPerPacket, ref.cpuUsPerPacket, 0, false))
  console.log(`${''.padEnd(34)}(ours: ${byProcess(ours.cpuUsPerPacketByProcess)})`)
  console.log(row('peak RSS of one process (MB)', ours.maxRssMb, ref.maxRssMb, 0, false))
  console.log(row('small payments/s, one at a time', ours.smallPerSecond, ref.smallPerSecond, 1))
  console.log(`${`small payments/s, ${CONCURRENCY} at once`.padEnd(34)}${ours.smallConcurrentPerSecond!.toFixed(1).padStart(14)}${'n/a'.padStart(16)}`)
  console.log(`\nSmall payments: ${ours.smallOk}/${SMALL} ours and ${ref.smallOk}/${SMALL} reference completed one at a time; each is an SPSP`)
  console.log(`query, a new STREAM connection, ${SMALL_AMOUNT} units and a close. Ours are started over the sender node's admin API`)
  console.log('(HTTP + JSON included), the reference ones inside its sender process. The reference cannot run them side by side:')
  console.log('ilp-protocol-stream owns its plugin per connection and an ilp-connector BTP account serves one client socket.')
}

const roleIndex = process.argv.indexOf('--role')
if (roleIndex === -1) {
  await main()
} else {
  const role = process.argv[roleIndex + 1]
  const args = JSON.parse(process.argv[roleIndex + 2] ?? 'null') as never
  const roles: Record<string, (a: never) => Promise<void>> = {
    node: roleNode,
    'ref-connector': roleRefConnector,
    'ref-receiver': roleRefReceiver,
    'ref-sender': roleRefSender,
  }
  await roles[role!]!(args)
}

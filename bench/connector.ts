/**
 * bench:connector (issue 6): packets/s, round trip, router CPU per packet and peak RSS of
 *   sender → router → receiver, with 1, 10 and 100 packets in flight, for
 *   - our node (createNode) as the router, on the memory ledger and on the durable sqlite ledger,
 *   - ilp-connector 23.0.2 (ilp-plugin-btp / ilp-plugin-http accounts) as the router,
 *   - our link alone, answering at once (no router: what the link layer costs, its "CPU/packet" is the link's),
 *   - no router at all (the bare link between the load generators),
 * over BTP and over ILP over HTTP. Every router, sender and receiver is its own child process; the routers
 * report their own CPU time and peak RSS. The routers are measured several times, interleaved, and the
 * medians printed with the ratios (goal: ≥10× ilp-connector, ≥70% of the bare link).
 *
 *   npm run bench:connector            BENCH_RUNS=3 BENCH_MS=2000 BENCH_WARMUP_MS=500 by default
 *   BENCH_TRANSPORTS=btp               only one transport
 *   BENCH_PATHS='ours,ilp-connector'   only some of the paths ('ours, pipelined': the router pipelines to the receiver)
 *   BENCH_HTTP_CONNECTIONS / BENCH_HTTP_PIPELINING   the HTTP sender's connections and requests in flight on each
 *   BENCH_PIN=1/0                      pins routers (and 'our link only') to CPUs '1', the load generators to '0'
 *                                      (taskset lists; e.g. '0-1/0-1' for none): how placement moves the figures
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunOptions, RunResult } from './loadgen.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const DURATION_MS = Number(process.env.BENCH_MS ?? 2000)
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500)
const WARMUP_PASS_MS = Number(process.env.BENCH_WARMUP_PASS_MS ?? 2000)
const IN_FLIGHT = (process.env.BENCH_IN_FLIGHT ?? '1,10,100').split(',').map(Number)
const TRANSPORTS = (process.env.BENCH_TRANSPORTS ?? 'btp,http').split(',') as ('btp' | 'http')[]
/**
 * Which paths to run: names from ALL_PATHS separated by commas without a space ('ours,ours, pipelined,bare link');
 * the ratios need 'ilp-connector' and 'bare link'.
 */
const ALL_PATHS = ['ours', 'ours, pipelined', 'ours, sqlite', 'ilp-connector', 'our link only', 'bare link']
/** 'ours, pipelined' (HTTP only): the router's account for the receiver has `http.pipelining` set to this. */
const ROUTER_PIPELINING = Number(process.env.BENCH_ROUTER_PIPELINING ?? 32)
const PATHS = process.env.BENCH_PATHS === undefined ? ALL_PATHS : process.env.BENCH_PATHS.split(/,(?! )/).map((p) => p.trim())
const TOKEN = 'bench-token-0123456789abcdef0123456789abcdef'
/** The receiver's token at our router (the node refuses two accounts with one token). */
const RECEIVER_TOKEN = 'bench-receiver-token-0123456789abcdef012345'
const THIS_FILE = fileURLToPath(import.meta.url)

type Message = { kind: string; [key: string]: unknown }

// ============================================================================================ child roles

function send(message: Message): void {
  process.send!(message)
}

function onParent(handlers: Record<string, (m: Message) => Promise<Message | void> | Message | void>): void {
  process.on('message', (m: Message) => {
    if (m.kind === 'exit') process.exit(0)
    void Promise.resolve(handlers[m.kind]?.(m)).then((reply) => reply && send(reply))
  })
}

function usage(): Message {
  const cpu = process.cpuUsage()
  return { kind: 'usage', cpuUs: cpu.user + cpu.system, maxRssKb: process.resourceUsage().maxRSS }
}

async function routerOurs(transport: 'btp' | 'http', receiverUrl: string | undefined, store: string, pipelining?: number): Promise<void> {
  const { createNode } = await import('../src/node/node.js')
  const { parseConfig } = await import('../src/node/config.js')
  const account = (id: string, link: object) => ({ id, relation: 'child', min_balance: '-1000000000000000000', ...link })
  const accounts =
    transport === 'btp'
      ? [account('sender', { btp: { incoming_token: TOKEN } }), account('receiver', { btp: { incoming_token: RECEIVER_TOKEN } })]
      : [account('sender', { http: { incoming_token: TOKEN } }), account('receiver', { http: { url: receiverUrl, outgoing_token: TOKEN, ...(pipelining !== undefined && { pipelining }) } })]
  const node = createNode(
    parseConfig({
      ilp_address: 'test.router',
      store,
      log_level: 'silent',
      admin: { listen: '127.0.0.1:0', token: 'bench-admin-token-0123456789' },
      [transport]: { listen: '127.0.0.1:0' },
      accounts,
    }),
  )
  await node.start()
  onParent({ usage })
  const url = node.listenerUrl(transport)!
  send({ kind: 'ready', url, destination: 'test.router.receiver.bench' })
}

/** ilp-plugin-http listens with koa on every interface; the bench binds loopback only. */
function koaOnLoopback(): void {
  const requireFromPlugin = createRequire(createRequire(import.meta.url).resolve('ilp-plugin-http'))
  const Koa = requireFromPlugin('koa') as { prototype: { listen(port: number): Server; callback(): Parameters<typeof createServer>[1] } }
  Koa.prototype.listen = function (this: { callback(): Parameters<typeof createServer>[1] }, port: number): Server {
    return createServer(this.callback()).listen(port, '127.0.0.1')
  }
}

async function routerJs(transport: 'btp' | 'http', receiverUrl?: string): Promise<void> {
  const requireHere = createRequire(import.meta.url)
  const { createApp } = requireHere('ilp-connector') as { createApp(opts: object): { listen(): Promise<void> } }
  // Rate limit as high as the bench goes (its default, 10,000 per minute, would answer T05); the middleware
  // still runs, as in a deployment.
  const common = { relation: 'child', assetCode: 'USD', assetScale: 9, rateLimit: { refillPeriod: 1000, refillCount: 1_000_000_000, capacity: 1_000_000_000 } }
  let plugins: Record<string, object>
  if (transport === 'btp') {
    const BtpPlugin = requireHere('ilp-plugin-btp') as new (o: object) => object
    plugins = {
      sender: new BtpPlugin({ listener: { port: 0, secret: TOKEN, wsOpts: { host: '127.0.0.1', port: 0 } } }),
      receiver: new BtpPlugin({ listener: { port: 0, secret: TOKEN, wsOpts: { host: '127.0.0.1', port: 0 } } }),
    }
  } else {
    koaOnLoopback()
    const PluginHttp = requireHere('ilp-plugin-http') as new (o: object) => object
    plugins = {
      sender: new PluginHttp({ incoming: { port: 0, staticToken: TOKEN }, outgoing: { url: 'http://127.0.0.1:9/unused', staticToken: TOKEN } }),
      receiver: new PluginHttp({ incoming: { port: 0, staticToken: TOKEN }, outgoing: { url: receiverUrl, staticToken: TOKEN } }),
    }
  }
  const app = createApp({
    env: 'test',
    ilpAddress: 'test.jsrouter',
    backend: 'one-to-one',
    spread: 0,
    accounts: { sender: { ...common, plugin: plugins.sender }, receiver: { ...common, plugin: plugins.receiver } },
  })
  const listening = app.listen()
  onParent({ usage })
  if (transport === 'btp') {
    const port = async (p: object): Promise<number> => {
      for (;;) {
        const address = (p as { _wss?: { address(): AddressInfo | null } })._wss?.address()
        if (address) return address.port
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    send({
      kind: 'ready',
      url: `btp+ws://sender:${TOKEN}@127.0.0.1:${await port(plugins.sender!)}`,
      receiverUrl: `btp+ws://receiver:${TOKEN}@127.0.0.1:${await port(plugins.receiver!)}`,
      destination: 'test.jsrouter.receiver.bench',
    })
    await listening
    send({ kind: 'listening' })
  } else {
    await listening
    const server = (plugins.sender as { _httpServer: Server })._httpServer
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
    const port = (server.address() as AddressInfo).port
    send({ kind: 'ready', url: `http://127.0.0.1:${port}/`, destination: 'test.jsrouter.receiver.bench' })
  }
}

/** Our link with no router behind it: a handler that fulfils at once. Measures what the link layer costs. */
async function ourLinkOnly(transport: 'btp' | 'http'): Promise<void> {
  const { createBtpServer, createHttpLinkServer, createHttpLink } = await import('../src/link/index.js')
  const { FULFILLMENT } = await import('./loadgen.js')
  const { IlpPacketType } = await import('../src/ilp/types.js')
  const fulfill: import('../src/ilp/types.js').IlpFulfill = { type: IlpPacketType.Fulfill, fulfillment: FULFILLMENT, data: new Uint8Array(0) }
  onParent({ usage })
  if (transport === 'btp') {
    const server = await createBtpServer({ listen: { port: 0 }, authenticate: (_u, t) => (t === TOKEN ? 'sender' : undefined) })
    server.link('sender').handle(async () => fulfill)
    return send({ kind: 'ready', url: `btp+ws://sender:${TOKEN}@${new URL(server.url).host}`, destination: 'test.link.receiver' })
  }
  const server = await createHttpLinkServer({ listen: { port: 0 }, authenticate: (_u, t) => (t === TOKEN ? 'sender' : undefined) })
  createHttpLink({ accountId: 'sender', server }).handle(async () => fulfill)
  send({ kind: 'ready', url: `${server.url}/ilp`, destination: 'test.link.receiver' })
}

async function loadgenRole(role: string, args: Record<string, string>): Promise<void> {
  const lg = await import('./loadgen.js')
  switch (role) {
    case 'receiver-btp': {
      await lg.startBtpReceiverClient(args.url!)
      return send({ kind: 'ready' })
    }
    case 'receiver-btp-server': {
      const r = await lg.startBtpReceiverServer()
      return send({ kind: 'ready', url: r.url, destination: 'test.bare.receiver' })
    }
    case 'receiver-http': {
      const r = await lg.startHttpReceiver()
      return send({ kind: 'ready', url: r.url, destination: 'test.bare.receiver' })
    }
    case 'sender-btp': {
      const s = await lg.startBtpSender(args.url!, args.destination!)
      onParent({ usage, run: async (m) => ({ kind: 'result', result: await s.run(m.options as RunOptions) }) })
      return send({ kind: 'ready' })
    }
    case 'sender-http': {
      const s = await lg.startHttpSender(args.url!, TOKEN, args.destination!, args.contentType)
      onParent({ usage, run: async (m) => ({ kind: 'result', result: await s.run(m.options as RunOptions) }) })
      return send({ kind: 'ready' })
    }
  }
}

async function child(role: string, args: Record<string, string>): Promise<void> {
  process.on('disconnect', () => process.exit(0))
  if (role === 'router-ours') return routerOurs(args.transport as 'btp' | 'http', args.receiverUrl, args.store ?? 'memory', args.pipelining === undefined ? undefined : Number(args.pipelining))
  if (role === 'router-js') return routerJs(args.transport as 'btp' | 'http', args.receiverUrl)
  if (role === 'our-link-only') return ourLinkOnly(args.transport as 'btp' | 'http')
  if (!['sender-btp', 'sender-http'].includes(role)) onParent({ usage })
  return loadgenRole(role, args)
}

// ============================================================================================ orchestrator

class Proc {
  private readonly waiters: { kind: string; resolve(m: Message): void }[] = []
  private readonly inbox: Message[] = []
  readonly child: ChildProcess
  constructor(role: string, args: Record<string, string | undefined>) {
    const clean = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined))
    // BENCH_PROFILE_DIR=<dir>: the routers write V8 CPU profiles there (open them in Chrome DevTools).
    // BENCH_ROUTER_NODE_ARGS='--trace-gc ...': Node options for the routers only.
    const router = role.startsWith('router')
    const profile = process.env.BENCH_PROFILE_DIR !== undefined && router ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []
    const nodeArgs = router ? (process.env.BENCH_ROUTER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '') : []
    this.child = fork(THIS_FILE, ['--role', role, JSON.stringify(clean)], { stdio: ['ignore', router && nodeArgs.length > 0 ? 'inherit' : 'ignore', 'inherit', 'ipc'], execArgv: [...profile, ...nodeArgs] })
    if (process.env.BENCH_PIN !== undefined) {
      const [routerCpus, endCpus] = process.env.BENCH_PIN.split('/')
      execFileSync('taskset', ['-a', '-p', '-c', (router || role === 'our-link-only' ? routerCpus : endCpus)!, String(this.child.pid)], { stdio: 'ignore' })
    }
    this.child.once('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.resolve({ kind: 'died', code })
      if (code !== 0 && code !== null) process.stderr.write(`bench child ${role} exited with ${code}\n`)
    })
    this.child.on('message', (m: Message) => {
      const i = this.waiters.findIndex((w) => w.kind === m.kind)
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m)
      else this.inbox.push(m)
    })
  }
  async next(kind: string): Promise<Message> {
    const i = this.inbox.findIndex((m) => m.kind === kind)
    if (i >= 0) return this.inbox.splice(i, 1)[0]!
    if (this.child.exitCode !== null) throw new Error(`bench child exited (${this.child.exitCode}) before '${kind}'`)
    const m = await new Promise<Message>((resolve) => this.waiters.push({ kind, resolve }))
    if (m.kind === 'died') throw new Error(`bench child exited (${String(m.code)}) before '${kind}'`)
    return m
  }
  async ask(message: Message, reply: string): Promise<Message> {
    this.child.send(message)
    return this.next(reply)
  }
  stop(): void {
    if (this.child.connected) this.child.send({ kind: 'exit' })
  }
}

interface Path {
  name: string
  transport: 'btp' | 'http'
  sender: Proc
  router?: Proc
  procs: Proc[]
}

let sqliteDir: string | undefined
const isOurs = (name: string): boolean => name.startsWith('ours')

/** 'ours' runs on the memory ledger (like ilp-connector's memdown store); 'ours, sqlite' on the durable one. */
const storeOf = (name: string): string | undefined => (name === 'ours, sqlite' ? `sqlite:${join((sqliteDir ??= mkdtempSync(join(tmpdir(), 'bench-connector-'))), `ledger-${Date.now()}.sqlite`)}` : isOurs(name) ? 'memory' : undefined)

async function startPath(name: string, transport: 'btp' | 'http'): Promise<Path> {
  const procs: Proc[] = []
  const spawn = (role: string, args: Record<string, string | undefined> = {}): Proc => {
    const p = new Proc(role, args)
    procs.push(p)
    return p
  }
  let router: Proc | undefined
  let target: Message
  if (name === 'our link only') {
    router = spawn('our-link-only', { transport })
    target = await router.next('ready')
  } else if (transport === 'btp') {
    if (name === 'bare link') {
      target = await spawn('receiver-btp-server').next('ready')
    } else {
      router = spawn(isOurs(name) ? 'router-ours' : 'router-js', { transport, store: storeOf(name) })
      target = await router.next('ready')
      const receiverUrl = isOurs(name) ? `btp+ws://receiver:${RECEIVER_TOKEN}@${new URL(target.url as string).host}` : (target.receiverUrl as string)
      await spawn('receiver-btp', { url: receiverUrl }).next('ready')
    }
  } else {
    const receiver = await spawn('receiver-http').next('ready')
    if (name === 'bare link') target = receiver
    else {
      const pipelining = name === 'ours, pipelined' ? String(ROUTER_PIPELINING) : undefined
      router = spawn(isOurs(name) ? 'router-ours' : 'router-js', { transport, receiverUrl: receiver.url as string, store: storeOf(name), pipelining })
      target = await router.next('ready')
      if (isOurs(name)) target = { ...target, url: `${target.url as string}/accounts/sender/ilp` }
    }
  }
  const senderUrl = transport === 'btp' && isOurs(name) && name !== 'our link only' ? `btp+ws://sender:${TOKEN}@${new URL(target.url as string).host}` : (target.url as string)
  const sender = spawn(transport === 'btp' ? 'sender-btp' : 'sender-http', {
    url: senderUrl,
    destination: target.destination as string,
    contentType: name === 'ilp-connector' ? 'application/ilp+octet-stream' : undefined,
  })
  await sender.next('ready')
  if (transport === 'btp' && name === 'ilp-connector') await router!.next('listening')
  return { name, transport, sender, ...(router !== undefined && { router }), procs }
}

interface Sample {
  result: RunResult
  cpuUsPerPacket: number
  /** CPU of every process of the path (sender, router, receiver) per packet. */
  allCpuUsPerPacket: number
  maxRssKb: number
}

const cpuOf = async (procs: Proc[]): Promise<number[]> => Promise.all(procs.map(async (p) => (await p.ask({ kind: 'usage' }, 'usage')).cpuUs as number))

async function measure(path: Path, inFlight: number): Promise<Sample> {
  const before = await cpuOf(path.procs)
  const routerBefore = path.router ? await path.router.ask({ kind: 'usage' }, 'usage') : undefined
  const options: RunOptions = { inFlight, warmupMs: WARMUP_MS, durationMs: DURATION_MS }
  const { result } = (await path.sender.ask({ kind: 'run', options }, 'result')) as unknown as { result: RunResult }
  const routerAfter = path.router ? await path.router.ask({ kind: 'usage' }, 'usage') : undefined
  const after = await cpuOf(path.procs)
  // CPU over warmup + measurement, divided by the packets of both (the warmup runs at the same rate).
  const packetsIncludingWarmup = result.packets * ((WARMUP_MS + DURATION_MS) / DURATION_MS)
  const cpuUsPerPacket = routerBefore && routerAfter ? ((routerAfter.cpuUs as number) - (routerBefore.cpuUs as number)) / packetsIncludingWarmup : NaN
  const allCpuUs = after.reduce((sum, cpu, i) => sum + cpu - before[i]!, 0)
  return { result, cpuUsPerPacket, allCpuUsPerPacket: allCpuUs / packetsIncludingWarmup, maxRssKb: routerAfter ? (routerAfter.maxRssKb as number) : NaN }
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b)
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!
}
const fmt = (x: number, digits = 0): string => (Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }))

async function benchTransport(transport: 'btp' | 'http'): Promise<void> {
  const names = PATHS.filter((name) => transport === 'http' || name !== 'ours, pipelined')
  const paths: Path[] = []
  for (const name of names) paths.push(await startPath(name, transport))
  const samples = new Map<string, Sample[]>()
  try {
    // One unmeasured pass per path first: JIT warm-up, connection pools filled, ilp-connector's caches built.
    for (const path of paths) await path.sender.ask({ kind: 'run', options: { inFlight: 10, warmupMs: 0, durationMs: WARMUP_PASS_MS } }, 'result')
    for (let run = 0; run < RUNS; run++) {
      for (const inFlight of IN_FLIGHT) {
        for (const path of paths) {
          const sample = await measure(path, inFlight)
          const key = `${path.name}|${inFlight}`
          samples.set(key, [...(samples.get(key) ?? []), sample])
          const r = sample.result
          const rejects = r.rejected > 0 ? ` REJECTED ${r.rejected} ${JSON.stringify(r.rejectCodes)}` : ''
          process.stderr.write(`  run ${run + 1} ${transport} ${path.name.padEnd(15)} ${String(inFlight).padStart(3)} in flight: ${fmt(r.packetsPerSecond)} packets/s${rejects}\n`)
        }
      }
    }
  } finally {
    for (const path of paths) for (const p of path.procs) p.stop()
  }
  printTable(transport, names, samples)
}

function printTable(transport: string, names: string[], samples: Map<string, Sample[]>): void {
  printRates(transport, names, samples)
  const cores = availableParallelism()
  console.log(
    `all CPU/packet: user + system time of every process of the path (sender, router, receiver) per packet; ` +
      `${cores} cores carry at most ${cores} s of CPU per second, so ${cores} × 1,000,000 / (all CPU/packet) packets/s.`,
  )
}

function printRates(transport: string, names: string[], samples: Map<string, Sample[]>): void {
  console.log(
    `\n${transport === 'btp' ? 'BTP over WebSocket' : 'ILP over HTTP (sync)'}: sender → router → receiver, medians of ${RUNS} interleaved runs of ${DURATION_MS} ms ` +
      '(the ratios: medians of the ratios within each run)',
  )
  console.log('| router | in flight | packets/s | p50 | p99 | router CPU/packet | all CPU/packet | router peak RSS | vs ilp-connector | vs bare link |')
  console.log('|---|---|---|---|---|---|---|---|---|---|')
  for (const inFlight of IN_FLIGHT) {
    const rate = (name: string) => median((samples.get(`${name}|${inFlight}`) ?? []).map((s) => s.result.packetsPerSecond))
    // Ratios are medians of per-run ratios: the paths run interleaved, so run i of one path and run i of another
    // share the machine's state of that moment (it drifts by tens of percent over minutes here).
    const ratio = (name: string, other: string) => {
      const mine = samples.get(`${name}|${inFlight}`) ?? []
      const theirs = samples.get(`${other}|${inFlight}`) ?? []
      return median(mine.map((s, i) => s.result.packetsPerSecond / (theirs[i]?.result.packetsPerSecond ?? NaN)))
    }
    for (const name of names) {
      const list = samples.get(`${name}|${inFlight}`) ?? []
      const pps = rate(name)
      const p50 = median(list.map((s) => s.result.p50Us))
      const p99 = median(list.map((s) => s.result.p99Us))
      const cpu = median(list.map((s) => s.cpuUsPerPacket))
      const allCpu = median(list.map((s) => s.allCpuUsPerPacket))
      const rss = Math.max(...list.map((s) => s.maxRssKb))
      const vsJs = isOurs(name) ? `${fmt(ratio(name, 'ilp-connector'), 1)}×` : ''
      const vsBare = name === 'bare link' ? '' : `${fmt(100 * ratio(name, 'bare link'))}%`
      console.log(
        `| ${name} | ${inFlight} | ${fmt(pps)} | ${fmt(p50)} µs | ${fmt(p99)} µs | ${fmt(cpu)} µs | ${fmt(allCpu, 1)} µs | ${Number.isFinite(rss) ? fmt(rss / 1024) + ' MB' : '–'} | ${vsJs} | ${vsBare} |`,
      )
    }
  }
  printHops(names, samples)
  printCpuRatios(names, samples)
}

/**
 * Router CPU per packet against ilp-connector's, at the largest number in flight: what a router costs per packet
 * whatever the two cores' sharing and the wake-ups between processes do to packets/s (medians of per-run ratios).
 */
function printCpuRatios(names: string[], samples: Map<string, Sample[]>): void {
  const inFlight = Math.max(...IN_FLIGHT)
  const theirs = samples.get(`ilp-connector|${inFlight}`) ?? []
  if (theirs.length === 0) return
  const parts = names
    .filter((name) => isOurs(name) && (samples.get(`${name}|${inFlight}`) ?? []).length > 0)
    .map((name) => {
      const mine = samples.get(`${name}|${inFlight}`)!
      const ratio = median(mine.map((s, i) => (theirs[i]?.cpuUsPerPacket ?? NaN) / s.cpuUsPerPacket))
      return `${name} ${fmt(ratio, 1)}× less`
    })
  console.log(`router CPU per packet at ${inFlight} in flight against ilp-connector's: ${parts.join(', ')}.`)
}

/**
 * Where the time of a round trip goes, at the largest number in flight. With a fixed number of packets in flight,
 * packets/s = in flight / mean round trip (Little's law). The bare link's round trip crosses two process hops
 * (sender → receiver → sender), a routed one four (the router twice more). Taking the load generators' hops to
 * cost what they cost on the bare link, the rest of the routed round trip is the router's two hops. A router
 * whose hop took as long as a load generator's would run at 50% of the bare link; 70% needs its hop to take
 * at most 3/7 (0.43) of one.
 */
function printHops(names: string[], samples: Map<string, Sample[]>): void {
  const inFlight = Math.max(...IN_FLIGHT)
  const roundTrip = (name: string) => median((samples.get(`${name}|${inFlight}`) ?? []).map((s) => (1e6 * inFlight) / s.result.packetsPerSecond))
  const bare = roundTrip('bare link')
  if (Number.isNaN(bare)) return
  const parts = names
    .filter((name) => name !== 'bare link' && name !== 'our link only' && !Number.isNaN(roundTrip(name)))
    .map((name) => `${name} ${fmt(roundTrip(name))} µs, a router hop ${fmt((roundTrip(name) - bare) / 2)} µs (${fmt((roundTrip(name) - bare) / bare, 2)} of a load generator's)`)
  console.log(
    `round trip at ${inFlight} in flight (in flight / packets/s): bare link ${fmt(bare)} µs over 2 hops, a load generator's hop ${fmt(bare / 2)} µs; ` +
      `${parts.join('; ')}. 70% of the bare link needs a router hop of at most 0.43 of a load generator's.`,
  )
}

async function main(): Promise<void> {
  const roleAt = process.argv.indexOf('--role')
  if (roleAt >= 0) return child(process.argv[roleAt + 1]!, JSON.parse(process.argv[roleAt + 2] ?? '{}'))
  console.log(`bench:connector — Node ${process.version}, ${RUNS} runs × ${DURATION_MS} ms (+${WARMUP_MS} ms warmup), in flight ${IN_FLIGHT.join('/')}`)
  try {
    for (const transport of TRANSPORTS) await benchTransport(transport)
  } finally {
    if (sqliteDir !== undefined) rmSync(sqliteDir, { recursive: true, force: true })
  }
}

await main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})

/**
 * A real crash: a child process commits transfers to a sqlite ledger and is killed with SIGKILL mid-load.
 * Every commit it acknowledged must be in the file afterwards, and the journal must still sum to the balances.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { createSqliteLedger, verifyLedger, type JournalEntry, type WriterKind } from '../src/accounts/index.js'

/** Acknowledged commits to collect before the kill: enough for many group-commit batches. */
const ACKS_BEFORE_KILL = 20_000
const CHILD = fileURLToPath(new URL('./ledger-crash-child.js', import.meta.url))

interface Ack {
  readonly incoming: bigint
  readonly outgoing: bigint
}

async function runAndKill(path: string, writer: WriterKind): Promise<Map<bigint, Ack>> {
  const child = spawn(process.execPath, [CHILD, path, writer], { stdio: ['ignore', 'pipe', 'inherit'] })
  const acks = new Map<bigint, Ack>()
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'ready') continue
    const [seq, incoming, outgoing] = line.split(' ').map(BigInt)
    assert.ok(seq !== undefined && incoming !== undefined && outgoing !== undefined)
    acks.set(seq, { incoming, outgoing })
    if (acks.size === ACKS_BEFORE_KILL) child.kill('SIGKILL')
  }
  assert.equal(await exited, 'SIGKILL', 'the child must die by the kill, mid-load')
  return acks
}

async function readAll(ledger: ReturnType<typeof createSqliteLedger>): Promise<JournalEntry[]> {
  const all: JournalEntry[] = []
  for (;;) {
    const page = await ledger.readJournal({ afterSeq: all[all.length - 1]?.seq ?? 0n })
    if (page.length === 0) return all
    all.push(...page)
  }
}

for (const writer of ['worker', 'inline'] as const) test(`kill -9 mid-load loses no acknowledged commit (${writer} writer)`, { timeout: 15_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-crash-'))
  const path = join(dir, 'node.db')
  const acks = await runAndKill(path, writer)
  assert.ok(acks.size >= ACKS_BEFORE_KILL)

  // First, read-only, as `ilp ledger verify` would after a crash.
  const fileReport = verifyLedger(path)
  assert.equal(fileReport.ok, true, JSON.stringify(fileReport.mismatches, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)))
  assert.ok(fileReport.entries >= BigInt(acks.size))
  t.diagnostic(`acknowledged ${acks.size}, in the file ${fileReport.entries}`)

  const ledger = createSqliteLedger({ path })
  t.after(async () => {
    await ledger.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const journal = new Map((await readAll(ledger)).map((e) => [e.seq, e]))
  for (const [seq, ack] of acks) {
    const entry = journal.get(seq)
    assert.ok(entry !== undefined, `acknowledged commit ${seq} is missing`)
    assert.deepEqual(entry.legs, [
      { accountId: 'from', delta: -ack.incoming },
      { accountId: 'to', delta: ack.outgoing },
    ])
  }
  let fromSum = 0n
  for (const entry of journal.values()) fromSum += entry.legs[0]?.delta ?? 0n
  assert.equal(ledger.snapshot('from').balance, fromSum)
  assert.deepEqual(ledger.snapshot('from').pendingIncoming, 0n)
  assert.deepEqual(await ledger.verify(), { ok: true, mismatches: [] })
})

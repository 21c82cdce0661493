import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createDeadlineTimer, type Deadline } from './deadlines.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Waits until `done()` or 5 s (a loaded machine can delay timers a lot). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 5_000; waited += 5) await sleep(5)
}

describe('deadline timer', () => {
  test('fires each entry once, never before its deadline', async () => {
    const timer = createDeadlineTimer({ now: Date.now, resolutionMs: 5 })
    const fired: number[] = []
    const start = Date.now()
    for (const delay of [30, 10, 20]) {
      const at = start + delay
      timer.add(() => fired.push(Date.now() - at), at)
    }
    assert.equal(timer.size, 3)
    await waitFor(() => fired.length === 3)
    assert.equal(fired.length, 3)
    for (const lateness of fired) assert.ok(lateness >= 0, `fired ${-lateness} ms early`)
    assert.equal(timer.size, 0)
    timer.close()
  })

  test('a cancelled entry does not fire', async () => {
    const timer = createDeadlineTimer({ now: Date.now, resolutionMs: 5 })
    let fired = 0
    const entry = timer.add(() => fired++, Date.now() + 10)
    assert.equal(entry.pending, true)
    timer.cancel(entry)
    timer.cancel(entry)
    assert.equal(entry.pending, false)
    assert.equal(timer.size, 0)
    await sleep(30)
    assert.equal(fired, 0)
    timer.close()
  })

  test('a callback may cancel a sibling due in the same slot', async () => {
    const timer = createDeadlineTimer({ now: Date.now, resolutionMs: 50 })
    const at = Date.now() + 5
    let fired = 0
    let b: Deadline | undefined
    timer.add(() => {
      fired++
      timer.cancel(b!)
    }, at)
    b = timer.add(() => fired++, at)
    await waitFor(() => fired > 0)
    await sleep(60)
    assert.equal(fired, 1)
    timer.close()
  })

  test('a deadline long past fires on the next tick without walking every slot', async () => {
    let clock = 1_000_000_000_000
    const timer = createDeadlineTimer({ now: () => clock, resolutionMs: 5 })
    let fired = 0
    timer.add(() => fired++, 0)
    clock += 10
    await waitFor(() => fired > 0)
    assert.equal(fired, 1)
    timer.close()
  })

  test('expireAll fires everything at once; close drops without firing', () => {
    const timer = createDeadlineTimer({ now: Date.now })
    let fired = 0
    timer.add(() => fired++, Date.now() + 60_000)
    timer.add(() => fired++, Date.now() + 60_000)
    timer.expireAll()
    assert.equal(fired, 2)
    timer.add(() => fired++, Date.now() + 60_000)
    timer.close()
    assert.equal(timer.size, 0)
    assert.equal(fired, 2)
  })
})

describe('deadline timer bookkeeping', () => {
  test('of many deadlines in few slots, exactly the ones not cancelled fire, in the order they were added', () => {
    let clock = 1_000_000
    const timer = createDeadlineTimer({ now: () => clock, resolutionMs: 10 })
    const fired: number[] = []
    const handles = Array.from({ length: 300 }, (_, i) => timer.add(() => fired.push(i), clock + (i % 3) * 10))
    for (let i = 0; i < 300; i += 7) timer.cancel(handles[i]!)
    const kept = [...Array(300).keys()].filter((i) => i % 7 !== 0)
    assert.equal(timer.size, kept.length)
    clock += 100
    timer.expireAll()
    assert.deepEqual([...fired].sort((a, b) => a - b), kept)
    for (const slot of [0, 1, 2]) {
      const inSlot = fired.filter((i) => i % 3 === slot)
      assert.deepEqual(inSlot, [...inSlot].sort((a, b) => a - b))
    }
    assert.equal(timer.size, 0)
    assert.ok(handles.every((h) => !h.pending))
    timer.close()
  })
})

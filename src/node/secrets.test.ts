import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { loadOrCreateSecret } from './secrets.js'

describe('loadOrCreateSecret', () => {
  test('makes a 32-byte secret once (mode 0600) and returns the same one after a restart', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ilp-secret-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'node.sqlite.receiver-secret')
    const first = loadOrCreateSecret(path)
    assert.equal(first.length, 32)
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.deepEqual(loadOrCreateSecret(path), first)
    assert.notDeepEqual(loadOrCreateSecret(join(dir, 'other')), first)
    assert.equal(loadOrCreateSecret(join(dir, 'not', 'yet', 'there')).length, 32) // the store's folder is made first
  })

  test('a damaged file is an error naming it, not a silent new secret', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ilp-secret-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'bad')
    writeFileSync(path, 'c2hvcnQ=\n')
    assert.throws(() => loadOrCreateSecret(path), /bad: expected a base64 secret of 32 bytes/)
  })
})

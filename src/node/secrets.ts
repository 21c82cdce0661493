import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * A secret kept in a file beside the store (base64, mode 0600), made on first use. The STREAM receiver secret
 * lives here so that SPSP credentials handed out before a restart keep working after it (RFC 9 clients may
 * cache them for the response's max-age, and a payment may span a restart).
 */
export function loadOrCreateSecret(path: string, length = 32): Uint8Array {
  if (existsSync(path)) {
    const saved = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')
    if (saved.length === length) return new Uint8Array(saved)
    throw new Error(`${path}: expected a base64 secret of ${length} bytes; delete the file to make a new one`)
  }
  const secret = randomBytes(length)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${secret.toString('base64')}\n`, { mode: 0o600 })
  return new Uint8Array(secret)
}

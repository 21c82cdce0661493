import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** The team's shared folder (vectors, notes): `$ILP_SHARED_DIR`, else `../shared` beside the repository. */
export const sharedDir = process.env.ILP_SHARED_DIR ?? resolve(process.cwd(), '../shared')

export function readSharedJson<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(resolve(sharedDir, relativePath), 'utf8')) as T
}

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

import { CodecError } from '../oer/errors.js'

/**
 * The ILP fixed timestamp (RFC 27, RFC 30 §"Timestamps"): 17 ASCII digits `YYYYMMDDHHmmSSfff`, UTC, every
 * digit mandatory, no separators. Decoding is strict: month 13, hour 24, second 60 (leap seconds are smeared,
 * UTC-SLS), wrong lengths and non-digits are rejected rather than normalised.
 */
export const ILP_TIMESTAMP_LENGTH = 17

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function digits(bytes: Uint8Array, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const d = bytes[i]! - 48
    if (d < 0 || d > 9) throw new CodecError('ILP_INVALID_TIMESTAMP', 'timestamp contains a non-digit')
    v = v * 10 + d
  }
  return v
}

/** Reads a 17-byte ILP timestamp at `offset` of `bytes`. */
export function readIlpTimestamp(bytes: Uint8Array, offset = 0): Date {
  if (bytes.length - offset < ILP_TIMESTAMP_LENGTH) throw new CodecError('OER_TRUNCATED', 'timestamp truncated')
  const year = digits(bytes, offset, 4)
  const month = digits(bytes, offset + 4, 2)
  const day = digits(bytes, offset + 6, 2)
  const hour = digits(bytes, offset + 8, 2)
  const minute = digits(bytes, offset + 10, 2)
  const second = digits(bytes, offset + 12, 2)
  const ms = digits(bytes, offset + 14, 3)
  if (month < 1 || month > 12) throw new CodecError('ILP_INVALID_TIMESTAMP', `invalid month ${month}`)
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!
  if (day < 1 || day > maxDay) throw new CodecError('ILP_INVALID_TIMESTAMP', `invalid day ${day}`)
  if (hour > 23) throw new CodecError('ILP_INVALID_TIMESTAMP', `invalid hour ${hour}`)
  if (minute > 59) throw new CodecError('ILP_INVALID_TIMESTAMP', `invalid minute ${minute}`)
  if (second > 59) throw new CodecError('ILP_INVALID_TIMESTAMP', `invalid second ${second}`)
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, ms)
  return date
}

/** Parses the 17-character string form (`20171224161432279`). */
export function parseIlpTimestamp(s: string): Date {
  if (s.length !== ILP_TIMESTAMP_LENGTH) {
    throw new CodecError('ILP_INVALID_TIMESTAMP', `timestamp must be ${ILP_TIMESTAMP_LENGTH} characters, got ${s.length}`)
  }
  const bytes = new Uint8Array(ILP_TIMESTAMP_LENGTH)
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff
  return readIlpTimestamp(bytes)
}

function putDigits(bytes: Uint8Array, at: number, n: number, v: number): void {
  for (let i = at + n - 1; i >= at; i--) {
    bytes[i] = 48 + (v % 10)
    v = Math.floor(v / 10)
  }
}

/** Writes `date` as 17 ASCII digits at `offset` of `bytes`, without building a string. */
export function writeIlpTimestamp(bytes: Uint8Array, offset: number, date: Date): void {
  const t = date.getTime()
  if (!Number.isFinite(t)) throw new CodecError('ILP_INVALID_TIMESTAMP', 'invalid date')
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) throw new CodecError('ILP_INVALID_TIMESTAMP', `year ${year} cannot be encoded`)
  putDigits(bytes, offset, 4, year)
  putDigits(bytes, offset + 4, 2, date.getUTCMonth() + 1)
  putDigits(bytes, offset + 6, 2, date.getUTCDate())
  putDigits(bytes, offset + 8, 2, date.getUTCHours())
  putDigits(bytes, offset + 10, 2, date.getUTCMinutes())
  putDigits(bytes, offset + 12, 2, date.getUTCSeconds())
  putDigits(bytes, offset + 14, 3, date.getUTCMilliseconds())
}

export function formatIlpTimestamp(date: Date): string {
  const bytes = new Uint8Array(ILP_TIMESTAMP_LENGTH)
  writeIlpTimestamp(bytes, 0, date)
  return String.fromCharCode(...bytes)
}

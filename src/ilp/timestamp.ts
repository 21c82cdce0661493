import { CodecError } from '../oer/errors.js'

/**
 * The ILP fixed timestamp (RFC 27, RFC 30 §"Timestamps"): 17 ASCII digits `YYYYMMDDHHmmSSfff`, UTC, every
 * digit mandatory, no separators. Decoding is strict: month 13, hour 24, second 60 (leap seconds are smeared,
 * UTC-SLS), wrong lengths and non-digits are rejected rather than normalised.
 */
export const ILP_TIMESTAMP_LENGTH = 17

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const MS_PER_DAY = 86_400_000
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the range four year digits can hold. */
const MIN_TIME_MS = -62_167_219_200_000
const MAX_TIME_MS = 253_402_300_799_999

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1
  return era * 146_097 + yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy - 719_468
}

function invalid(message: string): CodecError {
  return new CodecError('ILP_INVALID_TIMESTAMP', message)
}

/** Reads a 17-byte ILP timestamp at `offset` of `bytes`. */
export function readIlpTimestamp(bytes: Uint8Array, offset = 0): Date {
  return new Date(readIlpTimestampMs(bytes, offset))
}

/**
 * The last date (YYYYMMDD) read or written, as days since the epoch and as its 8 digits. Packets carry
 * expiries of the same day, so a run of them skips the calendar arithmetic both ways (measured: the date part
 * was most of a timestamp's cost). The digits were validated or produced by the full path, and the mapping
 * between days and digits is one-to-one, so the memo cannot change a result.
 */
let memoDays = 0
/** Starts as a valid pair (1970-01-01 is day 0): never match input against digits that were not checked. */
const memoDigits = Uint8Array.from([49, 57, 55, 48, 48, 49, 48, 49])

function rememberDate(days: number, b: Uint8Array, o: number): void {
  memoDays = days
  for (let i = 0; i < 8; i++) memoDigits[i] = b[o + i]!
}

function isMemoDate(b: Uint8Array, o: number): boolean {
  const m = memoDigits
  return (
    b[o] === m[0] && b[o + 1] === m[1] && b[o + 2] === m[2] && b[o + 3] === m[3] &&
    b[o + 4] === m[4] && b[o + 5] === m[5] && b[o + 6] === m[6] && b[o + 7] === m[7]
  )
}

/** Reads a 17-byte ILP timestamp as ms since the epoch, without building a Date. Straight-line on purpose. */
export function readIlpTimestampMs(b: Uint8Array, o = 0): number {
  if (b.length - o < ILP_TIMESTAMP_LENGTH) throw new CodecError('OER_TRUNCATED', 'timestamp truncated')
  const days = isMemoDate(b, o) ? memoDays : readDays(b, o)
  const c8 = b[o + 8]! - 48, c9 = b[o + 9]! - 48, c10 = b[o + 10]! - 48, c11 = b[o + 11]! - 48
  const c12 = b[o + 12]! - 48, c13 = b[o + 13]! - 48, c14 = b[o + 14]! - 48, c15 = b[o + 15]! - 48, c16 = b[o + 16]! - 48
  // A digit is 0..9; `>>> 0` maps bytes below '0' to huge values, so one comparison per byte checks both ends.
  if (
    (c8 >>> 0) > 9 || (c9 >>> 0) > 9 || (c10 >>> 0) > 9 || (c11 >>> 0) > 9 || (c12 >>> 0) > 9 ||
    (c13 >>> 0) > 9 || (c14 >>> 0) > 9 || (c15 >>> 0) > 9 || (c16 >>> 0) > 9
  ) {
    throw invalid('timestamp contains a non-digit')
  }
  const hour = c8 * 10 + c9
  const minute = c10 * 10 + c11
  const second = c12 * 10 + c13
  if (hour > 23) throw invalid(`invalid hour ${hour}`)
  if (minute > 59) throw invalid(`invalid minute ${minute}`)
  if (second > 59) throw invalid(`invalid second ${second}`)
  const ms = c14 * 100 + c15 * 10 + c16
  return days * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms
}

/** The date digits (YYYYMMDD) at `o` as days since the epoch, strictly checked; remembered for the next read. */
function readDays(b: Uint8Array, o: number): number {
  const c0 = b[o]! - 48, c1 = b[o + 1]! - 48, c2 = b[o + 2]! - 48, c3 = b[o + 3]! - 48
  const c4 = b[o + 4]! - 48, c5 = b[o + 5]! - 48, c6 = b[o + 6]! - 48, c7 = b[o + 7]! - 48
  if ((c0 >>> 0) > 9 || (c1 >>> 0) > 9 || (c2 >>> 0) > 9 || (c3 >>> 0) > 9 || (c4 >>> 0) > 9 || (c5 >>> 0) > 9 || (c6 >>> 0) > 9 || (c7 >>> 0) > 9) {
    throw invalid('timestamp contains a non-digit')
  }
  const year = c0 * 1000 + c1 * 100 + c2 * 10 + c3
  const month = c4 * 10 + c5
  const day = c6 * 10 + c7
  if (month < 1 || month > 12) throw invalid(`invalid month ${month}`)
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!
  if (day < 1 || day > maxDay) throw invalid(`invalid day ${day}`)
  const days = daysFromCivil(year, month, day)
  rememberDate(days, b, o)
  return days
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

/** Two digits of `v` (0..99, an integer). */
function putPair(bytes: Uint8Array, at: number, v: number): void {
  const tens = (v / 10) | 0
  bytes[at] = 48 + tens
  bytes[at + 1] = 48 + v - tens * 10
}

/** Writes `date` as 17 ASCII digits at `offset` of `bytes`, without building a string. */
export function writeIlpTimestamp(bytes: Uint8Array, offset: number, date: Date): void {
  // Arithmetic from getTime() measured ~3× faster than eight getUTC*() calls.
  writeIlpTimestampMs(bytes, offset, date instanceof Date ? date.getTime() : NaN)
}

/** Throws what writeIlpTimestamp would for `date` (not a Date, invalid, outside years 0000..9999). */
export function checkTimestamp(date: Date): void {
  checkTimeMs(date instanceof Date ? date.getTime() : NaN)
}

function checkTimeMs(t: number): void {
  if (!Number.isInteger(t)) throw invalid('invalid date')
  if (t < MIN_TIME_MS || t > MAX_TIME_MS) throw invalid(`${new Date(t).toISOString()} is outside years 0000..9999`)
}

/** Writes a time in ms since the epoch (years 0000..9999) as 17 ASCII digits. */
export function writeIlpTimestampMs(bytes: Uint8Array, offset: number, t: number): void {
  checkTimeMs(t)
  const days = Math.floor(t / MS_PER_DAY)
  // 0..86399999: `| 0` keeps the arithmetic below in int32 (on a double, `%` is a slow fmod call).
  const msOfDay = (t - days * MS_PER_DAY) | 0
  if (days === memoDays) {
    const m = memoDigits
    for (let i = 0; i < 8; i++) bytes[offset + i] = m[i]!
  } else {
    writeDate(bytes, offset, days)
  }
  const seconds = (msOfDay / 1000) | 0
  const minutes = (seconds / 60) | 0
  const hours = (minutes / 60) | 0
  putPair(bytes, offset + 8, hours)
  putPair(bytes, offset + 10, minutes - hours * 60)
  putPair(bytes, offset + 12, seconds - minutes * 60)
  const ms = msOfDay - seconds * 1000
  const hundreds = (ms / 100) | 0
  bytes[offset + 14] = 48 + hundreds
  putPair(bytes, offset + 15, ms - hundreds * 100)
}

/** Writes the date of `days` since the epoch as YYYYMMDD (H. Hinnant's civil_from_days); remembers it. */
function writeDate(bytes: Uint8Array, offset: number, days: number): void {
  const z = days + 719_468 // days since 0000-03-01; negative in January and February of year 0000
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36_524) | 0) - ((doe / 146_096) | 0)) / 365) | 0
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0))
  const mp = ((5 * doy + 2) / 153) | 0
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  putPair(bytes, offset, (year / 100) | 0)
  putPair(bytes, offset + 2, year % 100)
  putPair(bytes, offset + 4, month)
  putPair(bytes, offset + 6, doy - (((153 * mp + 2) / 5) | 0) + 1)
  rememberDate(days, bytes, offset)
}

export function formatIlpTimestamp(date: Date): string {
  const bytes = new Uint8Array(ILP_TIMESTAMP_LENGTH)
  writeIlpTimestamp(bytes, 0, date)
  return String.fromCharCode(...bytes)
}

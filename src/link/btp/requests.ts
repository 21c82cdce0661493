/**
 * Our requests in flight on one BTP connection, by request id. We choose the ids (RFC 23 leaves that to the
 * sender): the next value of a counter whose slot is free, so requests in flight never share a slot of a table
 * indexed by the id's low bits, and finding, adding and removing a request hash nothing.
 */
export interface InFlight {
  readonly requestId: number
}

export class RequestTable<T extends InFlight> {
  private readonly slots: (T | undefined)[]
  private readonly mask: number
  private count = 0
  private nextId: number

  /** Room for `capacity` requests at once (rounded up to a power of two); ids count up from `firstId`. */
  constructor(capacity: number, firstId: number) {
    let size = 1
    while (size < capacity) size *= 2
    this.slots = new Array<T | undefined>(size).fill(undefined)
    this.mask = size - 1
    this.nextId = firstId >>> 0
  }

  get size(): number {
    return this.count
  }

  /** An id whose slot is free. There must be room (size below the capacity). */
  freeId(): number {
    if (this.count > this.mask) throw new RangeError('request table is full')
    let id = this.nextId
    while (this.slots[id & this.mask] !== undefined) id = (id + 1) >>> 0
    this.nextId = (id + 1) >>> 0
    return id
  }

  /** Adds a request whose id came from freeId. */
  add(entry: T): void {
    const slot = entry.requestId & this.mask
    if (this.slots[slot] !== undefined) throw new RangeError(`request id ${entry.requestId} is not free`)
    this.slots[slot] = entry
    this.count++
  }

  /** Removes and returns the request with this id; undefined when none is in flight (late, unknown, duplicate). */
  take(requestId: number): T | undefined {
    const slot = requestId & this.mask
    const entry = this.slots[slot]
    if (entry === undefined || entry.requestId !== requestId) return undefined
    this.slots[slot] = undefined
    this.count--
    return entry
  }

  /** The requests in flight, in no particular order (a copy: callers may take while iterating). */
  entries(): T[] {
    const out: T[] = []
    if (this.count === 0) return out
    for (const entry of this.slots) if (entry !== undefined) out.push(entry)
    return out
  }
}

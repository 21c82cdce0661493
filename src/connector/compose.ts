/**
 * Builds a chain from middlewares listed in packet-flow order (the first sees the packet first). The chain is
 * checked when it is built (undici's compose habit): a non-function stage is a programming error.
 */
export function compose<H extends (...args: never[]) => unknown>(stages: readonly ((next: H) => H)[], last: H): H {
  if (typeof last !== 'function') throw new TypeError('the last handler of a chain must be a function')
  let handler = last
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i]
    if (typeof stage !== 'function') throw new TypeError(`stage ${i} of the chain is not a middleware function`)
    handler = stage(handler)
    if (typeof handler !== 'function') throw new TypeError(`stage ${i} of the chain did not return a handler`)
  }
  return handler
}

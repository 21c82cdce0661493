/**
 * One POST over an undici dispatcher with the reply collected in memory, without the stream objects that
 * `request()` builds for a body: the HTTP link's hot path. Bounded: a reply body over `maxBytes` aborts the
 * request.
 */
import type { Dispatcher } from 'undici'

export interface PostReply {
  status: number
  body: Uint8Array
}

export class ReplyTooLarge extends Error {
  override readonly name = 'ReplyTooLarge'
}

export function post(
  dispatcher: Dispatcher,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<PostReply> {
  return new Promise<PostReply>((resolve, reject) => {
    let status = 0
    let size = 0
    const chunks: Buffer[] = []
    let controller: Dispatcher.DispatchController | undefined
    const onAbort = (): void => controller?.abort(Object.assign(new Error('send aborted'), { name: 'AbortError' }))
    const cleanup = (): void => signal?.removeEventListener('abort', onAbort)
    signal?.addEventListener('abort', onAbort, { once: true })
    dispatcher.dispatch(
      { path, method: 'POST', headers, body },
      {
        onRequestStart(c) {
          controller = c
          if (signal?.aborted) onAbort()
        },
        onResponseStart(_c, statusCode) {
          status = statusCode
        },
        onResponseData(c, chunk) {
          size += chunk.length
          if (size > maxBytes) return c.abort(new ReplyTooLarge(`reply body over ${maxBytes} bytes`))
          chunks.push(chunk)
        },
        onResponseEnd() {
          cleanup()
          resolve({ status, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) })
        },
        onResponseError(_c, err) {
          cleanup()
          reject(err)
        },
      },
    )
  })
}

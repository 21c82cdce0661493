/** The ledger's writer thread: one connection, one transaction per batch the ledger sends. */
import { parentPort, workerData } from 'node:worker_threads'
import { createBatchTransaction, openWriterDatabase, parseBatch, type WorkerWriterData, type WriterRequest, type WriterResponse } from './journal-writer.js'

const port = parentPort
if (port === null) throw new Error('journal-writer-worker must run in a worker thread')
const db = openWriterDatabase(workerData as WorkerWriterData)
const write = createBatchTransaction(db)

port.on('message', (request: WriterRequest) => {
  let response: WriterResponse
  if ('close' in request) {
    db.close()
    port.postMessage({ id: request.id, ok: true } satisfies WriterResponse)
    port.close()
    return
  }
  try {
    write(parseBatch(request.batch))
    response = { id: request.id, ok: true }
  } catch (err) {
    response = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) }
  }
  port.postMessage(response)
})

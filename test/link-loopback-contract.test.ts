import { runLinkContract } from '../src/link/link-contract.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'

runLinkContract('loopback', async () => {
  const [a, b] = createLoopbackLinkPair()
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) }
})

/**
 * `ilp node [--config FILE]`: runs a node until SIGINT/SIGTERM (SIGHUP reloads the TLS certificates). With no file: sqlite store in ./data, a
 * `test.<random>` address and a random admin token, both printed so client commands can be pointed at it.
 */
import type { Command } from 'commander'
import { action, CliError } from './admin-client.js'

/** A stop that takes longer than this (a stuck peer socket) is abandoned: the process exits anyway. */
export const STOP_TIMEOUT_MS = 10_000

export function register(program: Command): void {
  program
    .command('node')
    .description('run an Interledger node (router, sender and receiver)')
    .option('-c, --config <file>', 'YAML config file (every key can be set by ILP_* variables; see docs/configuration.md)')
    .action(
      action(async (o: { config?: string }) => {
        // Loaded here, not at the top: every `ilp` command would otherwise pay for the whole node at start-up.
        const { ConfigError, loadConfig } = await import('../node/config.js')
        const { createNode } = await import('../node/node.js')
        let config
        try {
          config = loadConfig(o.config === undefined ? {} : { path: o.config })
        } catch (e) {
          if (e instanceof ConfigError) throw new CliError(e.message)
          throw e
        }
        // SPSP and local payments (src/spsp/node-plugin.ts): receivers for local accounts, `ilp pay` / `ilp receive`.
        const { spspNodePlugin } = await import('../spsp/node-plugin.js')
        // On sqlite the receiver secret is kept beside the store, so credentials outlive a restart.
        const { loadOrCreateSecret } = await import('../node/secrets.js')
        const serverSecret = config.store.kind === 'sqlite' ? loadOrCreateSecret(`${config.store.path}.receiver-secret`) : undefined
        const spsp = spspNodePlugin({
          ...(config.spsp?.defaultAccount !== undefined && { defaultAccount: config.spsp.defaultAccount }),
          ...(config.spsp?.publicUrl !== undefined && { publicUrl: config.spsp.publicUrl }),
          ...(serverSecret !== undefined && { serverSecret }),
        })
        const node = createNode(config, { plugins: [spsp] })
        await node.start()
        const lines = [
          `ilp node running`,
          `  address:   ${node.address ?? '(waiting for the parent: ILDCP)'}`,
          `  admin API: ${node.adminUrl}`,
          ...(config.admin.tokenGenerated ? [`  admin token (random, this run only): ${config.admin.token}`] : []),
          ...(config.store.kind === 'sqlite' ? [`  store:     sqlite:${config.store.path}`] : ['  store:     memory (nothing kept after exit)']),
          ...['btp', 'http'].flatMap((t) => (node.listenerUrl(t) ? [`  ${t} listener: ${node.listenerUrl(t)}`] : [])),
        ]
        process.stderr.write(lines.join('\n') + '\n')
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            node.logger.info({ signal }, 'stopping')
            const timer = setTimeout(() => process.exit(1), STOP_TIMEOUT_MS)
            timer.unref()
            node.stop().then(resolve, (err: unknown) => {
              node.logger.error({ err }, 'stop failed')
              process.exitCode = 1
              resolve()
            })
          }
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
          // Renewed certificates: `kill -HUP <pid>` serves new connections with the files as they are now.
          const reload = (): void => {
            try {
              node.reloadTls()
            } catch (err) {
              node.logger.error({ err }, 'TLS certificates not reloaded; the old ones stay in use')
            }
          }
          process.on('SIGHUP', reload)
        })
      }),
    )
}

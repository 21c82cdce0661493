/** The `ilp` command. Each subcommand lives in its own file and registers itself on the program. */
import { Command } from 'commander'

const program = new Command()
program.name('ilp').description('An Interledger node: router, sender and receiver').showHelpAfterError()

// Subcommand modules are added here, one line each: `;(await import('./x.js')).register(program)`.
// The leading `;` matters: without it a line starting with `(` continues the previous statement.

;(await import('./node.js')).register(program)
;(await import('./accounts.js')).register(program)
;(await import('./routes.js')).register(program)
;(await import('./ledger.js')).register(program)
;(await import('./status.js')).register(program)
;(await import('./decode.js')).register(program)
;(await import('./pay.js')).register(program)
;(await import('./receive.js')).register(program)

await program.parseAsync(process.argv)

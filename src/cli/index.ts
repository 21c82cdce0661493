/** The `ilp` command. Each subcommand lives in its own file and registers itself on the program. */
import { Command } from 'commander'

const program = new Command()
program.name('ilp').description('An Interledger node: router, sender and receiver').showHelpAfterError()

// Subcommand modules are added here, one line each: `(await import('./x.js')).register(program)`.

await program.parseAsync(process.argv)

/** Defaults shared by the config schema and the CLI (kept apart so the CLI can read them without loading zod). */
export const DEFAULT_ADMIN_LISTEN = '127.0.0.1:7770'
export const DEFAULT_STORE = 'sqlite:./data/ilp-node.sqlite'

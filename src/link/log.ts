/** The slice of a pino logger the links use; pass the node's logger, or nothing for silence. */
export interface LinkLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

const ignore = (): void => {}

export const silentLinkLogger: LinkLogger = { info: ignore, warn: ignore, error: ignore, debug: ignore }

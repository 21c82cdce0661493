import type { Account } from '../accounts/types.js'
import type { IlpPrepare, IlpReply } from '../ilp/types.js'

/** The one shape on the money path (ARCHITECTURE.md). Rejections are values, never exceptions. */
export type PacketHandler = (prepare: IlpPrepare, from: Account) => Promise<IlpReply>
export type Middleware = (next: PacketHandler) => PacketHandler

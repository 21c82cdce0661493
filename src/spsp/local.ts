/**
 * The node's local accounts as payees and payers (ARCHITECTURE.md: "a local STREAM receiver is just another
 * destination behind the router").
 *
 * An account is LOCAL when it is a child with no network link settings (no `btp`, no `http`). Its link is a
 * STREAM receiver in this process: the connector routes `<node>.<id>.*` to it like to any child, reserves the
 * amount on the account (reserveOutgoing) and commits the hop when the receiver's Fulfill comes back, so the
 * account is credited exactly the fulfilled amounts, once per fulfilled Prepare, by the ledger — this module
 * never touches balances. Payments from a local account enter the connector's pipeline as Prepares from that
 * account (handleIncoming), which debits it the same way.
 *
 * `transport` has the shape of the node's Transport seam (src/node/transports.ts), so the node offers it to its
 * accounts like BTP and HTTP; `responder` answers SPSP on the node's HTTP listener; `backend` serves the
 * payments routes of the admin API (payments-api.ts).
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { Account, BalanceLedger } from '../accounts/types.js'
import { childAddress } from '../connector/addresses.js'
import { IlpErrorCode, reject } from '../ilp/errors.js'
import type { IlpPrepare, IlpReply } from '../ilp/types.js'
import type { Link } from '../link/types.js'
import { createStreamReceiver, type PayProgress, type StreamReceiver } from '../stream/index.js'
import { PaymentRequestError, type PaymentRequest, type PaymentsBackend, type ReceiverView } from './payments-api.js'
import type { PaymentResult } from './payment-json.js'
import { urlToPaymentPointer } from './pointer.js'
import { createSpspResponder, type SpspResponder } from './server.js'
import { linkTo } from './receiver.js'
import { payToPointer, toPaymentResult } from './pay.js'

/** What this module needs from the connector. */
export interface LocalConnector {
  readonly address: string | undefined
  getAccount(id: string): Account | undefined
  accounts(): Account[]
  handleIncoming(accountId: string, prepare: IlpPrepare): Promise<IlpReply>
  readonly ledger: Pick<BalanceLedger, 'snapshot'>
}

export interface LocalPaymentRequest extends PaymentRequest {
  readonly account: Account
  /** The source account's ILP address, when known (sent as ConnectionNewAddress). */
  readonly sourceAddress?: string
  readonly sendPrepare: (prepare: IlpPrepare) => Promise<IlpReply>
}

/** Sends a payment whose Prepares go through `sendPrepare`. Default: SPSP + the STREAM sender (sendWithStream). */
export type SendPayment = (request: LocalPaymentRequest) => Promise<PaymentResult>

export const sendWithStream: SendPayment = async (request) => {
  const result = await payToPointer({
    destination: request.destination,
    ...(request.fixedDelivery ? { fixedDelivery: request.amount } : { amount: request.amount }),
    allowHttp: request.allowHttp,
    sendPrepare: request.sendPrepare,
    sourceAssetCode: request.account.assetCode,
    sourceAssetScale: request.account.assetScale,
    ...(request.sourceAddress !== undefined && { sourceAddress: request.sourceAddress }),
    ...(request.signal && { signal: request.signal }),
    ...(request.onProgress && {
      onProgress: (p: PayProgress) =>
        request.onProgress!({ ...p, ...(p.exchangeRate && { exchangeRate: { num: p.exchangeRate.num, den: p.exchangeRate.den } }) }),
    }),
  })
  return toPaymentResult(request.account.id, result)
}

export interface LocalPaymentsOptions {
  readonly connector: LocalConnector
  /** Default sendWithStream. */
  readonly sendPayment?: SendPayment
  /** 32 bytes from which each account's receiver secret derives. Default random: credentials die with the process. */
  readonly serverSecret?: Uint8Array
  /** Where SPSP is served (`https://pay.example.com` or the HTTP listener's URL); undefined while unknown. */
  readonly spspBaseUrl?: () => string | undefined
  /** The account answered at `/.well-known/pay`. */
  readonly defaultAccount?: string
  readonly now?: () => number
}

/** The node's Transport seam (src/node/transports.ts), restated structurally: spsp sits below node. */
export interface LocalTransport {
  readonly name: 'local'
  readonly url: undefined
  start(ctx: unknown): Promise<void>
  accountsChanged(accounts: readonly Account[]): void
  linkFor(account: Account): Link | undefined
  stop(): Promise<void>
}

export interface LocalPayments {
  readonly transport: LocalTransport
  readonly responder: SpspResponder
  readonly backend: PaymentsBackend
  /** The receiver of a local account (created on first use, once the node's address is known). */
  receiver(accountId: string): StreamReceiver | undefined
  close(): void
}

/** A child with no network link settings: its payments are sent and received in this process. */
export function isLocalAccount(account: Account): boolean {
  return account.relation === 'child' && account.btp === undefined && account.http === undefined
}

interface LocalReceiver {
  readonly address: string
  readonly stream: StreamReceiver
  /** What `address` was derived from: while both are unchanged, a packet skips re-deriving it. */
  account: Account
  nodeAddress: string
}

export function createLocalPayments(options: LocalPaymentsOptions): LocalPayments {
  const { connector } = options
  const serverSecret = options.serverSecret ?? randomBytes(32)
  const receivers = new Map<string, LocalReceiver>()
  /** Money each account's receivers fulfilled since start (for `ilp receive`; the ledger is the record). */
  const received = new Map<string, bigint>()

  function localAccount(id: string): Account | undefined {
    const account = connector.getAccount(id)
    return account !== undefined && isLocalAccount(account) ? account : undefined
  }

  function receiverFor(id: string): LocalReceiver | undefined {
    const account = localAccount(id)
    if (account === undefined) return undefined
    const nodeAddress = connector.address ?? ''
    const existing = receivers.get(id)
    if (existing !== undefined && existing.account === account && existing.nodeAddress === nodeAddress) return existing
    const address = childAddress(nodeAddress, account)
    if (address === undefined) return undefined
    if (existing !== undefined && existing.address === address) {
      existing.account = account
      existing.nodeAddress = nodeAddress
      return existing
    }
    existing?.stream.close()
    const stream = createStreamReceiver({
      address,
      // One secret per account, so a token minted for one account is worthless at another.
      serverSecret: createHmac('sha256', serverSecret).update(`ilp-node local receiver ${id}`).digest(),
      assetCode: account.assetCode,
      assetScale: account.assetScale,
      ...(options.now && { now: options.now }),
      onMoney: (event) => void received.set(id, (received.get(id) ?? 0n) + event.amount),
    })
    const made: LocalReceiver = { address, stream, account, nodeAddress }
    receivers.set(id, made)
    return made
  }

  function deliver(id: string, prepare: IlpPrepare): Promise<IlpReply> {
    const r = receiverFor(id)
    if (r === undefined) return Promise.resolve(reject(IlpErrorCode.F02_UNREACHABLE, connector.address ?? '', 'no local receiver for this account'))
    return r.stream.handlePrepare(prepare)
  }

  function view(account: Account): ReceiverView {
    const base = options.spspBaseUrl?.()
    const isDefault = options.defaultAccount === account.id
    const url = base === undefined ? undefined : new URL(isDefault ? '/.well-known/pay' : `/${encodeURIComponent(account.id)}`, base)
    const pointer = url && urlToPaymentPointer(url)
    return {
      accountId: account.id,
      assetCode: account.assetCode,
      assetScale: account.assetScale,
      ...(url !== undefined && { spspUrl: url.href }),
      ...(pointer !== undefined && { paymentPointer: pointer }),
      amountReceived: received.get(account.id) ?? 0n,
      connections: receivers.get(account.id)?.stream.connections().length ?? 0,
      isDefault,
    }
  }

  const backend: PaymentsBackend = {
    receivers: () => connector.accounts().filter(isLocalAccount).map(view),
    receiver(id) {
      const account = localAccount(id)
      return account && view(account)
    },
    check: (request) => void payer(request),
    async pay(request) {
      const account = payer(request)
      const sourceAddress = childAddress(connector.address ?? '', account)
      return (options.sendPayment ?? sendWithStream)({
        ...request,
        account,
        ...(sourceAddress !== undefined && { sourceAddress }),
        sendPrepare: (prepare) => connector.handleIncoming(account.id, prepare),
      })
    },
  }

  /** The paying account, after the checks that let a payment start; throws PaymentRequestError. */
  function payer(request: Pick<PaymentRequest, 'from' | 'amount' | 'fixedDelivery'>): Account {
    const account = connector.getAccount(request.from)
    if (account === undefined) throw new PaymentRequestError(404, `no account "${request.from}"`)
    if (!isLocalAccount(account)) throw new PaymentRequestError(409, `account "${request.from}" is not local (it has a network link): payments start from local accounts`)
    // What the connector's reserveIncoming will allow (balance − pending − minBalance); checked up front so an
    // unfunded payment fails at once instead of backing off on T04 until the sender's idle timeout.
    const s = connector.ledger.snapshot(account.id)
    const available = s.balance - s.pendingIncoming - (account.minBalance ?? 0n)
    if (available <= 0n || (!request.fixedDelivery && request.amount > available)) {
      throw new PaymentRequestError(422, `insufficient balance on "${account.id}": ${available > 0n ? available : 0n} available`)
    }
    return account
  }

  const responder = createSpspResponder({
    ...(options.defaultAccount !== undefined && { defaultAccount: options.defaultAccount }),
    generateCredentials: (id, { receipt }) => receiverFor(id)?.stream.generateCredentials(receipt ? { receipt } : {}),
  })

  return {
    transport: {
      name: 'local',
      url: undefined,
      async start() {},
      accountsChanged(accounts) {
        // A removed (or no longer local) account's receiver goes; a changed address is picked up on next use.
        const local = new Set(accounts.filter(isLocalAccount).map((a) => a.id))
        for (const [id, r] of receivers) {
          if (local.has(id)) continue
          r.stream.close()
          receivers.delete(id)
        }
      },
      linkFor: (account) => (isLocalAccount(account) ? linkTo((prepare) => deliver(account.id, prepare)) : undefined),
      async stop() {
        close()
      },
    },
    responder,
    backend,
    receiver: (id) => receiverFor(id)?.stream,
    close,
  }

  function close(): void {
    for (const r of receivers.values()) r.stream.close()
    receivers.clear()
  }
}

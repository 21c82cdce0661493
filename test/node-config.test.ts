import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, parseConfig, ConfigError } from '../src/node/config.js'
import { envPath } from '../src/node/config-env.js'
import { parseAccount, accountToJson, AccountConfigError } from '../src/node/account-config.js'

const tempDirs: string[] = []
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

function writeYaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-node-config-'))
  tempDirs.push(dir)
  const path = join(dir, 'node.yaml')
  writeFileSync(path, text)
  return path
}

function configError(raw: unknown): string {
  try {
    parseConfig(raw)
  } catch (e) {
    assert.ok(e instanceof ConfigError)
    return e.message
  }
  assert.fail('expected a ConfigError')
}

const YAML = `
ilp_address: test.alice
asset_code: USD
asset_scale: 6
store: memory
admin: { listen: "127.0.0.1:0", token: "0123456789abcdef0123" }
rates: { USD: 1, EUR: 0.92, JPY: "150.25" }
spread: 0.002
accounts:
  - id: bob
    relation: child
    max_balance: 18446744073709551615
    min_balance: -1000
    max_packet_amount: "100"
    routes: [test.bob]
  - id: carol
    relation: peer
    asset_code: EUR
    asset_scale: 2
    btp: { url: "btp+ws://carol:secret@127.0.0.1:1234" }
btp: { listen: "0.0.0.0:7768" }
`

describe('config file', () => {
  test('a full file parses to exact values', () => {
    const c = loadConfig({ path: writeYaml(YAML), env: {} })
    assert.equal(c.ilpAddress, 'test.alice')
    assert.equal(c.assetScale, 6)
    assert.deepEqual(c.store, { kind: 'memory' })
    assert.deepEqual(c.admin.listen, { host: '127.0.0.1', port: 0 })
    assert.equal(c.admin.tokenGenerated, false)
    assert.deepEqual(c.rates, { USD: '1', EUR: '0.92', JPY: '150.25' })
    assert.equal(c.spread, '0.002')
    const [bob, carol] = c.accounts
    assert.equal(bob?.maxBalance, 18446744073709551615n, 'YAML integers beyond 2^53 stay exact')
    assert.equal(bob?.minBalance, -1000n)
    assert.equal(bob?.maxPacketAmount, 100n)
    assert.equal(bob?.assetCode, 'USD', 'accounts default to the node asset')
    assert.equal(carol?.assetScale, 2)
    assert.equal(carol?.btp?.url, 'btp+ws://carol:secret@127.0.0.1:1234')
    assert.deepEqual(c.btp?.listen, { host: '0.0.0.0', port: 7768 })
  })

  test('examples/node.yaml is a valid config', () => {
    const c = loadConfig({ path: join(process.cwd(), 'examples', 'node.yaml'), env: {} })
    assert.equal(c.ilpAddress, 'test.example-node')
    assert.deepEqual(c.accounts.map((a) => a.id), ['upstream', 'eu-peer', 'alice', 'shop'])
    assert.equal(c.spsp?.defaultAccount, 'shop')
    assert.equal(c.accounts[2]?.maxBalance, 18446744073709551615n)
  })

  test('no file: defaults, sqlite store in ./data and a generated admin token', () => {
    const c = loadConfig({ env: {} })
    assert.equal(c.ilpAddress, undefined)
    assert.deepEqual(c.store, { kind: 'sqlite', path: './data/ilp-node.sqlite' })
    assert.equal(c.admin.tokenGenerated, true)
    assert.ok(c.admin.token.length >= 32)
    assert.deepEqual(c.admin.listen, { host: '127.0.0.1', port: 7770 })
  })

  test('a file that is not YAML or not a mapping is refused', () => {
    assert.throws(() => loadConfig({ path: writeYaml('a: [1, 2'), env: {} }), /not valid YAML/)
    assert.throws(() => loadConfig({ path: writeYaml('- 1\n- 2\n'), env: {} }), /must be a YAML mapping/)
    assert.throws(() => loadConfig({ path: '/nonexistent/node.yaml', env: {} }), /cannot read config file/)
  })
})

describe('validation names the bad key', () => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown top-level key', { acounts: [] }, /unknown key acounts/],
    ['unknown account key', { accounts: [{ id: 'a', max_balanse: 1 }] }, /unknown key accounts\[0\]\.max_balanse/],
    ['fractional amount', { accounts: [{ id: 'a', max_balance: 1.5 }] }, /accounts\[0\]\.max_balance: 1\.5 is not an integer/],
    ['unsafe JSON number', { accounts: [{ id: 'a', max_packet_amount: 2 ** 60 }] }, /accounts\[0\]\.max_packet_amount: .*quote it/],
    ['amount as words', { accounts: [{ id: 'a', min_balance: 'lots' }] }, /accounts\[0\]\.min_balance: expected an integer/],
    ['negative packet amount', { accounts: [{ id: 'a', max_packet_amount: '-1' }] }, /accounts\[0\]\.max_packet_amount: must not be negative/],
    ['amount above u64', { accounts: [{ id: 'a', max_balance: '18446744073709551616' }] }, /max_balance: .*out of range/],
    ['bad id', { accounts: [{ id: 'a.b' }] }, /accounts\[0\]\.id: ids are/],
    ['duplicate id', { accounts: [{ id: 'a' }, { id: 'a' }] }, /accounts\[1\]\.id: duplicate account id "a"/],
    ['bad relation', { accounts: [{ id: 'a', relation: 'friend' }] }, /accounts\[0\]\.relation/],
    ['bad address', { ilp_address: 'nope.x' }, /ilp_address: not a valid ILP address/],
    ['bad listen', { admin: { listen: 'localhost' } }, /admin\.listen: expected "host:port"/],
    ['short admin token', { admin: { token: 'abc' } }, /admin\.token: must be at least 16/],
    ['bad store', { store: 'redis://x' }, /store: expected "memory" or "sqlite:PATH"/],
    ['bad rate', { rates: { EUR: '-1' } }, /rates\.EUR: expected a non-negative decimal/],
    ['bad spread', { spread: 'abc' }, /spread: expected a non-negative decimal/],
    ['bad btp url', { accounts: [{ id: 'a', btp: { url: 'ws://x' } }] }, /accounts\[0\]\.btp\.url: expected btp\+ws/],
    ['btp url and incoming_token together', { accounts: [{ id: 'a', btp: { url: 'btp+ws://u:t@127.0.0.1:1', incoming_token: 'x' } }] }, /accounts\[0\]\.btp\.incoming_token: set url .* or incoming_token .*, not both/],
    ['bad http mode', { accounts: [{ id: 'a', http: { mode: 'fast' } }] }, /accounts\[0\]\.http\.mode/],
    ['asset scale above UInt8', { asset_scale: 256 }, /asset_scale: expected an integer from 0 to 255/],
    ['min above max', { accounts: [{ id: 'a', min_balance: 5, max_balance: 1 }] }, /accounts\[0\]\.min_balance: must not exceed max_balance/],
    ['shared incoming token', { accounts: [{ id: 'a', btp: { incoming_token: 'same' } }, { id: 'b', btp: { incoming_token: 'same' } }] }, /accounts\[1\]\.btp\.incoming_token: another account uses the same token/],
    ['spread of 1 or more', { spread: '1' }, /spread: must be below 1/],
    ['rates and rates_url', { rates: { USD: 1 }, rates_url: 'http://127.0.0.1:9/rates' }, /rates: set either rates .* or rates_url/],
    ['rates_url not http', { rates_url: 'ftp://x/rates' }, /rates_url/],
    ['bad route prefix', { accounts: [{ id: 'a', routes: ['nope.x'] }] }, /accounts\[0\]\.routes\[0\]/],
  ]
  for (const [name, raw, pattern] of cases) {
    test(name, () => assert.match(configError(raw), pattern))
  }
})

describe('environment overrides', () => {
  test('names map to key paths with __ for nesting', () => {
    assert.deepEqual(envPath('ILP_ASSET_CODE'), ['asset_code'])
    assert.deepEqual(envPath('ILP_ADMIN__TOKEN'), ['admin', 'token'])
    assert.deepEqual(envPath('ILP_ACCOUNTS__2__MAX_BALANCE'), ['accounts', 2, 'max_balance'])
    assert.deepEqual(envPath('ILP_RATES__EUR'), ['rates', 'EUR'])
    assert.deepEqual(envPath('ILP_BAD____X'), [])
  })

  test('env values override the file, keys nested and in arrays', () => {
    const c = loadConfig({
      path: writeYaml(YAML),
      env: {
        ILP_ASSET_SCALE: '9',
        ILP_ADMIN__TOKEN: 'from-the-environment-123',
        ILP_ADMIN__LISTEN: '127.0.0.1:9999',
        ILP_RATES__GBP: '0.8',
        ILP_ACCOUNTS__0__MAX_PACKET_AMOUNT: '77',
        ILP_ACCOUNTS__1__HTTP: '{ url: "http://127.0.0.1:8080/ilp", outgoing_token: "tok" }',
        ILP_ADMIN_URL: 'http://ignored',
        ILP_SHARED_DIR: '/ignored',
      },
    })
    assert.equal(c.assetScale, 9)
    assert.equal(c.admin.token, 'from-the-environment-123')
    assert.equal(c.admin.listen.port, 9999)
    assert.equal(c.rates.GBP, '0.8')
    assert.equal(c.rates.EUR, '0.92', 'other rates kept')
    assert.equal(c.accounts[0]?.maxPacketAmount, 77n)
    assert.equal(c.accounts[0]?.maxBalance, 18446744073709551615n, 'other fields of the element kept')
    assert.equal(c.accounts[1]?.http?.url, 'http://127.0.0.1:8080/ilp')
  })

  test('with no file the environment alone configures the node, accounts as JSON', () => {
    const c = loadConfig({
      env: { ILP_ILP_ADDRESS: 'test.env', ILP_STORE: 'memory', ILP_ACCOUNTS: '[{"id": "x", "max_balance": "12345678901234567890"}]' },
    })
    assert.equal(c.ilpAddress, 'test.env')
    assert.equal(c.accounts[0]?.maxBalance, 12345678901234567890n)
  })

  test('ILP_ADMIN_TOKEN, the CLI variable, also sets the node token; ILP_ADMIN__TOKEN wins', () => {
    assert.equal(loadConfig({ env: { ILP_ADMIN_TOKEN: 'shared-token-0123456789' } }).admin.token, 'shared-token-0123456789')
    const both = loadConfig({ env: { ILP_ADMIN_TOKEN: 'shared-token-0123456789', ILP_ADMIN__TOKEN: 'specific-token-012345678' } })
    assert.equal(both.admin.token, 'specific-token-012345678')
  })

  test('a bad env value is named by its key', () => {
    assert.throws(() => loadConfig({ env: { ILP_ASSET_SCALE: 'nine' } }), /asset_scale: expected an integer/)
    assert.throws(() => loadConfig({ env: { ILP_ACCOUNTS: '[{' } }), /ILP_ACCOUNTS: not valid YAML/)
  })
})

describe('account bodies', () => {
  const defaults = { assetCode: 'USD', assetScale: 9 }
  test('round trip to JSON with amounts as strings, tokens hidden unless asked', () => {
    const account = parseAccount(
      { id: 'x', relation: 'child', max_balance: '9999999999999999999', http: { url: 'http://127.0.0.1:1/ilp', incoming_token: 'in' } },
      defaults,
    )
    assert.equal(account.maxBalance, 9999999999999999999n)
    const json = accountToJson(account)
    assert.equal(json.max_balance, '9999999999999999999')
    assert.deepEqual(json.http, { url: 'http://127.0.0.1:1/ilp' })
    assert.deepEqual(accountToJson(account, { secrets: true }).http, { url: 'http://127.0.0.1:1/ilp', incoming_token: 'in' })
    assert.deepEqual(parseAccount(accountToJson(account, { secrets: true }), defaults), account)
  })

  test('errors carry the field', () => {
    try {
      parseAccount({ id: 'x', settle_to: 5 }, defaults)
      assert.fail('expected an error')
    } catch (e) {
      assert.ok(e instanceof AccountConfigError)
      assert.equal(e.field, 'settle_to')
    }
    assert.throws(() => parseAccount({ id: 'x', bogus: 1 }, defaults), (e: AccountConfigError) => e.field === 'bogus')
  })
})

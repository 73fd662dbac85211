import t from 'tap'
import { answerHeaders, forwardHeaders, forwardRecord, forwardRules, userHeaderValue } from '../../src/server/upstream-headers.js'
import { failureReason } from '../../src/server/upstream-health.js'

const rules = (overrides: Partial<Parameters<typeof forwardRules>[0]> = {}) => forwardRules({
  upstream: new URL('http://127.0.0.1:8001'),
  userHeader: 'Remote-User',
  forwardClientAddress: false,
  consumesAuthorization: true,
  consumedCookies: [],
  ...overrides
})

t.test('the gate\'s own cookies are removed from the Cookie header; the app\'s stay', async (t) => {
  const withSession = rules({ consumedCookies: [{ name: 'tavern_session' }] })
  const forward = (cookie: string) => forwardHeaders(withSession, { rawHeaders: ['Cookie', cookie], user: undefined, clientIp: '192.168.1.5', tls: false })
  t.same(forward('tavern_session=abc; theme=dark'), ['Host', '127.0.0.1:8001', 'Cookie', 'theme=dark', 'X-Forwarded-Proto', 'http'])
  t.same(forward(' theme=dark ;tavern_session=abc;x'), ['Host', '127.0.0.1:8001', 'Cookie', 'theme=dark; x', 'X-Forwarded-Proto', 'http'])
  t.same(forward('tavern_session=abc'), ['Host', '127.0.0.1:8001', 'X-Forwarded-Proto', 'http'], 'nothing left: no Cookie header')
  t.same(forwardHeaders(rules(), { rawHeaders: ['cookie', 'tavern_session=abc'], user: undefined, clientIp: '::1', tls: true }),
    ['Host', '127.0.0.1:8001', 'cookie', 'tavern_session=abc', 'X-Forwarded-Proto', 'https'], 'with no cookie of the gate\'s, the header is untouched')
})

t.test('a user name goes as Latin-1 bytes when it can, as UTF-8 bytes otherwise; one with control characters is not sent', async (t) => {
  t.equal(userHeaderValue('alice'), 'alice')
  t.equal(userHeaderValue('jürgen'), 'jürgen', 'what an app reading Latin-1 (Node.js, SillyTavern) compares with its handle')
  t.equal(Buffer.from(userHeaderValue('jürgen') as string, 'latin1').length, 6, 'one byte for ü')
  t.equal(Buffer.from(userHeaderValue('Zoë ✓') as string, 'latin1').toString('utf8'), 'Zoë ✓')
  t.equal(Buffer.from(userHeaderValue('иван') as string, 'latin1').toString('utf8'), 'иван')
  t.equal(userHeaderValue('tab\there'), 'tab\there')
  t.equal(userHeaderValue('evil\r\nRemote-User: admin'), undefined)
  t.same(forwardHeaders(rules(), { rawHeaders: [], user: 'a\u0000b', clientIp: '::1', tls: false }), ['Host', '127.0.0.1:8001', 'X-Forwarded-Proto', 'http'])
})

t.test('an upgrade keeps its Connection: Upgrade and Upgrade headers, rewritten', async (t) => {
  t.same(forwardHeaders(rules(), { rawHeaders: ['Connection', 'keep-alive, Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'], user: 'alice', clientIp: '::1', tls: false, upgrade: 'websocket' }),
    ['Host', '127.0.0.1:8001', 'Sec-WebSocket-Key', 'k', 'X-Forwarded-Proto', 'http', 'Remote-User', 'alice', 'Connection', 'Upgrade', 'Upgrade', 'websocket'])
})

t.test('the app\'s hop-by-hop headers stay between it and the gate', async (t) => {
  t.same(answerHeaders({ 'content-type': 'text/plain', connection: 'keep-alive, X-Private', 'keep-alive': 'timeout=5', 'x-private': '1', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'] }),
    { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] })
  t.same(answerHeaders({ connection: ['close', 'X-A'], 'x-a': '1', 'x-b': '2', 'x-gone': undefined }), { 'x-b': '2' }, 'every Connection header counts')
  t.same(answerHeaders({ connection: 'keep-alive', 'keep-alive': 'timeout=5', 'content-length': '2' }), { 'content-length': '2' }, 'the usual keep-alive')
  t.same(answerHeaders({ connection: 'X-A', 'Keep-Alive': 'timeout=5', 'X-A': '1', 'X-B': '2' }), { 'X-B': '2' }, 'the names it lists, in any case')
})

t.test('the forwarded headers as a record keep every repeated value, under lower-case names', async (t) => {
  const request = { rawHeaders: ['Host', 'a', 'X-Tag', '1', 'x-tag', '2', 'X-TAG', '3', 'Cookie', 'c=1'], user: 'alice', clientIp: '::1', tls: false }
  t.same(forwardRecord(rules(), request),
    { host: '127.0.0.1:8001', 'x-tag': ['1', '2', '3'], cookie: 'c=1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'a', 'remote-user': 'alice' })
  t.same(forwardRecord(rules({ userHeader: 'X-Webauth-User', forwardClientAddress: true }), { ...request, rawHeaders: [] }),
    { host: '127.0.0.1:8001', 'x-forwarded-proto': 'http', 'x-forwarded-for': '::1', 'x-real-ip': '::1', 'x-webauth-user': 'alice' })
})

t.test('the record and the list forward the same headers, whatever the spelling of their names', async (t) => {
  const rawHeaders = ['HOST', 'pc:8000', 'CONNECTION', 'Keep-Alive, X-Private', 'x-PRIVATE', '1', 'Accept', '*/*', 'ConnectioN', 'x-other',
    'X-Other', '2', 'Remote-USER', 'mallory', 'X-Forwarded-FOR', '10.0.0.1', 'Authorization', 'Basic x', 'Connectiom', 'kept']
  const request = { rawHeaders, user: 'alice', clientIp: '::1', tls: true }
  const list = forwardHeaders(rules(), request)
  t.same(list, ['Host', '127.0.0.1:8001', 'Accept', '*/*', 'Connectiom', 'kept', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'pc:8000', 'Remote-User', 'alice'],
    'every Connection header\'s names go, in any case; a ten-letter name that is not Connection stays')
  const record: Record<string, string> = {}
  for (let i = 0; i < list.length; i += 2) record[(list[i] as string).toLowerCase()] = list[i + 1] as string
  t.same(forwardRecord(rules(), request), record)
})

t.test('why the app could not be reached, in words', async (t) => {
  const table: Array<[Partial<NodeJS.ErrnoException>, RegExp]> = [
    [{ code: 'ECONNREFUSED' }, /^refused the connection/],
    [{ code: 'ENOTFOUND' }, /^cannot be found/],
    [{ code: 'EAI_AGAIN' }, /^cannot be found/],
    [{ code: 'EHOSTUNREACH' }, /^cannot be reached \(EHOSTUNREACH\)/],
    [{ code: 'ETIMEDOUT' }, /^cannot be reached/],
    [{ code: 'ENETUNREACH' }, /^cannot be reached/],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, /^cannot be reached \(it did not accept a connection within 10 seconds\)/],
    [{ code: 'UND_ERR_SOCKET' }, /^closed the connection without answering/],
    [{ code: 'ECONNRESET' }, /^closed the connection without answering/],
    [{ code: 'EPIPE' }, /^closed the connection/],
    [{ message: 'socket hang up' }, /^closed the connection/],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, /certificate this computer does not trust/],
    [{ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, /^failed the HTTPS handshake \(ERR_SSL_WRONG_VERSION_NUMBER; does it speak https\?\)/],
    [{ code: 'EWHATEVER' }, /^could not be reached \(EWHATEVER\)/],
    [{ message: 'odd' }, /^could not be reached \(odd\)/]
  ]
  for (const [error, expected] of table) t.match(failureReason(Object.assign(new Error(error.message ?? 'x'), error)), expected, String(error.code ?? error.message))
})

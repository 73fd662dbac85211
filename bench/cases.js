/**
 * What `npm run bench` measures. Every row of the throughput table is one entry here; adding an
 * authentication mode is adding an entry.
 *
 * A case:
 *   name      the row's label
 *   baseline  the bare Fastify server it is compared with: 'http' (default), 'httpBasic' (the same
 *             request with the cases' Authorization header), 'httpSession' (a Cookie header of a
 *             session's size) or 'tls'
 *   needs     fixtures it uses (lib/fixtures.js): passwordHash, tls, bigWhitelist
 *   config    config.yaml keys over the shipped defaults, or a function of the fixtures
 *   flags     extra command-line flags, a function of the fixtures (`--port 0` is always given)
 *   headers   headers of the measuring client (its credentials), a function of the fixtures
 *   tls       true: every request is HTTPS, verified against the fixtures' own CA
 *   checks    the precheck proving the gate is active: single requests, each
 *             { from: source address (default 127.0.0.1), credentials: false | headers: {...},
 *               status: expected, means: what a wrong status says }.
 *             Then, always: the measured request answers 200 with the baseline's bytes.
 *   target    { min }: requests/s at least min × the baseline's; { of: 'case', min }: × that case's
 *   accounts  handles of accounts to add (`tavern-server users add`, PASSWORD) before the first start
 *   session   log in as this handle once started: the client sends the session cookie (the server
 *             keeps one port across restarts, since the cookie's name carries it)
 *   smoke     true: part of `--smoke` (the test suite's run). The smoke cases together use every
 *             baseline, every fixture, a target of another case, credentials, accounts and a
 *             session, TLS, the flood, the login burst and the memory figures, so the harness runs
 *             every part of itself in seconds.
 *
 * Measured route: GET /robots.txt (26 bytes), which tavern-server and the baseline answer
 * identically, and which sits behind the whole gate. (/healthz needs no password, so it would not
 * measure Basic auth.)
 */

export const ROUTE = '/robots.txt'

/**
 * The security headers tavern-server puts on its own answers (/robots.txt is one; see
 * src/server/own-headers.ts), from the build being measured. The baselines answer with them too,
 * set in their route as a Fastify app would: the same bytes on the wire, so what is measured is
 * the gate's work, not the length of the answer.
 */
export { OWN_HEADERS as ANSWER_HEADERS } from '../dist/server/own-headers.js'

/** The Basic auth account of the cases. */
export const USER = 'bench'
export const PASSWORD = 'correct horse battery staple'

/** An `Authorization` header. */
export function basic (user, password) {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }
}

/**
 * The baselines: bare Fastify answering the same bytes, and receiving the same request. A case
 * whose client sends credentials is compared with bare Fastify receiving the same Authorization
 * header (which it ignores): a longer request costs every server something to parse, and that
 * is not the gate's cost.
 */
export const BASELINES = {
  http: { name: 'bare Fastify' },
  httpBasic: { name: 'bare Fastify, same Authorization header', headers: () => basic(USER, PASSWORD) },
  // A session cookie is `tavern_session_<port>=` and 43 characters.
  httpSession: { name: 'bare Fastify, same-size Cookie header', headers: () => ({ cookie: `tavern_session_40000=${'x'.repeat(43)}` }) },
  tls: { name: 'bare Fastify over TLS', needs: ['tls'], tls: true }
}

/** The remote-access set-up (listen: true) bound to loopback, so nothing is exposed while measuring. */
const REMOTE = { listen: true, listenAddress: { ipv4: '127.0.0.1' } }
const OFF_WHITELIST = { from: '127.0.0.2', status: 403, means: 'an address off the whitelist must be refused' }
const NO_CREDENTIALS = { credentials: false, status: 401, means: 'a request without credentials must be refused' }
const WRONG_PASSWORD = { from: '127.0.0.3', headers: basic(USER, 'wrong password'), status: 401, means: 'a wrong password must be refused' }
const hashedBasic = ({ passwordHash }) => ({ basicAuthMode: true, basicAuthUser: { username: USER, password: passwordHash } })
const NO_SESSION = { credentials: false, status: 401, means: 'a request without a session must be refused' }
/** The account of the login burst: another person than the measuring client. */
export const BURST_USER = 'burst'

export const CASES = [
  {
    name: 'no access control',
    smoke: true,
    config: { whitelistMode: false },
    checks: [{ from: '127.0.0.2', status: 200, means: 'nothing should refuse it' }],
    target: { min: 0.85 }
  },
  {
    name: 'whitelist, 1 entry',
    smoke: true,
    config: { ...REMOTE, whitelistMode: true, whitelist: ['127.0.0.1'] },
    checks: [OFF_WHITELIST],
    target: { min: 0.85 }
  },
  {
    name: 'whitelist, 100,000 entries',
    smoke: true,
    needs: ['bigWhitelist'],
    config: ({ bigWhitelist }) => ({ ...REMOTE, whitelistMode: true, whitelist: bigWhitelist.entries }),
    checks: [OFF_WHITELIST],
    target: { of: 'whitelist, 1 entry', min: 0.95 }
  },
  {
    name: 'Basic auth, hashed password',
    smoke: true,
    baseline: 'httpBasic',
    needs: ['passwordHash'],
    config: (fixtures) => ({ ...REMOTE, whitelistMode: false, ...hashedBasic(fixtures) }),
    headers: () => basic(USER, PASSWORD),
    checks: [NO_CREDENTIALS, WRONG_PASSWORD],
    target: { min: 0.85 }
  },
  {
    name: 'whitelist + Basic auth',
    baseline: 'httpBasic',
    needs: ['passwordHash'],
    config: (fixtures) => ({ ...REMOTE, whitelistMode: true, whitelist: ['127.0.0.1'], ...hashedBasic(fixtures) }),
    headers: () => basic(USER, PASSWORD),
    checks: [OFF_WHITELIST, NO_CREDENTIALS],
    target: { min: 0.85 }
  },
  {
    name: 'valid session',
    smoke: true,
    baseline: 'httpSession',
    accounts: [USER, BURST_USER],
    session: USER,
    config: { ...REMOTE, whitelistMode: false, enableUserAccounts: true },
    checks: [NO_SESSION, { from: '127.0.0.3', headers: { cookie: `tavern_session_1=${'x'.repeat(43)}` }, status: 401, means: 'a made-up session must be refused' }],
    target: { min: 0.9 }
  },
  {
    name: 'per-user Basic auth',
    baseline: 'httpBasic',
    accounts: [USER],
    config: { ...REMOTE, whitelistMode: false, enableUserAccounts: true, basicAuthMode: true, perUserBasicAuth: true },
    headers: () => basic(USER, PASSWORD),
    checks: [NO_CREDENTIALS, WRONG_PASSWORD],
    target: { min: 0.85 }
  },
  {
    name: 'TLS',
    smoke: true,
    baseline: 'tls',
    needs: ['tls'],
    config: { whitelistMode: false },
    flags: ({ tls }) => ['--ssl', '--keyPath', tls.keyPath, '--certPath', tls.certPath],
    tls: true,
    checks: [],
    target: { min: 0.85 }
  }
]

/**
 * The event-loop stall check: valid requests of `on` (a case above) are timed at a steady rate
 * while another client sends wrong passwords as fast as the server answers.
 */
export const FLOOD = {
  on: 'Basic auth, hashed password',
  wrongHeaders: basic(USER, 'not the password'),
  target: { p99Ms: 50 }
}

/**
 * Logged-in users during a burst of logins: requests with the session of `on` are timed at a
 * steady rate while `logins` logins of another account arrive at once (fewer in a quick run).
 */
export const LOGIN_BURST = {
  on: 'valid session',
  handle: BURST_USER,
  logins: 200,
  quickLogins: 10,
  target: { p99Ms: 50 }
}

/**
 * The app behind the gate: tavern-server with whitelist + Basic auth in front of a small app
 * (bench/upstream-server.js), beside bare Fastify with the same proxy library (@fastify/reply-from,
 * no gate) and nginx
 * (allow/deny, auth_basic, proxy_pass to the same app). Run alone with --only proxied.
 */
export const APP = {
  name: 'proxied',
  config: (fixtures, upstream) => ({ ...REMOTE, whitelistMode: true, whitelist: ['127.0.0.1'], ...hashedBasic(fixtures), app: { upstream } }),
  headers: () => basic(USER, PASSWORD),
  checks: [OFF_WHITELIST, NO_CREDENTIALS],
  target: { min: 0.9 },
  /** Time from the app writing an event to the client reading it, through the gate, less direct. */
  streaming: { intervalMs: 10, events: { full: 1000, quick: 50 }, rounds: 3, target: { addedP99Ms: 2 } },
  /** Event streams held open at once through the gate. */
  streams: { count: 1000, intervalMs: 1000, events: 3 }
}

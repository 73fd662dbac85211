/**
 * SillyTavern accounts made by SillyTavern itself, through its own API, for tests of single sign-on
 * and of account import. With `enableUserAccounts: true` and only its first account (`default-user`,
 * an administrator without a password), SillyTavern's /login page signs that account in by itself;
 * that session then creates the others with `POST /api/users/create`.
 */
import { request } from './http.js'
import type { Response } from './http.js'

export interface SillyTavernAccount {
  handle: string
  name?: string
  password?: string
  admin?: boolean
}

/** The cookies a response sets, as one Cookie header value (SillyTavern's session and its signature). */
export function cookiesOf (response: Response, previous = ''): string {
  const jar = new Map(previous === '' ? [] : previous.split('; ').map((pair) => pair.split('=', 2) as [string, string]))
  for (const line of response.headers['set-cookie'] ?? []) {
    const [pair = ''] = line.split(';', 1)
    const eq = pair.indexOf('=')
    jar.set(pair.slice(0, eq), pair.slice(eq + 1))
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

/**
 * Creates accounts in a SillyTavern that still has only its first account, talking to it
 * directly (`url` is its own address, on loopback).
 * @example await createSillyTavernAccounts(st.url, [{ handle: 'alice' }, { handle: 'bob' }])
 */
export async function createSillyTavernAccounts (url: string, accounts: readonly SillyTavernAccount[]): Promise<void> {
  const login = await request(`${url}/login`)
  if (login.status !== 302) throw new Error(`SillyTavern did not sign its only account in (GET /login answered ${login.status}); is enableUserAccounts on, with default-user alone and without a password?`)
  let cookie = cookiesOf(login)
  const csrf = await request(`${url}/csrf-token`, { headers: { cookie } })
  cookie = cookiesOf(csrf, cookie)
  const { token } = JSON.parse(csrf.body) as { token: string }
  for (const account of accounts) {
    const created = await request(`${url}/api/users/create`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ handle: account.handle, name: account.name ?? account.handle, password: account.password ?? '', admin: account.admin ?? false })
    })
    if (created.status !== 200) throw new Error(`SillyTavern refused to create ${account.handle}: ${created.status} ${created.body}`)
  }
}

/**
 * A browser's walk through the gate and SillyTavern, over plain requests: it keeps cookies, asks
 * for pages (`Accept: text/html`), follows redirects, and posts forms as a page of the origin.
 * SillyTavern signs a visitor in from the user header only on its /login page, which a browser
 * without SillyTavern's session is sent to: walking is the only honest test of single sign-on.
 */
export class Browser {
  #cookie = ''

  /** `headers` go with every request (Basic credentials, forged headers). */
  constructor (readonly origin: string, readonly headers: Record<string, string> = {}) {}

  #send (path: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Response> {
    return request(`${this.origin}${path}`, {
      ...options,
      headers: { ...this.headers, ...(this.#cookie === '' ? {} : { cookie: this.#cookie }), ...options.headers }
    })
  }

  async #follow (path: string, first: Response, pages: string[]): Promise<string[]> {
    let response = first
    let at = path
    for (let hop = 0; ; hop++) {
      this.#cookie = cookiesOf(response, this.#cookie)
      pages.push(`${at} ${response.status}`)
      if ((response.status !== 302 && response.status !== 303) || hop === 6) return pages
      at = response.headers.location as string
      response = await this.#send(at, { headers: { accept: 'text/html' } })
    }
  }

  /** GETs `path` and every redirect after it; each step as "path status". */
  async open (path: string): Promise<string[]> {
    return this.#follow(path, await this.#send(path, { headers: { accept: 'text/html' } }), [])
  }

  /** Posts a form from a page of this origin, and follows where it leads. */
  async submit (path: string, fields: Record<string, string>): Promise<string[]> {
    const response = await this.#send(path, {
      method: 'POST',
      headers: { accept: 'text/html', origin: this.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString()
    })
    return this.#follow(`POST ${path}`, response, [])
  }

  /** Who SillyTavern says is signed in: its `/api/users/me`, as the page's scripts ask. */
  async me (): Promise<{ status: number, handle?: string }> {
    const me = await this.#send('/api/users/me')
    return { status: me.status, ...(me.status === 200 ? { handle: (JSON.parse(me.body) as { handle: string }).handle } : {}) }
  }
}

/**
 * The session cookie. Cookies are not kept apart by port, so its name includes the port: two
 * tavern-servers on one host (or one beside SillyTavern, whose cookie is `session-<hash>`) do not
 * overwrite each other's. `HttpOnly` (no script reads it), `SameSite=Lax` (not sent with
 * cross-site form posts), `Secure` over TLS, `Path=/`. The reverse proxy strips it (by `name`)
 * before the app behind the gate sees the request.
 */

/** The cookie's name for a server on `port`. */
export function sessionCookieName (port: number): string {
  return `tavern_session_${port}`
}

export interface CookieOptions {
  secure: boolean
  /** Seconds; undefined for a cookie the browser forgets when it closes. */
  maxAge: number | undefined
}

export class SessionCookie {
  #name: string

  constructor (port: number) {
    this.#name = sessionCookieName(port)
  }

  get name (): string {
    return this.#name
  }

  /** Port 0 picks a port when the server listens: the name follows it then. */
  setPort (port: number): void {
    this.#name = sessionCookieName(port)
  }

  /** The session id in a Cookie header, or undefined. */
  read (header: string | undefined): string | undefined {
    if (header === undefined) return undefined
    const name = `${this.#name}=`
    for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
      // A whole cookie name: at the start, or after `;` and any spaces.
      const before = header.lastIndexOf(';', at - 1)
      if (header.slice(before + 1, at).trim() !== '') continue
      const end = header.indexOf(';', at)
      return header.slice(at + name.length, end === -1 ? undefined : end).trim()
    }
    return undefined
  }

  /** A Set-Cookie value carrying the id. */
  set (id: string, options: CookieOptions): string {
    return `${this.#name}=${id}; Path=/${options.maxAge === undefined ? '' : `; Max-Age=${options.maxAge}`}; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`
  }

  /** A Set-Cookie value that removes the cookie. */
  clear (secure: boolean): string {
    return this.set('', { secure, maxAge: 0 })
  }
}

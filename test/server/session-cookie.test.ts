import t from 'tap'
import { SessionCookie, sessionCookieName } from '../../src/server/session-cookie.js'

t.test('the name carries the port, and follows a port chosen at listen time', async (t) => {
  t.equal(sessionCookieName(8000), 'tavern_session_8000')
  const cookie = new SessionCookie(0)
  t.equal(cookie.name, 'tavern_session_0')
  cookie.setPort(41234)
  t.equal(cookie.name, 'tavern_session_41234')
})

t.test('the id is read from a Cookie header: whole names only, whatever comes around it', async (t) => {
  const cookie = new SessionCookie(8000)
  const table: Array<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ['', undefined],
    ['tavern_session_8000=abc', 'abc'],
    ['a=1; tavern_session_8000=abc; b=2', 'abc'],
    ['a=1;tavern_session_8000=abc', 'abc'],
    ['xtavern_session_8000=evil; tavern_session_8000=abc', 'abc'],
    ['tavern_session_80000=other', undefined],
    ['tavern_session_8001=other', undefined],
    ['tavern_session_8000= spaced ', 'spaced'],
    ['session-1234abcd=sillytavern', undefined]
  ]
  for (const [header, id] of table) t.equal(cookie.read(header), id, JSON.stringify(header))
})

t.test('Set-Cookie: HttpOnly, SameSite=Lax, Path=/, Secure over TLS, Max-Age unless it ends with the browser', async (t) => {
  const cookie = new SessionCookie(8000)
  t.equal(cookie.set('abc', { secure: false, maxAge: 60 }), 'tavern_session_8000=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax')
  t.equal(cookie.set('abc', { secure: true, maxAge: undefined }), 'tavern_session_8000=abc; Path=/; HttpOnly; SameSite=Lax; Secure')
  t.equal(cookie.clear(true), 'tavern_session_8000=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure')
})

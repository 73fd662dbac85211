/**
 * An in-process app with user accounts: the admin (with a password) and two users, alice and
 * bob, all with PASSWORD hashed cheaply; and small helpers to log in and to carry the cookie.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { hashPassword } from '../../src/access/password-hash.js'
import { addAccount, setPassword } from '../../src/accounts/account-changes.js'
import { testApp } from './app.js'
import type { TestApp, TestAppOptions } from './app.js'

export const PASSWORD = 'correct horse'

export async function accountsApp (t: Test, overrides: Record<string, unknown> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  return testApp(t, { enableUserAccounts: true, ...overrides }, {
    ...options,
    prepare: async (opened) => {
      const hash = await hashPassword(PASSWORD, 10)
      await opened.store.update((draft) => {
        setPassword(draft, 'admin', hash)
        addAccount(draft, { handle: 'alice', name: 'Alice', password: hash, admin: false }, 1)
        addAccount(draft, { handle: 'bob', name: 'Bob', password: hash, admin: false }, 2)
      })
      await options.prepare?.(opened)
    }
  })
}

/** The `name=value` of a response's session cookie, or undefined. */
export function sessionCookie (response: LightMyRequestResponse): string | undefined {
  const header = response.headers['set-cookie']
  const first = Array.isArray(header) ? header[0] : header
  return first?.split(';')[0]
}

/** Logs in over the JSON API; returns the Cookie header value to send. */
export async function logIn (app: FastifyInstance, handle: string, password = PASSWORD, remoteAddress = '127.0.0.1'): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/_tavern/api/login', remoteAddress, payload: { handle, password } })
  if (response.statusCode !== 200) throw new Error(`login as ${handle} answered ${response.statusCode}: ${response.body}`)
  return sessionCookie(response) as string
}

/** A form body. */
export function form (fields: Record<string, string>): { headers: Record<string, string>, payload: string } {
  return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() }
}

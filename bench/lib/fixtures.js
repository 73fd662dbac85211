/**
 * What the cases need before their servers start, made once per run on first use: a hashed
 * password, TLS certificates, the large whitelist. A fixture that cannot be made (the command
 * does not exist yet, openssl is missing) makes every case that needs it `not measured`, with
 * the reason.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bigWhitelist } from './big-whitelist.js'
import { hashPassword } from './password-hash.js'
import { makeCertificates } from './tls-certs.js'

/**
 * How each fixture is made. `context` holds the run's temporary folder and plan.
 * Add one here when a new case needs something prepared (an account, a session cookie).
 */
const MAKERS = {
  passwordHash: ({ dir, password, bin }) => hashPassword(password, join(dir, 'hash-password'), bin),
  tls: ({ dir }) => makeCertificates(join(dir, 'certs')),
  bigWhitelist: ({ dir, plan }) => {
    const entries = bigWhitelist(plan.whitelistSize)
    const file = join(dir, 'big-whitelist.json')
    writeFileSync(file, JSON.stringify(entries))
    return { entries, file }
  }
}

export class Fixtures {
  #made = new Map()

  /** @param {{ dir: string, plan: object, password: string, bin: string }} context */
  constructor (context) {
    this.context = context
  }

  /** Resolves with `{ name: value }` for `names`, or rejects with the first reason one cannot be made. */
  async get (names = []) {
    const values = {}
    for (const name of names) {
      if (!this.#made.has(name)) {
        const maker = MAKERS[name]
        this.#made.set(name, maker === undefined
          ? Promise.reject(new Error(`unknown fixture ${name}`))
          : Promise.resolve().then(() => maker(this.context)))
      }
      values[name] = await this.#made.get(name)
    }
    return values
  }
}

/**
 * Password hashes in the self-describing PHC string format, with scrypt (no native module):
 *
 *   $scrypt$ln=15,r=8,p=1$<salt, base64>$<hash, base64>
 *
 * `ln` is log2 of scrypt's cost N. Verification is asynchronous (libuv's thread pool), so a
 * guess never blocks the event loop, and comparisons are constant-time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

export const HASH_PREFIX = '$scrypt$'
const DEFAULT_LOG_N = 15
const R = 8
const P = 1
const KEY_LENGTH = 32
const SALT_LENGTH = 16

export interface ScryptHash {
  logN: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/

/** Whether a configured password is meant as a hash (it starts with `$scrypt$`). */
export function looksHashed (password: string): boolean {
  return password.startsWith(HASH_PREFIX)
}

/** Parses a PHC scrypt string; undefined when it is not one we can verify. */
export function parseHash (text: string): ScryptHash | undefined {
  const m = PHC.exec(text)
  if (m === null) return undefined
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const salt = Buffer.from(m[4] as string, 'base64')
  const hash = Buffer.from(m[5] as string, 'base64')
  if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16 || salt.length < 8 || hash.length < 16) return undefined
  return { logN, r, p, salt, hash }
}

function derive (password: string, params: Omit<ScryptHash, 'hash'>, length: number): Promise<Buffer> {
  const N = 2 ** params.logN
  return new Promise((resolve, reject) => {
    // NFC: the same password typed on two keyboards is the same password.
    scrypt(password.normalize('NFC'), params.salt, length, { N, r: params.r, p: params.p, maxmem: 256 * N * params.r }, (error, key) => {
      /* c8 ignore next -- parameters are checked before; scrypt fails only without memory */
      if (error !== null) reject(error)
      else resolve(key)
    })
  })
}

/**
 * Makes a hash to store instead of a password.
 * @example await hashPassword('correct horse') // '$scrypt$ln=15,r=8,p=1$...$...'
 */
export async function hashPassword (password: string, logN = DEFAULT_LOG_N): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  const hash = await derive(password, { logN, r: R, p: P, salt }, KEY_LENGTH)
  const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '')
  return `${HASH_PREFIX}ln=${logN},r=${R},p=${P}$${b64(salt)}$${b64(hash)}`
}

/** Checks a password against a parsed hash, in constant time. */
export async function verifyHash (password: string, stored: ScryptHash): Promise<boolean> {
  const candidate = await derive(password, stored, stored.hash.length)
  return timingSafeEqual(candidate, stored.hash)
}

/** Compares two texts in constant time (digests first, so lengths do not leak either). */
export function sameText (a: string, b: string): boolean {
  const digest = (t: string): Buffer => createHash('sha256').update(t, 'utf8').digest()
  return timingSafeEqual(digest(a), digest(b))
}

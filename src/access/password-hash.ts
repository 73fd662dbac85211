/**
 * Password hashes in the self-describing PHC string format, with scrypt (no native module):
 *
 *   $scrypt$ln=15,r=8,p=1$<salt, base64>$<hash, base64>
 *
 * `ln` is log2 of scrypt's cost N. Hashing runs in threads of the lowest priority
 * (scrypt-threads.ts), so a guess never blocks the event loop nor takes a core from serving, and
 * comparisons are constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ScryptThreads } from './scrypt-threads.js'

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

/** The process's hashing threads, started at the first hash. */
const threads = new ScryptThreads()

function derive (password: string, params: Omit<ScryptHash, 'hash'>, length: number): Promise<Buffer> {
  const N = 2 ** params.logN
  // NFC: the same password typed on two keyboards is the same password.
  return threads.derive({ password: password.normalize('NFC'), salt: params.salt, length, N, r: params.r, p: params.p, maxmem: 256 * N * params.r })
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

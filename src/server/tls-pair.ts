/**
 * Reads the TLS certificate and key named in the config and checks them the way a user needs:
 * each failure names the file and says how to fix it, before anything listens. The key is
 * decrypted here, so the servers get a plain key in memory and the passphrase is used once.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import type { Config } from '../config/config.js'
import {
  TVS_ERR_TLS_BAD_CERT, TVS_ERR_TLS_BAD_KEY, TVS_ERR_TLS_EXPIRED, TVS_ERR_TLS_FOLDER, TVS_ERR_TLS_KEY_MISMATCH,
  TVS_ERR_TLS_MISSING, TVS_ERR_TLS_PASSPHRASE_MISSING, TVS_ERR_TLS_PASSPHRASE_WRONG,
  TVS_ERR_TLS_REJECTED, TVS_ERR_TLS_UNREADABLE
} from '../errors.js'
import { commandLine } from '../invocation.js'

/** Certificates expiring within this many days get a warning at start-up and on reload. */
export const EXPIRY_WARNING_DAYS = 14

/** The oldest protocol offered: TLS 1.0 and 1.1 are deprecated (RFC 8996). */
export const MIN_TLS_VERSION = 'TLSv1.2'

export interface TlsPair {
  /** The certificate file as read (the certificate, then any intermediates). */
  readonly cert: Buffer
  /** The private key, decrypted, in PKCS#8 PEM; it never goes back to disk. */
  readonly key: string
  readonly certificate: X509Certificate
  readonly validFrom: Date
  readonly validTo: Date
}

/** What the key pair is read from (HSTS is about answers, not the pair). */
export type SslConfig = Omit<Config['ssl'], 'hstsMaxAgeSeconds'>

const PEM_CERT = '-----BEGIN CERTIFICATE-----'
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/

/** `2026-12-01 09:30 UTC`: unambiguous wherever the reader is. */
export function formatDate (date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** Missing, as opposed to present but unreadable (a folder on the way it may not enter). */
function isMissing (file: string): boolean {
  try {
    statSync(file)
    return false
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' || code === 'ENOTDIR'
  }
}

const SETTING = {
  certificate: { key: 'ssl.certPath', flag: '--certPath' },
  key: { key: 'ssl.keyPath', flag: '--keyPath' }
} as const

function isFolder (file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false // reading it says what is wrong
  }
}

function read (what: 'certificate' | 'key', file: string, user: string): Buffer {
  // A folder is a wrong path, not a permission problem: say which files it holds (issue 11).
  if (isFolder(file)) {
    const pem = readdirSync(file).filter((name) => /\.(pem|crt|cer|key)$/i.test(name)).sort()
    throw new TVS_ERR_TLS_FOLDER(what, file, SETTING[what].key, SETTING[what].flag, pem.length === 0 ? '' : `; it holds ${pem.join(', ')}`)
  }
  try {
    return readFileSync(file)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    /* c8 ignore next -- root reads every file: test/integration/tls.test.ts runs this case as another user, whose run records no coverage */
    const reason = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message
    throw new TVS_ERR_TLS_UNREADABLE(what, file, user, reason, { cause: error })
  }
}

function parseCertificate (file: string, cert: Buffer): X509Certificate {
  const text = cert.toString('latin1')
  if (!text.includes(PEM_CERT)) {
    const hint = PEM_PRIVATE_KEY.test(text) ? ' (it holds a private key: are the certificate and key paths swapped?)' : ''
    throw new TVS_ERR_TLS_BAD_CERT(file, hint)
  }
  try {
    return new X509Certificate(cert)
  } catch (error) {
    throw new TVS_ERR_TLS_BAD_CERT(file, ` (${(error as Error).message})`, { cause: error })
  }
}

function parseKey (file: string, key: Buffer, passphrase: string): KeyObject {
  const text = key.toString('latin1')
  if (!PEM_PRIVATE_KEY.test(text)) {
    const hint = text.includes(PEM_CERT) ? ' (it holds a certificate: are the certificate and key paths swapped?)' : ''
    throw new TVS_ERR_TLS_BAD_KEY(file, hint)
  }
  // Without a passphrase OpenSSL would try to prompt for one; say what is missing instead.
  if (passphrase === '' && ENCRYPTED_KEY.test(text)) throw new TVS_ERR_TLS_PASSPHRASE_MISSING(file)
  try {
    return createPrivateKey({ key, format: 'pem', passphrase })
  } catch (error) {
    // A wrong passphrase decrypts to garbage. The padding check catches that almost always
    // (bad decrypt), but about one time in 256 the padding looks right and the garbage
    // then fails to decode (unsupported): for an encrypted key, both mean the passphrase.
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_OSSL_BAD_DECRYPT' || (code === 'ERR_OSSL_UNSUPPORTED' && ENCRYPTED_KEY.test(text))) {
      throw new TVS_ERR_TLS_PASSPHRASE_WRONG(file, { cause: error })
    }
    throw new TVS_ERR_TLS_BAD_KEY(file, ` (${(error as Error).message})`, { cause: error })
  }
}

/**
 * Reads and checks the pair; throws a catalogued TVS_ERR_TLS_* error naming the file.
 * `user` is who the server runs as, named when a file cannot be read.
 * @example const pair = readTlsPair(config.ssl, 'tavern (uid 1000)', config.configPath)
 */
export function readTlsPair (ssl: SslConfig, user: string, configPath: string, now = new Date()): TlsPair {
  const missing = [
    ...(isMissing(ssl.certPath) ? [`the certificate file ${ssl.certPath}`] : []),
    ...(isMissing(ssl.keyPath) ? [`the key file ${ssl.keyPath}`] : [])
  ]
  if (missing.length > 0) throw new TVS_ERR_TLS_MISSING(`${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not exist`, commandLine('cert'), configPath)
  const cert = read('certificate', ssl.certPath, user)
  const keyFile = read('key', ssl.keyPath, user)
  const certificate = parseCertificate(ssl.certPath, cert)
  const keyObject = parseKey(ssl.keyPath, keyFile, ssl.keyPassphrase)
  if (!certificate.checkPrivateKey(keyObject)) throw new TVS_ERR_TLS_KEY_MISMATCH(ssl.keyPath, ssl.certPath, commandLine('cert --force'))
  const validTo = new Date(certificate.validTo)
  if (validTo.getTime() <= now.getTime()) throw new TVS_ERR_TLS_EXPIRED(ssl.certPath, formatDate(validTo), commandLine('cert --force'))
  const key = keyObject.export({ type: 'pkcs8', format: 'pem' }) as string
  try {
    // What the servers will do with the pair, done once here so that a refusal (a key too weak
    // for OpenSSL's security level) is reported now, naming the files.
    createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION })
  } catch (error) {
    throw new TVS_ERR_TLS_REJECTED(ssl.certPath, ssl.keyPath, (error as Error).message, commandLine('cert --force'), { cause: error })
  }
  return {
    cert,
    key,
    certificate,
    validFrom: new Date(certificate.validFrom),
    validTo
  }
}

/** Warnings about a pair that works but will not for long, or not yet: expiry soon, a clock behind. */
export function pairWarnings (pair: TlsPair, file: string, now = new Date()): string[] {
  const warnings: string[] = []
  const days = (pair.validTo.getTime() - now.getTime()) / 86_400_000
  if (days <= EXPIRY_WARNING_DAYS) {
    const left = days < 1 ? 'in less than a day' : `in ${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'}`
    warnings.push(`Warning: the TLS certificate ${file} expires on ${formatDate(pair.validTo)}, ${left}. Renew it (a self-signed one: ${commandLine('cert --force')}); the running server picks up the new files without a restart.`)
  }
  if (pair.validFrom.getTime() > now.getTime()) {
    warnings.push(`Warning: the TLS certificate ${file} is not valid before ${formatDate(pair.validFrom)}; browsers refuse it until then. Check this computer's clock.`)
  }
  return warnings
}

/** One line for the console: where the certificate is, until when, and its fingerprint. */
export function describePair (pair: TlsPair, file: string): string {
  return `${file}: valid until ${formatDate(pair.validTo)}, SHA-256 fingerprint ${pair.certificate.fingerprint256}`
}

/**
 * A test certificate authority and the certificates it issues, made in-process: a fresh CA per
 * test, leaf certificates with chosen names, validity and serial number, encrypted keys. Clients
 * in tests trust only this CA, so every handshake verifies the chain.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
const DAY = 86_400_000

export interface Ca {
  /** PEM, for a client's `ca` option. */
  readonly cert: string
  readonly keys: webcrypto.CryptoKeyPair
  readonly certificate: x509.X509Certificate
}

export interface Leaf {
  readonly cert: string
  /** Unencrypted PKCS#8 PEM. */
  readonly key: string
  /** As node:crypto's X509Certificate.serialNumber spells it. */
  readonly serial: string
}

export interface LeafOptions {
  names?: readonly string[]
  notBefore?: Date
  notAfter?: Date
  /** RSA with this many bits instead of ECDSA P-256. */
  rsaBits?: number
}

async function pkcs8 (key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key))
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string
}

function serial (): string {
  const bytes = randomBytes(12)
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x10
  return bytes.toString('hex')
}

/** A root CA, or an intermediate one signed by `parent`. */
export async function makeCa (parent?: Ca): Promise<Ca> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair
  const name = parent === undefined ? 'CN=tavern-server test CA' : 'CN=tavern-server test intermediate CA'
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: name,
    issuer: parent?.certificate.subject ?? name,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: (parent?.keys ?? keys).privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  return { cert: `${certificate.toString('pem')}\n`, keys, certificate }
}

/** A server certificate signed by `ca`, for localhost, 127.0.0.1 and ::1 unless told otherwise. */
export async function issue (ca: Ca, options: LeafOptions = {}): Promise<Leaf> {
  const algorithm = options.rsaBits === undefined
    ? EC
    : { name: 'RSASSA-PKCS1-v1_5', modulusLength: options.rsaBits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair
  const names = options.names ?? ['localhost', '127.0.0.1', '::1']
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=localhost',
    issuer: ca.certificate.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIP(value) === 0 ? 'dns' as const : 'ip' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate)
    ]
  })
  const cert = certificate.toString('pem')
  return { cert: `${cert}\n`, key: await pkcs8(keys.privateKey), serial: new X509Certificate(cert).serialNumber }
}

/** The key encrypted with a passphrase: PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`) or OpenSSL's older `Proc-Type` form. */
export function encryptKey (pem: string, passphrase: string, form: 'pkcs8' | 'traditional' = 'pkcs8'): string {
  const key = createPrivateKey(pem)
  return key.export({ type: form === 'pkcs8' ? 'pkcs8' : 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string
}

export const days = (n: number): Date => new Date(Date.now() + n * DAY)

/**
 * A self-signed certificate for this computer's names and addresses, so a phone on the same
 * network can use HTTPS without a certificate authority: the user compares the fingerprint once.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

/**
 * Apple platforms refuse server certificates valid for more than 825 days, even self-signed ones
 * a user trusts by hand (support.apple.com/HT210176).
 */
export const VALIDITY_DAYS = 825

export interface SelfSigned {
  /** PEM certificate. */
  readonly cert: string
  /** PEM private key (PKCS#8), encrypted with the passphrase when one is given. */
  readonly key: string
  readonly certificate: X509Certificate
}

export interface SelfSignedOptions {
  /** The subject's common name, shown by browsers; this computer's name. */
  commonName: string
  /** Host names and IP addresses the certificate is valid for. */
  names: readonly string[]
  /** Encrypts the key with this passphrase (AES-256) when not empty. */
  passphrase: string
}

// ECDSA P-256: small and fast, and accepted by every browser that speaks TLS 1.2.
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }

/** A positive serial number of 16 random bytes (RFC 5280 section 4.1.2.2). */
function serialNumber (): string {
  const bytes = randomBytes(16)
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40
  return bytes.toString('hex')
}

/**
 * @example const { cert, key } = await makeSelfSigned({ commonName: 'pc', names: ['pc', '127.0.0.1'], passphrase: '' })
 */
export async function makeSelfSigned (options: SelfSignedOptions): Promise<SelfSigned> {
  const notBefore = new Date(Date.now() - 3_600_000) // allow for clocks a little behind
  const notAfter = new Date(notBefore.getTime() + VALIDITY_DAYS * 86_400_000)
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair
  const generated = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [options.commonName] }, { O: ['tavern-server'] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      // A server certificate, not an authority: Firefox refuses an authority's certificate used
      // by a server (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY).
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      // Browsers match only the subject alternative names, never the common name.
      new x509.SubjectAlternativeNameExtension(options.names.map((name) => (
        isIP(name) === 0 ? { type: 'dns' as const, value: name } : { type: 'ip' as const, value: name }
      ))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  const cert = generated.toString('pem')
  const privateKey = createPrivateKey({
    key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    format: 'der',
    type: 'pkcs8'
  })
  const passphrase = options.passphrase
  const key = privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    ...(passphrase === '' ? {} : { cipher: 'aes-256-cbc', passphrase })
  }) as string
  return { cert: `${cert}\n`, key, certificate: new X509Certificate(cert) }
}

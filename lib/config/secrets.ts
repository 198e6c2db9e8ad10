/** AES-256-GCM for stored credentials; the key comes from SIGNALWATCH_SECRET or the data dir. */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { env } from './env';
import { persistentSecret } from './datadir';

let cachedKey: Buffer | undefined;

function masterKey(): Buffer {
  if (cachedKey) return cachedKey;
  const { SIGNALWATCH_SECRET, SIGNALWATCH_DATA_DIR } = env();
  const material = SIGNALWATCH_SECRET ?? persistentSecret(SIGNALWATCH_DATA_DIR, 'secret.key');
  cachedKey = createHash('sha256').update(`signalwatch:v1:${material}`).digest();
  return cachedKey;
}

export function resetSecretKeyCache(): void {
  cachedKey = undefined;
}

/** "v1.<iv>.<tag>.<ciphertext>", base64url parts. */
export function encryptSecret(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey(), iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function decryptSecret(sealed: string): string {
  const [version, iv, tag, ct] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unrecognised secret format');
  const decipher = createDecipheriv('aes-256-gcm', masterKey(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('cannot decrypt a stored secret: SIGNALWATCH_SECRET differs from the one it was stored with');
  }
}

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

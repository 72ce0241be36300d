// Verifies ApiTokens against a mounted apitoken-trust directory with jose (npm) and node:zlib.
//
// Library: const v = await Verifier.open(trustDir, issuer, audience); await v.verify(token)
// CLI:     node apitoken-verify.mjs TRUST_DIR ISSUER AUDIENCE < tokens   (one JSON verdict per line)
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { base64url, decodeProtectedHeader, errors, importJWK, jwtVerify } from 'jose';

const SHARD_SIZE = 2 ** 21; // status-list.jwt, then status-list-1.jwt ... status-list-15.jwt
const LIST_FILES = ['status-list.jwt', ...Array.from({ length: 15 }, (_, i) => `status-list-${i + 1}.jwt`)];
const MAX_TOKEN_LENGTH = 8 * 1024;
const MAX_LIST_BYTES = 64 * 1024 * 1024; // caps what a small zlib stream may inflate to

/** A trust file is missing or wrong: the whole reload fails and the previous trust stays. */
class TrustError extends Error {}

/** jwks.json -> Map(kid -> public key); only Ed25519 keys, and the key decides the algorithm. */
async function readKeys(text) {
  const keys = new Map();
  for (const jwk of JSON.parse(text).keys) {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || (jwk.alg ?? 'EdDSA') !== 'EdDSA') {
      throw new TrustError(`jwks.json: key ${jwk.kid} is not an Ed25519 (EdDSA) key`);
    }
    keys.set(jwk.kid, await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'EdDSA'));
  }
  return keys;
}

/** Verifies one Status List Token and decodes the part of its bits that belongs to its shard. */
async function readStatusList(text, shard, keys) {
  try {
    const header = decodeProtectedHeader(text);
    if (!keys.has(header.kid)) throw new TrustError('signed by a key that is not in jwks.json');
    const { payload } = await jwtVerify(text, keys.get(header.kid), {
      algorithms: ['EdDSA'], typ: 'statuslist+jwt', requiredClaims: ['sub', 'iat', 'exp'],
      currentDate: new Date(0), // staleness is checked per token, without leeway
    });
    const { bits, lst } = payload.status_list;
    if (![1, 2, 4, 8].includes(bits) || !Number.isInteger(payload.iat) || payload.exp <= payload.iat) {
      throw new TrustError('bad bits, iat or exp');
    }
    const ver = payload.ver ?? 0; // the publication version: only grows, whatever the clocks say
    if (!Number.isSafeInteger(ver) || ver < 0) throw new TrustError('bad ver');
    const compressed = base64url.decode(lst);
    const { buffer, engine } = inflateSync(compressed, { info: true, maxOutputLength: MAX_LIST_BYTES });
    if (engine.bytesWritten !== compressed.length) throw new TrustError('bytes after the zlib stream');
    const first = shard * SHARD_SIZE; // each shard file is indexed by the global idx; keep its own part
    return {
      uri: payload.sub, ver, iat: payload.iat, exp: payload.exp, bits, first,
      end: Math.min(Math.floor((buffer.length * 8) / bits), first + SHARD_SIZE),
      bytes: buffer.subarray((first * bits) / 8, ((first + SHARD_SIZE) * bits) / 8),
    };
  } catch (e) {
    throw new TrustError(`${LIST_FILES[shard]}: ${e.message}`);
  }
}

/** Every index of a decoded list whose status is not VALID. */
function* revokedIndices(held) {
  const mask = (1 << held.bits) - 1;
  for (const [at, byte] of held.bytes.entries()) {
    if (!byte) continue;
    for (let k = 0; k < 8 / held.bits; k++) {
      const idx = held.first + (at * 8) / held.bits + k;
      if ((byte >> (k * held.bits)) & mask && idx < held.end) yield idx;
    }
  }
}

/** The higher of two lists by (ver, iat); a on a tie. */
function higher(a, b) {
  return b.ver > a.ver || (b.ver === a.ver && b.iat > a.iat) ? b : a;
}

function readIfPresent(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

/** Holds the trust of one directory and rereads it when the kubelet swaps its files. */
export class Verifier {
  constructor(trustDir, issuer, audience, { leeway = 30, maxListAge = null, recheckEveryMs = 1000 } = {}) {
    Object.assign(this, { trustDir, issuer, audience, leeway, maxListAge, recheckEveryMs });
    this.keys = new Map(); // nothing trusted until the first load succeeds
    this.lists = new Map();
    this.revoked = new Map(); // uri -> every index ever seen revoked in an accepted list: never shrinks
    this.fingerprint = null;
    this.checkedAt = -Infinity;
    this.lastError = 'not loaded yet';
  }

  static async open(trustDir, issuer, audience, options) {
    const verifier = new Verifier(trustDir, issuer, audience, options);
    await verifier.reloadIfChanged(true);
    return verifier;
  }

  /** Cheap identity of the directory's version: the ..data link and each file's stat. */
  currentFingerprint() {
    const parts = [];
    try {
      parts.push(readlinkSync(join(this.trustDir, '..data')));
    } catch {
      parts.push('-');
    }
    for (const name of ['jwks.json', ...LIST_FILES]) {
      try {
        const s = statSync(join(this.trustDir, name), { bigint: true });
        parts.push(`${name}:${s.ino}:${s.size}:${s.mtimeNs}`);
      } catch {
        // absent
      }
    }
    return parts.join('|');
  }

  /** Rereads the directory when it changed; a failed reload keeps the previous trust. */
  async reloadIfChanged(force = false) {
    const now = performance.now();
    if (!force && now - this.checkedAt < this.recheckEveryMs) return;
    this.checkedAt = now;
    let seen = this.currentFingerprint();
    if (seen === this.fingerprint) return;
    try {
      let texts = null;
      for (let attempt = 0; attempt < 3 && texts === null; attempt++) {
        // The kubelet may swap the files while we read them.
        const read = Object.fromEntries(
          ['jwks.json', ...LIST_FILES].map((name) => [name, readIfPresent(join(this.trustDir, name))]));
        const after = this.currentFingerprint();
        if (after === seen) texts = read;
        else seen = after;
      }
      if (texts === null) throw new TrustError('the directory kept changing while it was read');
      if (texts['jwks.json'] === null) throw new TrustError('jwks.json is missing');
      const keys = await readKeys(texts['jwks.json']);
      const lists = new Map();
      const revoked = [];
      for (const [shard, name] of LIST_FILES.entries()) {
        if (texts[name] === null) continue;
        const held = await readStatusList(texts[name].trim(), shard, keys);
        if (lists.has(held.uri)) throw new TrustError(`${name}: another file has the same sub`);
        if (held.iat > Date.now() / 1000 + this.leeway) {
          throw new TrustError(`${name}: iat is in the future beyond the leeway`);
        }
        if (!this.stale(held)) revoked.push(held);
        // Per URI the fresh list with the highest ver, never the newest iat alone (the writers'
        // clocks may disagree): a directory rolled back to a lower ver keeps the higher; a stale
        // list gives way to a fresh one (an operator restored from a backup starts at lower
        // versions). Equal ver and iat: the file.
        const fresh = [held, this.lists.get(held.uri)].filter((h) => h && !this.stale(h));
        lists.set(held.uri, fresh.length ? fresh.reduce(higher) : held);
      }
      for (const held of revoked) {
        // A revocation, once seen, is final.
        if (!this.revoked.has(held.uri)) this.revoked.set(held.uri, new Set());
        for (const idx of revokedIndices(held)) this.revoked.get(held.uri).add(idx);
      }
      Object.assign(this, { keys, lists, lastError: null });
    } catch (e) {
      this.lastError = `keeping the previous trust: ${e.message}`;
      console.error(`apitoken trust reload failed: ${e.message}`);
    }
    this.fingerprint = seen;
  }

  /** For a readiness probe: resolves to true when keys are held and no status list is stale. */
  async ready() {
    await this.reloadIfChanged();
    return this.keys.size > 0 && ![...this.lists.values()].some((held) => this.stale(held));
  }

  stale(held) {
    const now = Date.now() / 1000;
    return now >= held.exp || (this.maxListAge !== null && now - held.iat > this.maxListAge);
  }

  /** Resolves to { valid: true, ...claims } or { valid: false, reason }; never rejects. */
  async verify(token) {
    await this.reloadIfChanged();
    try {
      return await this.check(token);
    } catch {
      return { valid: false, reason: 'MALFORMED' }; // never accept on error, never echo the token
    }
  }

  async check(token) {
    if (token.length > MAX_TOKEN_LENGTH) return { valid: false, reason: 'TOO_LARGE' };
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { valid: false, reason: 'MALFORMED' };
    }
    if (Object.keys(header).some((name) => !['alg', 'kid', 'typ'].includes(name)) || (header.typ ?? 'JWT') !== 'JWT') {
      return { valid: false, reason: 'MALFORMED' }; // a status list is not a token
    }
    const key = this.keys.get(header.kid);
    if (key === undefined) return { valid: false, reason: 'UNKNOWN_KEY' };
    if (header.alg !== 'EdDSA') return { valid: false, reason: 'BAD_SIGNATURE' }; // the key decides
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'], issuer: this.issuer, audience: this.audience, clockTolerance: this.leeway,
        requiredClaims: ['iss', 'sub', 'jti', 'iat', 'nbf', 'exp'],
      }));
    } catch (e) {
      return claimsRejection(e);
    }
    const ids = { jti: claims.jti, sub: claims.sub };
    const { idx, uri } = claims.status?.status_list ?? {};
    if (!Number.isSafeInteger(idx) || idx < 0 || typeof uri !== 'string') {
      return { valid: false, reason: 'STATUS_UNKNOWN', ...ids };
    }
    if (this.revoked.get(uri)?.has(idx)) {
      return { valid: false, reason: 'REVOKED', ...ids }; // whatever a later list says
    }
    const held = this.lists.get(uri); // the list whose sub is exactly the token's uri
    if (held === undefined) return { valid: false, reason: 'STATUS_LIST_MISSING', ...ids };
    if (idx < held.first || idx >= held.end) return { valid: false, reason: 'STATUS_UNKNOWN', ...ids };
    const at = (idx - held.first) * held.bits;
    if ((held.bytes[Math.floor(at / 8)] >> at % 8) & ((1 << held.bits) - 1)) {
      return { valid: false, reason: 'REVOKED', ...ids }; // final, even on a stale list
    }
    if (this.stale(held)) return { valid: false, reason: 'STATUS_STALE', ...ids };
    return {
      valid: true, sub: claims.sub, aud: [claims.aud ?? []].flat(), scope: claims.scope ?? null,
      jti: claims.jti, iat: claims.iat, exp: claims.exp, kid: header.kid, status_idx: idx,
    };
  }
}

function claimsRejection(e) {
  if (e instanceof errors.JWSSignatureVerificationFailed) return { valid: false, reason: 'BAD_SIGNATURE' };
  let reason = 'MALFORMED';
  if (e instanceof errors.JWTExpired) reason = 'EXPIRED';
  else if (e instanceof errors.JWTClaimValidationFailed) {
    reason = { iss: 'WRONG_ISSUER', aud: 'WRONG_AUDIENCE', nbf: 'NOT_YET_VALID' }[e.claim] ?? 'MALFORMED';
    if (e.reason === 'missing' && e.claim !== 'aud') reason = 'MALFORMED';
  }
  // jose checks claims only after the signature, so these ids are the issuer's.
  return e.payload ? { valid: false, reason, jti: e.payload.jti, sub: e.payload.sub } : { valid: false, reason };
}

async function main([trustDir, issuer, audience, ...rest]) {
  if (audience === undefined || rest.length > 0) {
    console.error('usage: node apitoken-verify.mjs TRUST_DIR ISSUER AUDIENCE < tokens');
    return 2;
  }
  const verifier = await Verifier.open(trustDir, issuer, audience, { recheckEveryMs: 0 }); // reread between lines
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    const token = line.trim();
    if (token) process.stdout.write(`${JSON.stringify(await verifier.verify(token))}\n`);
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}

"""Verifies ApiTokens against a mounted apitoken-trust directory with PyJWT.

Library: Verifier(trust_dir, issuer, audience).verify(token) -> verdict dict.
CLI:     python3 apitoken_verify.py TRUST_DIR ISSUER AUDIENCE < tokens   (one JSON verdict per line)
"""
import json
import os
import sys
import time
import zlib
from pathlib import Path

import jwt  # PyJWT 2.x with cryptography (Debian: python3-jwt python3-cryptography)

SHARD_SIZE, SHARDS = 1 << 21, 16  # status-list.jwt, then status-list-1.jwt ... -15.jwt
MAX_TOKEN_LENGTH = 8 * 1024
MAX_LIST_BYTES = 64 * 1024 * 1024  # caps what a small zlib stream may inflate to
LIST_FILES = ["status-list.jwt"] + [f"status-list-{k}.jwt" for k in range(1, SHARDS)]


class TrustError(Exception):
    """A trust file is missing or wrong: the whole reload fails and the previous trust stays."""


def read_keys(text):
    """jwks.json -> {kid: public key}; only Ed25519 keys, and the key decides the algorithm."""
    keys = {}
    for jwk in json.loads(text)["keys"]:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or jwk.get("alg", "EdDSA") != "EdDSA":
            raise TrustError(f"jwks.json: key {jwk.get('kid')!r} is not an Ed25519 (EdDSA) key")
        keys[jwk["kid"]] = jwt.PyJWK(jwk, "EdDSA").key
    return keys


def read_status_list(text, shard, keys):
    """Verifies one Status List Token and decodes the part of its bits that belongs to its shard."""
    try:
        header = jwt.get_unverified_header(text)
        if header.get("typ") != "statuslist+jwt" or header.get("alg") != "EdDSA":
            raise TrustError("not an EdDSA statuslist+jwt")
        if header.get("kid") not in keys:
            raise TrustError("signed by a key that is not in jwks.json")
        claims = jwt.decode(text, keys[header["kid"]], algorithms=["EdDSA"],
                            options={"require": ["sub", "iat", "exp"], "verify_exp": False,
                                     "verify_iat": False, "verify_nbf": False, "verify_aud": False})
        bits, lst = claims["status_list"]["bits"], claims["status_list"]["lst"]
        if bits not in (1, 2, 4, 8) or type(claims["iat"]) is not int or claims["exp"] <= claims["iat"]:
            raise TrustError("bad bits, iat or exp")
        ver = claims.get("ver", 0)  # the publication version: only grows, whatever the clocks say
        if type(ver) is not int or ver < 0:
            raise TrustError("bad ver")
        inflater = zlib.decompressobj()
        data = inflater.decompress(jwt.utils.base64url_decode(lst), MAX_LIST_BYTES)
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
            raise TrustError("lst is not one complete zlib stream of at most 64 MiB")
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, zlib.error) as e:
        raise TrustError(f"{LIST_FILES[shard]}: {e}") from e
    first = shard * SHARD_SIZE  # each shard file is indexed by the global idx; keep its own part
    start, stop = first * bits // 8, (first + SHARD_SIZE) * bits // 8
    return {"uri": claims["sub"], "ver": ver, "iat": claims["iat"], "exp": claims["exp"], "bits": bits,
            "first": first, "end": min(len(data) * 8 // bits, first + SHARD_SIZE),
            "bytes": data[start:stop]}


def revoked_indices(held):
    """Every index of a decoded list whose status is not VALID."""
    bits, mask = held["bits"], (1 << held["bits"]) - 1
    for at, byte in enumerate(held["bytes"]):
        if byte:
            for k in range(8 // bits):
                idx = held["first"] + at * 8 // bits + k
                if (byte >> (k * bits)) & mask and idx < held["end"]:
                    yield idx


class Verifier:
    """Holds the trust of one directory and rereads it when the kubelet swaps its files."""

    def __init__(self, trust_dir, issuer, audience, leeway=30, max_list_age=None, recheck_every=1.0):
        self.dir, self.issuer, self.audience = Path(trust_dir), issuer, audience
        self.leeway, self.max_list_age, self.recheck_every = leeway, max_list_age, recheck_every
        self.keys, self.lists = {}, {}  # nothing trusted until the first load succeeds
        self.revoked = {}  # uri -> every index ever seen revoked in an accepted list: never shrinks
        self.fingerprint, self.checked_at, self.last_error = None, 0.0, "not loaded yet"
        self.reload_if_changed(force=True)

    def _fingerprint(self):
        """Cheap identity of the directory's version: the ..data link and each file's stat."""
        try:
            parts = [os.readlink(self.dir / "..data")]
        except OSError:
            parts = ["-"]
        for name in ["jwks.json"] + LIST_FILES:
            try:
                s = os.stat(self.dir / name)
                parts.append(f"{name}:{s.st_ino}:{s.st_size}:{s.st_mtime_ns}")
            except FileNotFoundError:
                pass
        return "|".join(parts)

    def reload_if_changed(self, force=False):
        """Rereads the directory when it changed; a failed reload keeps the previous trust."""
        now = time.monotonic()
        if not force and now - self.checked_at < self.recheck_every:
            return
        self.checked_at = now
        seen = self._fingerprint()
        if seen == self.fingerprint:
            return
        try:
            for _ in range(3):  # the kubelet may swap the files while we read them
                texts = {}
                for name in ["jwks.json"] + LIST_FILES:
                    try:
                        texts[name] = (self.dir / name).read_text(encoding="utf-8")
                    except FileNotFoundError:
                        texts[name] = None
                if self._fingerprint() == seen:
                    break
                seen = self._fingerprint()
            else:
                raise TrustError("the directory kept changing while it was read")
            if texts["jwks.json"] is None:
                raise TrustError("jwks.json is missing")
            keys = read_keys(texts["jwks.json"])
            lists, revoked = {}, {}
            for shard, name in enumerate(LIST_FILES):
                if texts[name] is not None:
                    held = read_status_list(texts[name].strip(), shard, keys)
                    if held["uri"] in lists:
                        raise TrustError(f"{name}: another file has the same sub")
                    if held["iat"] > time.time() + self.leeway:
                        raise TrustError(f"{name}: iat is in the future beyond the leeway")
                    if not self._stale(held):
                        revoked.setdefault(held["uri"], set()).update(revoked_indices(held))
                    # Per URI the fresh list with the highest ver, never the newest iat alone (the
                    # writers' clocks may disagree): a directory rolled back to a lower ver keeps the
                    # higher; a stale list gives way to a fresh one (an operator restored from a
                    # backup starts at lower versions). Equal ver and iat: the file.
                    fresh = [h for h in (held, self.lists.get(held["uri"])) if h and not self._stale(h)]
                    lists[held["uri"]] = max(fresh, key=lambda h: (h["ver"], h["iat"])) if fresh else held
            for uri, indices in revoked.items():  # a revocation, once seen, is final
                self.revoked.setdefault(uri, set()).update(indices)
            self.keys, self.lists, self.last_error = keys, lists, None
        except (OSError, ValueError, KeyError, TypeError, TrustError, jwt.PyJWTError) as e:
            self.last_error = f"keeping the previous trust: {e}"
            print(f"apitoken trust reload failed: {e}", file=sys.stderr)
        self.fingerprint = seen

    def ready(self):
        """For a readiness probe: keys are held and no status list is stale."""
        self.reload_if_changed()
        return bool(self.keys) and not any(self._stale(held) for held in self.lists.values())

    def _stale(self, held):
        now = time.time()
        return now >= held["exp"] or (self.max_list_age is not None and now - held["iat"] > self.max_list_age)

    def verify(self, token):
        """Returns {"valid": True, claims...} or {"valid": False, "reason": ...}; never raises."""
        self.reload_if_changed()
        try:
            return self._check(token)
        except Exception:  # never accept on error, and never echo the token
            return {"valid": False, "reason": "MALFORMED"}

    def _check(self, token):
        if len(token) > MAX_TOKEN_LENGTH:
            return {"valid": False, "reason": "TOO_LARGE"}
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return {"valid": False, "reason": "MALFORMED"}
        if set(header) - {"alg", "kid", "typ"} or header.get("typ", "JWT") != "JWT":
            return {"valid": False, "reason": "MALFORMED"}  # a status list is not a token
        key = self.keys.get(header.get("kid"))
        if key is None:
            return {"valid": False, "reason": "UNKNOWN_KEY"}
        if header.get("alg") != "EdDSA":  # the key decides the algorithm
            return {"valid": False, "reason": "BAD_SIGNATURE"}
        try:
            claims = jwt.decode(token, key, algorithms=["EdDSA"], issuer=self.issuer,
                                audience=self.audience, leeway=self.leeway,
                                options={"require": ["iss", "sub", "jti", "iat", "nbf", "exp"]})
        except jwt.InvalidSignatureError:
            return {"valid": False, "reason": "BAD_SIGNATURE"}
        except jwt.DecodeError:  # not base64url or not JSON
            return {"valid": False, "reason": "MALFORMED"}
        except jwt.PyJWTError as e:
            return self._claims_rejection(token, key, e)
        ids = {"jti": claims["jti"], "sub": claims["sub"]}
        ref = claims.get("status", {}).get("status_list", {})
        idx, uri = ref.get("idx"), ref.get("uri")
        if type(idx) is not int or idx < 0 or type(uri) is not str:
            return {"valid": False, "reason": "STATUS_UNKNOWN", **ids}
        if idx in self.revoked.get(uri, ()):
            return {"valid": False, "reason": "REVOKED", **ids}  # whatever a later list says
        held = self.lists.get(uri)  # the list whose sub is exactly the token's uri
        if held is None:
            return {"valid": False, "reason": "STATUS_LIST_MISSING", **ids}
        if not held["first"] <= idx < held["end"]:
            return {"valid": False, "reason": "STATUS_UNKNOWN", **ids}
        at = (idx - held["first"]) * held["bits"]
        if (held["bytes"][at // 8] >> (at % 8)) & ((1 << held["bits"]) - 1) != 0:
            return {"valid": False, "reason": "REVOKED", **ids}  # final, even on a stale list
        if self._stale(held):
            return {"valid": False, "reason": "STATUS_STALE", **ids}
        return {"valid": True, "sub": claims["sub"], "aud": claims.get("aud", []),
                "scope": claims.get("scope"), "jti": claims["jti"], "iat": claims["iat"],
                "exp": claims["exp"], "kid": header["kid"], "status_idx": idx}

    @staticmethod
    def _claims_rejection(token, key, error):
        reason = {jwt.InvalidIssuerError: "WRONG_ISSUER", jwt.InvalidAudienceError: "WRONG_AUDIENCE",
                  jwt.ExpiredSignatureError: "EXPIRED", jwt.ImmatureSignatureError: "NOT_YET_VALID"}
        if isinstance(error, jwt.MissingRequiredClaimError) and error.claim == "aud":
            found = "WRONG_AUDIENCE"
        else:
            found = next((r for t, r in reason.items() if isinstance(error, t)), "MALFORMED")
        # The signature verified (PyJWT checks it before any claim), so these ids are the issuer's.
        claims = jwt.decode(token, key, algorithms=["EdDSA"],
                            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                     "verify_aud": False, "verify_iss": False})
        return {"valid": False, "reason": found, "jti": claims.get("jti"), "sub": claims.get("sub")}


def main(argv):
    if len(argv) != 4:
        print("usage: apitoken_verify.py TRUST_DIR ISSUER AUDIENCE < tokens", file=sys.stderr)
        return 2
    verifier = Verifier(argv[1], argv[2], argv[3], recheck_every=0)  # reread between lines
    for line in sys.stdin:
        token = line.strip()
        if token:
            print(json.dumps(verifier.verify(token)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

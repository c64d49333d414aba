#!/usr/bin/env python3
"""Generate spec/vectors/transcripts.json from the text of spec/ alone.

A second implementation, deliberately *not* the Rust code: Keccak-f[1600],
the STROBE-128 subset merlin uses and merlin's framing straight from the
pseudocode of spec/crypto.md §3.3; ristretto255 from RFC 9496 §4.3; the
Schnorr signature of spec/crypto.md §5.2; the election's transcripts from
spec/record.md §5.2, §6.2 and §7.2; the ceremony's checks from
spec/trustees.md. Only the standard library (hashlib for SHA-256/SHA-512).

It writes:
  - `merlin`: a sequence of transcript operations with every output,
    chosen to exercise begin_op across the rate boundary, run_F padding,
    long absorbs and squeezes, and the `more` flag (meta-AD of a length);
  - `contest_context`, `tally_context`: challenges on the record-level
    contexts, with the order and kind (message or u64) of every append;
  - `signed_actions`: the five signed actions of spec/record.md §6.2 as
    entries (tag, body, signature) signed here with insecure test keys;
  - `audit`: an audited-ballot entry (spec/record.md §5.5, §6.1 tag 6)
    whose openings open, its H_c, H_b and tracking code (H5), and an
    audit request (A3) over the code;
  - `dkg_crosscheck`: spec/vectors/dkg.json re-checked and its derived
    values recomputed (signatures, commitment hashes, K, X_j, the
    transcript hash, the threshold decryption).

`cargo test -p urna-election --test transcript_vectors` checks that merlin
and the Rust code reproduce and accept every value.

Usage (from the repository root):
    python3 election/scripts/gen_vectors.py > spec/vectors/transcripts.json
"""

import hashlib
import json
import struct
import sys

# ---------------------------------------------------------------- Keccak

RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
       [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
M64 = (1 << 64) - 1


def rol(v, n):
    return ((v << n) | (v >> (64 - n))) & M64 if n else v


def keccak_f1600(state):
    """Keccak-f[1600] on a 200-byte bytearray (lanes little-endian, lane
    (x, y) at byte offset 8·(x + 5y)), in place."""
    a = [[int.from_bytes(state[8 * (x + 5 * y):8 * (x + 5 * y) + 8], "little")
          for y in range(5)] for x in range(5)]
    for rnd in range(24):
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rol(a[x][y], ROT[x][y])
        a = [[b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y]) for y in range(5)]
             for x in range(5)]
        a[0][0] ^= RC[rnd]
    for x in range(5):
        for y in range(5):
            state[8 * (x + 5 * y):8 * (x + 5 * y) + 8] = a[x][y].to_bytes(8, "little")


# ---------------------------------------------------------------- STROBE (spec/crypto.md §3.3)

R = 166
FLAG_I, FLAG_A, FLAG_C, FLAG_T, FLAG_M, FLAG_K = 1, 2, 4, 8, 16, 32


class Strobe128:
    def __init__(self, label):
        self.st = bytearray(200)
        self.st[0:6] = bytes([1, R + 2, 1, 0, 1, 96])
        self.st[6:18] = b"STROBEv1.0.2"
        keccak_f1600(self.st)
        self.pos = 0
        self.pos_begin = 0
        self.cur_flags = 0
        self.meta_ad(label, False)

    def copy(self):
        s = Strobe128.__new__(Strobe128)
        s.st = bytearray(self.st)
        s.pos, s.pos_begin, s.cur_flags = self.pos, self.pos_begin, self.cur_flags
        return s

    def run_f(self):
        self.st[self.pos] ^= self.pos_begin
        self.st[self.pos + 1] ^= 0x04
        self.st[R + 1] ^= 0x80
        keccak_f1600(self.st)
        self.pos = 0
        self.pos_begin = 0

    def absorb(self, data):
        for b in data:
            self.st[self.pos] ^= b
            self.pos += 1
            if self.pos == R:
                self.run_f()

    def overwrite(self, data):
        for b in data:
            self.st[self.pos] = b
            self.pos += 1
            if self.pos == R:
                self.run_f()

    def squeeze(self, n):
        out = bytearray()
        for _ in range(n):
            out.append(self.st[self.pos])
            self.st[self.pos] = 0
            self.pos += 1
            if self.pos == R:
                self.run_f()
        return bytes(out)

    def begin_op(self, flags, more):
        if more:
            assert self.cur_flags == flags
            return
        old_begin = self.pos_begin
        self.pos_begin = self.pos + 1
        self.cur_flags = flags
        self.absorb(bytes([old_begin, flags]))
        if flags & (FLAG_C | FLAG_K) and self.pos != 0:
            self.run_f()

    def meta_ad(self, data, more):
        self.begin_op(FLAG_M | FLAG_A, more)
        self.absorb(data)

    def ad(self, data, more):
        self.begin_op(FLAG_A, more)
        self.absorb(data)

    def prf(self, n, more):
        self.begin_op(FLAG_I | FLAG_A | FLAG_C, more)
        return self.squeeze(n)

    def key(self, data, more):
        self.begin_op(FLAG_A | FLAG_C, more)
        self.overwrite(data)


def le32(n):
    return struct.pack("<I", n)


def le64(n):
    return struct.pack("<Q", n)


class Transcript:
    def __init__(self, label):
        self.s = Strobe128(b"Merlin v1.0")
        self.append_message(b"dom-sep", label)

    def copy(self):
        t = Transcript.__new__(Transcript)
        t.s = self.s.copy()
        return t

    def append_message(self, label, msg):
        self.s.meta_ad(label, False)
        self.s.meta_ad(le32(len(msg)), True)
        self.s.ad(msg, False)

    def append_u64(self, label, v):
        self.append_message(label, le64(v))

    def challenge_bytes(self, label, n):
        self.s.meta_ad(label, False)
        self.s.meta_ad(le32(n), True)
        return self.s.prf(n, False)

    def challenge_scalar(self, label):  # spec/crypto.md §3.2 (T3)
        return int.from_bytes(self.challenge_bytes(label, 64), "little") % L

    # The prover's RNG (spec/crypto.md §3.2 (T4)), with fixed "OS" bytes.
    def rng(self, witnesses, os_bytes):
        s = self.s.copy()
        for label, w in witnesses:
            s.meta_ad(label, False)
            s.meta_ad(le32(len(w)), True)
            s.key(w, False)
        s.meta_ad(b"rng", False)
        s.key(os_bytes, False)
        return s


def rng_fill(s, n):
    s.meta_ad(le32(n), False)
    return s.prf(n, False)


# ---------------------------------------------------------------- ristretto255 (RFC 9496 §4.3)

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752
INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578
assert SQRT_M1 * SQRT_M1 % P == P - 1
assert INVSQRT_A_MINUS_D ** 2 * ((-1 - D) % P) % P == 1


def neg(x):
    return x & 1 == 1


def ct_abs(x):
    return (P - x) % P if neg(x) else x


def sqrt_ratio_m1(u, v):
    r = (u * pow(v, 3, P)) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * r * r % P
    correct = check == u % P
    flipped = check == (-u) % P
    flipped_i = check == (-u * SQRT_M1) % P
    if flipped or flipped_i:
        r = SQRT_M1 * r % P
    return correct or flipped, ct_abs(r)


def decode(b):
    """RFC 9496 §4.3.1; None for a non-canonical encoding."""
    if len(b) != 32:
        return None
    s = int.from_bytes(b, "little")
    if s >= P or neg(s):
        return None
    ss = s * s % P
    u1 = (1 - ss) % P
    u2 = (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x * v % P
    x = ct_abs(2 * s * den_x % P)
    y = u1 * den_y % P
    t = x * y % P
    if not was_square or neg(t) or y == 0:
        return None
    return (x, y, 1, t)


def encode(pt):
    """RFC 9496 §4.3.2."""
    x0, y0, z0, t0 = pt
    u1 = (z0 + y0) * (z0 - y0) % P
    u2 = x0 * y0 % P
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 * u2 % P)
    den1 = invsqrt * u1 % P
    den2 = invsqrt * u2 % P
    z_inv = den1 * den2 * t0 % P
    ix0 = x0 * SQRT_M1 % P
    iy0 = y0 * SQRT_M1 % P
    enchanted = den1 * INVSQRT_A_MINUS_D % P
    if neg(t0 * z_inv % P):
        x, y, den_inv = iy0, ix0, enchanted
    else:
        x, y, den_inv = x0, y0, den2
    if neg(x * z_inv % P):
        y = (-y) % P
    s = ct_abs(den_inv * (z0 - y) % P)
    return s.to_bytes(32, "little")


def add(p1, p2):  # extended coordinates, a = -1 (add-2008-hwcd-3)
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * D * t2 % P
    d = z1 * 2 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


IDENTITY = (0, 1, 1, 0)


def mul(k, pt):
    out = IDENTITY
    for bit in bin(k % L)[2:]:
        out = add(out, out)
        if bit == "1":
            out = add(out, pt)
    return out


def negp(pt):
    x, y, z, t = pt
    return ((-x) % P, y, z, (-t) % P)


BASE = decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))


def pk(secret):
    return encode(mul(secret, BASE))


def scalar(b):
    v = int.from_bytes(b, "little")
    assert v < L, "non-canonical scalar"
    return v


# ---------------------------------------------------------------- Schnorr (spec/crypto.md §5.2)

def sig_challenge(t, x_bytes, msg, t_bytes):
    t.append_message(b"dom-sep", b"urna/v1/schnorr-sig")
    t.append_message(b"X", x_bytes)
    t.append_message(b"msg", msg)
    t.append_message(b"T", t_bytes)
    return t.challenge_scalar(b"c")


def sign(t, secret, msg):
    """Any nonce gives a valid signature; this one is a hash of the key and
    the message (not the Rust prover's (T4) nonce, on purpose)."""
    w = int.from_bytes(hashlib.sha512(b"python nonce" + secret.to_bytes(32, "little") + msg).digest(), "little") % L
    commitment = encode(mul(w, BASE))
    c = sig_challenge(t, pk(secret), msg, commitment)
    return commitment + ((w + c * secret) % L).to_bytes(32, "little")


def verify(t, x_bytes, msg, sig):
    commitment, z = sig[:32], scalar(sig[32:])
    T, X = decode(commitment), decode(x_bytes)
    assert T is not None and X is not None
    c = sig_challenge(t, x_bytes, msg, commitment)
    return encode(mul(z, BASE)) == encode(add(T, mul(c, X)))


# ---------------------------------------------------------------- record-level (spec/record.md)

def h1(label, data):  # spec/record.md §2.3 (H1)
    return hashlib.sha256(struct.pack(">I", len(label)) + label + data).digest()


def test_secret(name):
    """An insecure test key: SHA-512 of a label, reduced mod ℓ."""
    return int.from_bytes(hashlib.sha512(b"urna/v1/test-vectors/" + name).digest(), "little") % L


def action_transcript(role, action, election):  # spec/record.md §6.2
    t = Transcript(b"urna/v1/signed-action")
    t.append_message(b"role", role)
    t.append_message(b"action", action)
    t.append_message(b"election", election)
    return t


# The manifest of spec/record.md §3.5, bytes as given in §13, with the two
# keys replaced by this script's test keys (offsets found by value).
MANIFEST_13 = bytes.fromhex(
    "0000000775726e612f76310000000a626f6172642d3230323500000002000000"
    "0262650000001fd092d18bd0b1d0b0d180d18b20d0bfd180d0b0d19ed0bbd0b5"
    "d0bdd0bdd18f00000002656e0000000e426f61726420656c656374696f6e0000"
    "000000000002656e000000006955b90000000000695ef3800000000300000006"
    "416c6573696118b81d0a6b25c845f26259c0cee912b7e56cad6c129544ee9349"
    "bbe9fc40007a00000006426f6864616ef0aa34b1f50f733ee5d50504b00a5939"
    "1374d03a19b0e9138675c52b7adb566f0000000a43687279737473696e61e085"
    "efbc98dbb24a5e2540cc740af893757eb9f1927889754bc519697af822330000"
    "0002ca3f9db3b7808bdd87faac3639b0da197e9b9daddd37973e2984586a2401"
    "8e2aa6f2456958fa0b3644dc4a438cb00de0279e740e4c38854791ffea56a4af"
    "e34600000000030000000563686169720000000100000002656e000000054368"
    "61697201000000000000000100000000000000010000000200000003616e6100"
    "00000100000002656e00000003416e6100000005626f72697300000001000000"
    "02656e00000005426f726973000000066275646765740000000100000002656e"
    "00000014506172746963697061746f7279206275646765740300000000000000"
    "64000000000000006400000003000000047061726b0000000100000002656e00"
    "0000045061726b000000076c6962726172790000000100000002656e00000007"
    "4c6962726172790000000562696b65730000000100000002656e0000000a4269"
    "6b65206c616e6573000000046d6f6f640000000100000002656e0000000d5261"
    "7465207468652079656172020000000000000005000000010000000479656172"
    "0000000100000002656e00000009546869732079656172")
assert h1(b"urna/v1/manifest", MANIFEST_13).hex() == \
    "93411912f2965d90c2d2f91448d1f7ca2fdeda353612cc7a7cfe853670399182"


def signed_actions():
    org, auth = test_secret(b"organizer"), test_secret(b"credential-authority")
    org_pk, auth_pk = pk(org), pk(auth)
    old_org = bytes.fromhex("ca3f9db3b7808bdd87faac3639b0da197e9b9daddd37973e2984586a24018e2a")
    old_auth = bytes.fromhex("a6f2456958fa0b3644dc4a438cb00de0279e740e4c38854791ffea56a4afe346")
    manifest = MANIFEST_13.replace(old_org, org_pk).replace(old_auth, auth_pk)
    assert len(manifest) == len(MANIFEST_13)
    mhash = h1(b"urna/v1/manifest", manifest)
    # A credential list of two voters, sorted by key (spec/record.md §4.1).
    voters = sorted(pk(test_secret(b"voter-%d" % i)) for i in range(2))
    new_voter = pk(test_secret(b"voter-2"))
    assert new_voter not in voters
    lst = struct.pack(">I", 2) + b"".join(v + struct.pack(">Q", 1) for v in voters)
    lhash = h1(b"urna/v1/credential-list", lst)
    fp = h1(b"urna/v1/election-fingerprint", mhash + pk(test_secret(b"election-key")) + lhash)
    state = bytes([1]) + fp + struct.pack(">Q", 1767225600)
    totals = struct.pack(">I", 2) + struct.pack(">I", 2) + struct.pack(">QQ", 1, 0) \
        + struct.pack(">I", 1) + struct.pack(">Q", 1)
    replace = lhash + voters[0] + new_voter
    out = []
    for name, tag, role, action, election, signed in [
        ("manifest", 1, b"organizer", b"manifest", b"", manifest),
        ("credentials", 3, b"credential-authority", b"credentials", mhash, lst),
        ("replace", 9, b"credential-authority", b"replace", mhash, replace),
        ("state", 4, b"organizer", b"state", b"", state),
        ("result", 8, b"organizer", b"result", fp, totals),
    ]:
        secret = org if role == b"organizer" else auth
        sig = sign(action_transcript(role, action, election), secret, signed)
        assert verify(action_transcript(role, action, election), pk(secret), signed, sig)
        out.append({
            "action": action.decode(), "role": role.decode(), "election": election.hex(),
            "signer": pk(secret).hex(), "signed_bytes": signed.hex(), "signature": sig.hex(),
            "entry": (bytes([tag]) + signed + sig).hex(),
        })
    return {
        "rule": "Transcript::new(\"urna/v1/signed-action\"); append_message(\"role\", role); "
                "append_message(\"action\", action); append_message(\"election\", election); then "
                "spec/crypto.md §5.2 (S2): append_message(\"dom-sep\", \"urna/v1/schnorr-sig\"), "
                "append_message(\"X\", signer), append_message(\"msg\", signed_bytes), "
                "append_message(\"T\", signature[0..32]), c = challenge_bytes(\"c\", 64) mod ℓ. "
                "Keys: SHA-512(\"urna/v1/test-vectors/\" ‖ name) mod ℓ (INSECURE) for names "
                "organizer, credential-authority, voter-0, voter-1, voter-2, election-key",
        "manifest_hash": mhash.hex(), "list_hash": lhash.hex(), "fingerprint": fp.hex(),
        "new_credential": new_voter.hex(),
        "actions": out,
    }


def audit():  # spec/record.md §5.4 (H5), §5.5, §6.1 tag 6, (A3)
    """An audited entry whose openings open under K, its H_c, H_b and
    tracking code, and a voter's audit request over that code. H_b stands
    for the hash of a ballot this script cannot make (it has no range
    proofs): any 32 bytes, as a verifier sees them."""
    k = pk(test_secret(b"election-key"))
    K = decode(k)
    fp = h1(b"urna/v1/test-vectors/fingerprint", b"")
    values = [[1, 0, 1], [4, 0]]
    cts, openings = fp + struct.pack(">I", len(values)), b""
    for c, row in enumerate(values):
        cts += struct.pack(">I", len(row))
        for o, m in enumerate(row):
            r = test_secret(b"audit-nonce-%d-%d" % (c, o))
            cts += encode(mul(r, BASE)) + encode(add(mul(m, BASE), mul(r, K)))
            openings += struct.pack(">Q", m) + r.to_bytes(32, "little")
    seal = h1(b"urna/v1/test-vectors/seal", b"")
    hc = h1(b"urna/v1/ballot-ciphertexts", cts)
    code = h1(b"urna/v1/tracking-code", hc + seal)
    voter = test_secret(b"voter-0")
    sig = sign(Transcript(b"urna/v1/audit-request"), voter, code)
    assert verify(Transcript(b"urna/v1/audit-request"), pk(voter), code, sig)
    return {
        "rule": "entry = 0x06 ‖ cts ‖ ((u64 m ‖ scalar r) × n) × nc ‖ H_b; "
                "cts = fingerprint ‖ BE32(nc) ‖ (BE32(n) ‖ (r·G ‖ m·G + r·K) × n) × nc; "
                "H_c = H(\"urna/v1/ballot-ciphertexts\", cts); "
                "code = H(\"urna/v1/tracking-code\", H_c ‖ H_b); request = Schnorr signature by the "
                "credential on Transcript::new(\"urna/v1/audit-request\") over code. Keys and nonces: "
                "SHA-512(\"urna/v1/test-vectors/\" ‖ name) mod ℓ (INSECURE) for election-key, voter-0, "
                "audit-nonce-<contest>-<option>",
        "election_key": k.hex(), "fingerprint": fp.hex(), "values": values,
        "entry": (bytes([6]) + cts + openings + seal).hex(),
        "ciphertext_hash": hc.hex(), "seal_hash": seal.hex(), "tracking_code": code.hex(),
        "request": {"credential": pk(voter).hex(), "signature": sig.hex()},
    }


def contexts():
    fp = h1(b"urna/v1/test-vectors/fingerprint", b"")
    cred = pk(test_secret(b"voter-0"))
    contest = 1
    base = Transcript(b"urna/v1/ballot")
    base.append_message(b"fingerprint", fp)
    base.append_message(b"credential", cred)
    base.append_u64(b"contest", contest)
    opt = base.copy()
    opt.append_message(b"part", b"option")
    opt.append_u64(b"index", 2)
    tot = base.copy()
    tot.append_message(b"part", b"total")
    tally = Transcript(b"urna/v1/tally")
    tally.append_message(b"fingerprint", fp)
    tally.append_u64(b"contest", 1)
    tally.append_u64(b"option", 2)
    tally.append_u64(b"trustee", 3)
    contest_context = {
        "fingerprint": fp.hex(), "credential": cred.hex(), "contest": contest,
        "steps": [
            "Transcript::new(\"urna/v1/ballot\")",
            "append_message(\"fingerprint\", fingerprint)",
            "append_message(\"credential\", credential)",
            "append_u64(\"contest\", contest)",
        ],
        "challenge_c": encode_scalar(base.copy().challenge_scalar(b"c")),
        "option_2": {
            "steps": ["append_message(\"part\", \"option\")", "append_u64(\"index\", 2)"],
            "challenge_c": encode_scalar(opt.challenge_scalar(b"c")),
        },
        "total": {
            "steps": ["append_message(\"part\", \"total\")"],
            "challenge_c": encode_scalar(tot.challenge_scalar(b"c")),
        },
    }
    tally_context = {
        "fingerprint": fp.hex(), "contest": 1, "option": 2, "trustee": 3,
        "steps": [
            "Transcript::new(\"urna/v1/tally\")",
            "append_message(\"fingerprint\", fingerprint)",
            "append_u64(\"contest\", contest)",
            "append_u64(\"option\", option)",
            "append_u64(\"trustee\", trustee)",
        ],
        "challenge_c": encode_scalar(tally.challenge_scalar(b"c")),
    }
    return contest_context, tally_context


def encode_scalar(v):
    return v.to_bytes(32, "little").hex()


def merlin_vector():
    """Operations chosen to cross the 166-byte rate in every way: a message
    that ends 1 byte before the boundary (so the next begin_op's two bytes
    straddle it), a 400-byte message, a 200-byte squeeze, and the prover
    RNG's KEY operations."""
    ops = []
    t = Transcript(b"urna/v1/test-vectors")
    ops.append({"op": "new", "label": "urna/v1/test-vectors"})

    def msg(label, m):
        t.append_message(label, m)
        ops.append({"op": "append_message", "label": label.decode(), "message": m.hex()})

    def u64(label, v):
        t.append_u64(label, v)
        ops.append({"op": "append_u64", "label": label.decode(), "value": v})

    def chal(label, n):
        out = t.challenge_bytes(label, n)
        ops.append({"op": "challenge_bytes", "label": label.decode(), "length": n, "output": out.hex()})

    msg(b"vector", b"merlin")
    # Find the message length that leaves pos = 165 after the append.
    for n in range(0, 400):
        probe = t.copy()
        probe.append_message(b"x", bytes(n))
        if probe.s.pos == R - 1:
            break
    msg(b"x", bytes(range(256))[:n] if n <= 256 else bytes(n))
    assert t.s.pos == R - 1
    u64(b"straddle", 0x0102030405060708)  # its begin_op crosses the boundary
    msg(b"long", bytes((7 * i) & 0xff for i in range(400)))
    chal(b"c", 64)
    chal(b"long-challenge", 200)
    witness = bytes(range(32))
    os_bytes = bytes([0xa5] * 32)
    s = t.rng([(b"witness", witness)], os_bytes)
    out = rng_fill(s, 64)
    ops.append({"op": "rng", "witnesses": [{"label": "witness", "bytes": witness.hex()}],
                "os_bytes": os_bytes.hex(), "fill_lengths": [64, 200],
                "outputs": [out.hex(), rng_fill(s, 200).hex()]})
    chal(b"after-rng", 32)
    return {
        "rule": "each op on one merlin 3.0 transcript, in order (spec/crypto.md §3.3); "
                "rng = build_rng() on a copy, rekey_with_witness_bytes per witness, finalize "
                "with a generator whose 32 bytes are os_bytes, then fill_bytes per length",
        "message_length_before_straddle": n,
        "ops": ops,
    }


# ---------------------------------------------------------------- the ceremony (spec/trustees.md)

def dkg_context(params, purpose, trustee):  # (T1)
    t = Transcript(b"urna/v1/dkg")
    t.append_message(b"election", params[:32])
    t.append_u64(b"n", params[32])
    t.append_u64(b"k", params[33])
    t.append_message(b"purpose", purpose)
    t.append_u64(b"trustee", trustee)
    return t


def pok_verify(t, x_bytes, proof):  # spec/crypto.md §5.1 (S1)
    t.append_message(b"dom-sep", b"urna/v1/schnorr-pok")
    t.append_message(b"X", x_bytes)
    t.append_message(b"T", proof[:32])
    c = t.challenge_scalar(b"c")
    return encode(mul(scalar(proof[32:]), BASE)) == encode(add(decode(proof[:32]), mul(c, decode(x_bytes))))


def lagrange0(j, indices):
    num, den = 1, 1
    for m in indices:
        if m != j:
            num = num * m % L
            den = den * (m - j) % L
    return num * pow(den, L - 2, L) % L


def dkg_crosscheck(path="spec/vectors/dkg.json"):
    v = json.load(open(path))
    params = bytes.fromhex(v["params"])
    n, k = params[32], params[33]
    rounds = {r: [bytes.fromhex(m) for m in v["record"]["round%d" % r]] for r in (1, 2, 3, 4)}
    expected_len = {1: lambda m: 322, 4: lambda m: 162,
                    2: lambda m: 106 + 96 * struct.unpack(">I", m[34:38])[0]
                    + 81 * struct.unpack(">I", m[38 + 96 * struct.unpack(">I", m[34:38])[0]:][:4])[0],
                    3: lambda m: 102 + 129 * struct.unpack(">I", m[34:38])[0]}
    signing = {}
    for m in rounds[1]:
        i = m[33]
        signing[i] = m[34:66]
        # (I2) proofs of possession
        for role, key, proof in ((b"signing", m[34:66], m[98:162]), (b"encryption", m[66:98], m[162:226])):
            t = dkg_context(params, b"pop", i)
            t.append_message(b"role", role)
            assert pok_verify(t, key, proof), "pop"
    signatures = 0
    for r, msgs in rounds.items():
        for m in msgs:
            assert m[0] == r and m[1:33] == params[:32]
            assert len(m) == expected_len[r](m), "length"
            i = m[33]
            assert verify(dkg_context(params, b"message", i), signing[i], m[:-64], m[-64:]), "M4"
            signatures += 1
    commitments = {}
    coefficient_proofs = 0
    for m in rounds[2]:
        i = m[33]
        count = struct.unpack(">I", m[34:38])[0]
        items = [m[38 + 96 * l:38 + 96 * (l + 1)] for l in range(count)]
        cs = [it[:32] for it in items]
        commitments[i] = cs
        h = hashlib.sha256(b"urna/v1/dkg/commitment-hash" + params + bytes([i])
                           + struct.pack(">I", count) + b"".join(cs)).digest()
        r1 = [x for x in rounds[1] if x[33] == i][0]
        assert h == r1[226:258], "H1"
        for l, it in enumerate(items):  # (C4)
            t = dkg_context(params, b"coefficient-pok", i)
            for c in cs:
                t.append_message(b"C", c)
            t.append_u64(b"l", l)
            assert pok_verify(t, it[:32], it[32:96]), "C4"
            coefficient_proofs += 1
    qual = sorted(commitments)
    K = IDENTITY
    for i in qual:
        K = add(K, decode(commitments[i][0]))
    xs = {}
    for j in qual:
        X = IDENTITY
        for i in qual:
            for l, c in enumerate(commitments[i]):
                X = add(X, mul(pow(j, l, L), decode(c)))
        xs[j] = encode(X)
    # (H2): each round's messages sorted by sender then bytes.
    hh = b"urna/v1/dkg/transcript" + params
    for r in (1, 2, 3):
        msgs = sorted(rounds[r], key=lambda m: (m[33], m))
        hh += bytes([r]) + struct.pack(">I", len(msgs))
        for m in msgs:
            hh += struct.pack(">I", len(m)) + m
    hh += struct.pack(">I", len(qual)) + b"".join(bytes([j]) + xs[j] for j in qual) + encode(K)
    H = hashlib.sha256(hh).digest()
    for m in rounds[4]:  # (X2)
        assert m[34:66] == H and m[66:98] == encode(K), "X2"
    # (L5): every pair of shares gives M.
    d = v["decryption"]
    ct = bytes.fromhex(d["ciphertext"])
    beta = decode(ct[32:])
    shares = {s["trustee"]: decode(bytes.fromhex(s["share"])[:32]) for s in d["shares"]}
    points = set()
    for a in qual:
        for b in qual:
            if a < b:
                acc = IDENTITY
                for j in (a, b):
                    acc = add(acc, mul(lagrange0(j, (a, b)), shares[j]))
                points.add(encode(add(beta, negp(acc))))
    assert len(points) == 1
    M = points.pop()
    assert M == encode(mul(d["plaintext"], BASE))
    return {
        "source": "spec/vectors/dkg.json, re-checked by this script",
        "signatures_verified": signatures,
        "proofs_of_possession_verified": 2 * len(rounds[1]),
        "coefficient_proofs_verified": coefficient_proofs,
        "qualified": qual,
        "joint_key": encode(K).hex(),
        "verification_keys": [xs[j].hex() for j in qual],
        "transcript_hash": H.hex(),
        "plaintext_point": M.hex(),
    }


def main():
    contest_context, tally_context = contexts()
    out = {
        "spec": "urna/v1",
        "generated_by": "election/scripts/gen_vectors.py: an independent implementation in Python "
                        "(standard library only) of spec/crypto.md §3.3, RFC 9496 §4.3, "
                        "spec/crypto.md §5, spec/record.md §5.2, §5.4, §5.5, §6.2, §7.2 and spec/trustees.md",
        "merlin": merlin_vector(),
        "contest_context": contest_context,
        "tally_context": tally_context,
        "signed_actions": signed_actions(),
        "audit": audit(),
        "dkg_crosscheck": dkg_crosscheck(),
    }
    json.dump(out, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

//! Fixtures: one valid instance of every proof type.

use super::*;

// ---------------------------------------------------------------------------
// Fixtures: one valid instance of every proof type
// ---------------------------------------------------------------------------

/// A valid encoding with the statement it proves.
#[derive(Clone)]
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub stmt: Statement,
}

impl Case {
    /// The byte layout of the encoding.
    pub fn layout(&self) -> Vec<Field> {
        layout(&self.stmt, &self.bytes)
    }
}

/// The election key of the fixtures.
pub fn election_key() -> SecretKey {
    sk_of(0xe1ec_7104)
}

/// A range proof over `[min, max]` for `m`, on the option-0 context.
pub fn range_case(name: &'static str, m: u64, min: u64, max: u64, rng: &mut ChaCha20Rng) -> Case {
    let k = election_key().public_key();
    let ctx = option_context(&base_context(), 0);
    let (ct, r) = k.encrypt(m, rng);
    let p = RangeProof::prove(&mut ctx.clone(), &k, &ct, m, &r, min, max, rng).unwrap();
    Case {
        name,
        bytes: p.to_bytes(),
        stmt: Statement::Range {
            ctx,
            k,
            ct,
            min,
            max,
        },
    }
}

/// A contest encrypting `choices` under `bounds`.
pub fn contest_case(
    name: &'static str,
    bounds: ContestBounds,
    choices: &[u64],
    rng: &mut ChaCha20Rng,
) -> Case {
    let k = election_key().public_key();
    let ctx = base_context();
    let (c, _opening) = EncryptedContest::encrypt(&ctx, &k, &bounds, choices, rng).unwrap();
    Case {
        name,
        bytes: c.to_bytes(),
        stmt: Statement::Contest { ctx, k, bounds },
    }
}

fn build_cases() -> Vec<Case> {
    let mut rng = insecure_deterministic_rng(1);
    let trustee = sk_of(0x7305_7ee1);
    let credential = sk_of(0xc7ed_0001);
    let pok_ctx = trustee_context(b"election-1", 1, 0);
    let pok = SchnorrProof::prove(&mut pok_ctx.clone(), &trustee, &mut rng);
    let sig_ctx = base_context();
    let msg = b"ballot bytes".to_vec();
    let sig = Signature::sign(&mut sig_ctx.clone(), &credential, &msg, &mut rng);
    let (tally_ct, _) = election_key().public_key().encrypt(3, &mut rng);
    let dec_ctx = trustee_context(b"election-1", 1, 0);
    let share =
        DecryptionShare::create(&mut dec_ctx.clone(), &trustee, &tally_ct, &mut rng).unwrap();
    vec![
        Case {
            name: "schnorr pok",
            bytes: pok.to_bytes().to_vec(),
            stmt: Statement::Pok {
                ctx: pok_ctx,
                x: trustee.public_key(),
            },
        },
        Case {
            name: "signature",
            bytes: sig.to_bytes().to_vec(),
            stmt: Statement::Sig {
                ctx: sig_ctx,
                x: credential.public_key(),
                msg,
            },
        },
        Case {
            name: "decryption share",
            bytes: share.to_bytes().to_vec(),
            stmt: Statement::Dec {
                ctx: dec_ctx,
                x: trustee.public_key(),
                ct: tally_ct,
            },
        },
        range_case("disjunctive [0,1]", 1, 0, 1, &mut rng),
        range_case("disjunctive [1,4]", 3, 1, 4, &mut rng),
        range_case("bulletproof [0,255]", 200, 0, 255, &mut rng),
        range_case("bulletproof [3,1000]", 517, 3, 1000, &mut rng),
        contest_case(
            "contest approval 3 options, total [1,2]",
            ContestBounds::new(3, 1, 1, 2).unwrap(),
            &[1, 0, 1],
            &mut rng,
        ),
        contest_case(
            "contest score 1 option [0,20], total [1,20]",
            ContestBounds::new(1, 20, 1, 20).unwrap(),
            &[17],
            &mut rng,
        ),
    ]
}

/// Every fixture (built once per test binary).
pub fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(build_cases)
}

/// The fixture with this name.
pub fn case(name: &str) -> &'static Case {
    cases()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

//! Credential codes (`spec/client.md` §2): the voter's 32-byte credential
//! secret as a typeable code with a checksum, and the credential key
//! derived from it.
//!
//! ```text
//! secret  = 32 random bytes (from the credential authority)
//! data    = Crockford base32 of the secret, most significant bit first:
//!           52 symbols (260 bits, the last 4 bits zero)
//! check   = Σ (i + 1) · data[i]  mod 1021,   i = 0 … 51
//!           as two symbols: check / 32, check mod 32
//! code    = data ‖ check (54 symbols), shown in nine groups of six:
//!           7KQ2M9-XAP3RT-0WBNC4-HE6Y1D-… (62 characters)
//! x       = wide-reduce( SHA-512( BE32(22) ‖ "urna/v1/credential-key" ‖ secret ) )
//! X       = x·G   (the public credential in the list, spec/record.md §4)
//! ```
//!
//! The weighted checksum catches every single mistyped character and
//! every swap of two characters of the data (1021 is prime and larger
//! than every weight and symbol difference); other typos pass with
//! probability about 1/1021, and then the credential is simply not in
//! the election's list.

use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha512};
use thiserror::Error;
use urna_crypto::{PublicKey, Scalar, SecretKey};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::base32;

/// Bytes of a credential secret.
pub const SECRET_LEN: usize = 32;
/// Data symbols of a code.
pub const DATA_SYMBOLS: usize = 52;
/// Symbols of a code, checksum included.
pub const CODE_SYMBOLS: usize = DATA_SYMBOLS + 2;
/// The checksum modulus (prime).
pub const CHECK_MODULUS: u32 = 1021;
/// Characters per group in the displayed form.
pub const GROUP: usize = 6;
/// Label of the key derivation.
pub const KEY_LABEL: &str = "urna/v1/credential-key";

/// Why a typed credential code was rejected. Never contains the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CredentialCodeError {
    /// A character outside the Crockford alphabet (and not a separator).
    #[error("character {position} is not a letter or digit of a credential code")]
    BadCharacter {
        /// 1-based position among the typed characters.
        position: usize,
    },
    /// Too few or too many characters.
    #[error("a credential code has {expected} letters and digits; this one has {found}")]
    WrongLength {
        /// Symbols required.
        expected: usize,
        /// Symbols typed.
        found: usize,
    },
    /// The checksum does not match: a character is wrong or two are swapped.
    #[error("the credential code has a typo (its check characters do not match)")]
    Checksum,
    /// The code decodes to a secret that yields no valid key.
    #[error("the credential code does not encode a usable credential")]
    Unusable,
}

impl CredentialCodeError {
    /// The stable code (`spec/client.md` §7).
    pub fn code(&self) -> &'static str {
        match self {
            CredentialCodeError::BadCharacter { .. } | CredentialCodeError::WrongLength { .. } => {
                "ERR_CREDENTIAL_FORMAT"
            }
            CredentialCodeError::Checksum => "ERR_CREDENTIAL_CHECKSUM",
            CredentialCodeError::Unusable => "ERR_CREDENTIAL_FORMAT",
        }
    }
}

fn checksum(data: &[u8]) -> u32 {
    data.iter()
        .enumerate()
        .map(|(i, &v)| (i as u32 + 1) * u32::from(v))
        .sum::<u32>()
        % CHECK_MODULUS
}

/// A voter's credential: the secret and the key derived from it.
/// Wiped on drop; `Debug` never prints the secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Credential {
    secret: [u8; SECRET_LEN],
    #[zeroize(skip)]
    key: SecretKey,
}

impl core::fmt::Debug for Credential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Credential(public {})",
            hex::encode(self.key.public_key().to_bytes())
        )
    }
}

impl Credential {
    /// A fresh random credential (for the credential authority's tools and tests).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
            rng.fill_bytes(secret.as_mut());
            if let Ok(c) = Self::from_secret(&secret) {
                return c;
            }
        }
    }

    /// The credential of a 32-byte secret.
    pub fn from_secret(secret: &[u8; SECRET_LEN]) -> Result<Self, CredentialCodeError> {
        let mut h = Sha512::new();
        h.update((KEY_LABEL.len() as u32).to_be_bytes());
        h.update(KEY_LABEL.as_bytes());
        h.update(secret);
        let mut wide = Zeroizing::new([0u8; 64]);
        wide.copy_from_slice(&h.finalize());
        let mut x = Scalar::from_bytes_mod_order_wide(&wide);
        let bytes = Zeroizing::new(x.to_bytes());
        x.zeroize();
        let key =
            SecretKey::from_bytes(bytes.as_ref()).map_err(|_| CredentialCodeError::Unusable)?;
        Ok(Credential {
            secret: *secret,
            key,
        })
    }

    /// Parse a typed code: separators (`-`, spaces) and case are ignored,
    /// `O` reads as `0`, `I` and `L` as `1`; then length and checksum are checked.
    pub fn parse(code: &str) -> Result<Self, CredentialCodeError> {
        let mut symbols = Zeroizing::new(Vec::with_capacity(CODE_SYMBOLS));
        for (i, c) in code.trim().chars().enumerate() {
            if base32::is_separator(c) {
                continue;
            }
            let v =
                base32::value(c).ok_or(CredentialCodeError::BadCharacter { position: i + 1 })?;
            symbols.push(v);
        }
        if symbols.len() != CODE_SYMBOLS {
            return Err(CredentialCodeError::WrongLength {
                expected: CODE_SYMBOLS,
                found: symbols.len(),
            });
        }
        let (data, check) = symbols.split_at(DATA_SYMBOLS);
        let typed = u32::from(check[0]) * 32 + u32::from(check[1]);
        if typed != checksum(data) {
            return Err(CredentialCodeError::Checksum);
        }
        let bytes = Zeroizing::new(
            base32::from_symbols(data, SECRET_LEN).ok_or(CredentialCodeError::Checksum)?,
        );
        let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
        secret.copy_from_slice(&bytes);
        Self::from_secret(&secret)
    }

    /// The code to give the voter, in nine groups of six characters.
    /// The caller must protect and wipe it.
    pub fn to_code(&self) -> Zeroizing<String> {
        let mut symbols = Zeroizing::new(base32::to_symbols(&self.secret));
        let c = checksum(&symbols);
        symbols.push((c / 32) as u8);
        symbols.push((c % 32) as u8);
        let plain = Zeroizing::new(base32::encode_symbols(&symbols));
        Zeroizing::new(base32::group(&plain, GROUP))
    }

    /// The public credential `X = x·G`, as listed in the credential list.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    pub(crate) fn signing_key(&self) -> &SecretKey {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn code_round_trip_and_shape() {
        let c = Credential::generate(&mut OsRng);
        let code = c.to_code();
        assert_eq!(code.len(), 54 + 8);
        assert_eq!(code.split('-').count(), 9);
        let back = Credential::parse(&code).unwrap();
        assert_eq!(back.public_key(), c.public_key());
        // Lower case, spaces instead of dashes, O for 0 and l for 1 still read.
        let sloppy = code
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(
            Credential::parse(&sloppy).unwrap().public_key(),
            c.public_key()
        );
    }

    #[test]
    fn every_single_typo_and_swap_is_caught() {
        let c = Credential::from_secret(&[7u8; 32]).unwrap();
        let code: Vec<char> = c.to_code().chars().filter(|&ch| ch != '-').collect();
        for i in 0..code.len() {
            for &a in base32::ALPHABET {
                let a = a as char;
                if a == code[i] {
                    continue;
                }
                let mut typo = code.clone();
                typo[i] = a;
                let s: String = typo.iter().collect();
                let e = Credential::parse(&s).unwrap_err();
                assert!(
                    matches!(e, CredentialCodeError::Checksum),
                    "position {i}: {e:?}"
                );
            }
        }
        for i in 0..DATA_SYMBOLS {
            for j in i + 1..DATA_SYMBOLS {
                if code[i] == code[j] {
                    continue;
                }
                let mut swapped = code.clone();
                swapped.swap(i, j);
                let s: String = swapped.iter().collect();
                assert_eq!(
                    Credential::parse(&s).unwrap_err(),
                    CredentialCodeError::Checksum
                );
            }
        }
    }

    #[test]
    fn malformed_codes_are_named() {
        let c = Credential::from_secret(&[9u8; 32]).unwrap();
        let code = c.to_code();
        let e = Credential::parse(&code[..code.len() - 1]).unwrap_err();
        assert_eq!(e.code(), "ERR_CREDENTIAL_FORMAT");
        assert!(e.to_string().contains("54"));
        let mut bad = code.to_string();
        bad.replace_range(0..1, "U");
        assert_eq!(
            Credential::parse(&bad).unwrap_err(),
            CredentialCodeError::BadCharacter { position: 1 }
        );
        assert_eq!(
            Credential::parse("").unwrap_err().code(),
            "ERR_CREDENTIAL_FORMAT"
        );
        assert!(!format!("{c:?}").contains(code.as_str()));
    }

    #[test]
    fn known_answer() {
        // spec/client.md §2.4: the secret 00 01 02 … 1f (code and x cross-checked
        // with an independent Python implementation of §2).
        let secret: [u8; 32] = core::array::from_fn(|i| i as u8);
        let c = Credential::from_secret(&secret).unwrap();
        assert_eq!(
            c.to_code().as_str(),
            "000G40-R40M30-E20918-5GR38E-1W8124-GK2GAH-C5RR34-D1P70X-3RFG4H"
        );
        // x, little-endian, cross-checked with Python's hashlib (spec/client.md §2.4).
        assert_eq!(
            hex::encode(*c.signing_key().to_bytes()),
            "450087560e6a7acde1838043eaa554a2486469846d03c39f40e6f5b5e6f38305"
        );
    }
}

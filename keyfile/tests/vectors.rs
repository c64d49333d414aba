//! Key files written by the code this crate replaced (`tally trustee`'s
//! and `urna key new`'s own copies, at commit f2a3d1c), with the insecure
//! test KDF parameters and the passphrase below: this crate must keep
//! reading them exactly (spec/trustees.md §16 (KF1)–(KF6), spec/record.md
//! §1.4 (KR1)–(KR3)), and writes the same layout (it reseals them
//! byte-compatibly).
//!
//! `trustee-1.key` (2-of-3 ceremony, election id `07…07`) holds trustee 1's
//! state and key share, `trustee-2.key` trustee 2's state only; the
//! `.state` and `.share` files are their plaintexts. `organizer.key` and
//! `authority.key` are signing keys, their public keys in `*.pub`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use rand_core::OsRng;
use urna_keyfile::signing::{self, KeyHeader, Role};
use urna_keyfile::trustee::{KeyFile, KeyFileHeader};
use urna_keyfile::{Error, KdfParams};

const PASS: &[u8] = b"correct horse battery staple";

fn vector(name: &str) -> PathBuf {
    // The run-time manifest dir: the shared build cache may run a test
    // binary built in another checkout.
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("tests/vectors")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(vector(name)).unwrap()
}

#[test]
fn trustee_key_files_of_the_previous_code_open() {
    for (i, name, share) in [(1u8, "trustee-1", true), (2, "trustee-2", false)] {
        let path = vector(&format!("{name}.key"));
        let bytes = read(&format!("{name}.key"));
        let header = KeyFileHeader::read(&path).unwrap();
        let (params, index) = header.binding.expect("a bound key file");
        assert_eq!(index, i);
        assert_eq!(header.has_key_share, share);
        assert_eq!(header.kdf, KdfParams::INSECURE_TEST);
        assert_eq!(params.election_id(), &[7u8; 32]);
        assert_eq!(header.encode(), bytes[..107]);
        let kf = KeyFile::open(&path, &bytes, PASS).unwrap();
        assert_eq!(
            *kf.trustee().unwrap().to_bytes(),
            read(&format!("{name}.state"))
        );
        assert_eq!(
            kf.key_share().map(|s| s.to_bytes().to_vec()),
            share.then(|| read(&format!("{name}.share")))
        );
        assert!(matches!(
            KeyFile::open(&path, &bytes, b"correct horse battery stapler"),
            Err(Error::WrongPassphrase)
        ));
        // Resealed: the same header but the nonce, the same contents.
        let again = kf.seal(&mut OsRng).unwrap();
        assert_eq!(again.len(), bytes.len());
        assert_eq!(again[..47], bytes[..47]);
        assert_eq!(again[71..107], bytes[71..107]);
        let kf2 = KeyFile::open(&path, &again, PASS).unwrap();
        assert_eq!(
            *kf2.trustee().unwrap().to_bytes(),
            *kf.trustee().unwrap().to_bytes()
        );
    }
}

#[test]
fn signing_key_files_of_the_previous_code_open() {
    for (role, name) in [
        (Role::Organizer, "organizer"),
        (Role::Authority, "authority"),
    ] {
        let path = vector(&format!("{name}.key"));
        assert_eq!(read(&format!("{name}.key")).len(), signing::FILE_LEN);
        let public = std::fs::read_to_string(vector(&format!("{name}.key.pub"))).unwrap();
        let header = KeyHeader::read(&path).unwrap();
        assert_eq!(header.role, role);
        assert_eq!(header.kdf, KdfParams::INSECURE_TEST);
        assert_eq!(
            format!("{}\n", hex::encode(header.public.to_bytes())),
            public
        );
        let sk = signing::open(&path, role, PASS).unwrap();
        assert_eq!(sk.public_key(), header.public);
        assert!(matches!(
            signing::open(&path, role, b"correct horse battery stapler"),
            Err(Error::WrongPassphrase)
        ));
        let other = if role == Role::Organizer {
            Role::Authority
        } else {
            Role::Organizer
        };
        assert!(matches!(
            signing::open(&path, other, PASS),
            Err(Error::WrongRole { .. })
        ));
    }
}

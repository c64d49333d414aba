//! The organizer's and the credential authority's signing-key files
//! (spec/record.md §1.4 (KR1)–(KR4)). The format, the sealing and the
//! passphrase entry are `urna-keyfile`'s ([`urna_keyfile::signing`]),
//! shared with the trustees' key files; here is what `urna` adds: the
//! `--role` argument, the passphrase's environment variable, and public
//! keys given on the command line.

use std::path::Path;

use urna_crypto::PublicKey;
use zeroize::Zeroizing;

pub use urna_keyfile::signing::{
    create, open, write_new, KeyHeader, Role, FILE_LEN, HEADER_LEN, MAGIC, PASSPHRASE_ENV,
};
pub use urna_keyfile::{Error as KeyFileError, KdfParams};

/// Which role a new signing key is for, as `urna key new --role` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Signs the manifest, the opening and closing, and the result.
    Organizer,
    /// Signs the credential list and credential replacements.
    Authority,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Organizer => Role::Organizer,
            RoleArg::Authority => Role::Authority,
        }
    }
}

/// Read a passphrase (`--passphrase-file`, else `URNA_PASSPHRASE`, else a
/// prompt or the first line of standard input).
pub fn passphrase(file: Option<&Path>, new: bool) -> Result<Zeroizing<String>, KeyFileError> {
    use urna_keyfile::passphrase::{read, Purpose};
    read(
        file,
        if new { Purpose::New } else { Purpose::Unlock },
        PASSPHRASE_ENV,
    )
}

/// Load a public key given as a key file, a `.pub` file, or 64 hex digits.
pub fn public_key_arg(arg: &str) -> Result<PublicKey, String> {
    let text = if arg.len() == 64 && arg.bytes().all(|c| c.is_ascii_hexdigit()) {
        arg.to_string()
    } else {
        let path = Path::new(arg);
        let bytes = std::fs::read(path).map_err(|e| format!("{arg}: {e}"))?;
        if bytes.starts_with(MAGIC) {
            return KeyHeader::decode(&bytes)
                .map(|h| h.public)
                .map_err(|e| format!("{arg}: {e}"));
        }
        String::from_utf8(bytes)
            .map_err(|_| format!("{arg}: not a public key file"))?
            .trim()
            .to_string()
    };
    let b = hex::decode(&text).map_err(|_| format!("{arg}: a public key is 64 hex digits"))?;
    PublicKey::from_bytes(&b).map_err(|e| format!("{arg}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn public_keys_from_key_files_pub_files_and_hex() {
        let (bytes, public) = create(
            Role::Organizer,
            b"correct horse",
            KdfParams::INSECURE_TEST,
            &mut OsRng,
        )
        .unwrap();
        let path = std::env::temp_dir().join(format!("urna-keyfile-{}-pk", std::process::id()));
        let mut pub_path = path.clone().into_os_string();
        pub_path.push(".pub");
        let _ = std::fs::remove_file(&path);
        let written = write_new(&path, &bytes, &public).unwrap();
        assert_eq!(written.as_os_str(), pub_path);
        assert_eq!(public_key_arg(written.to_str().unwrap()).unwrap(), public);
        assert_eq!(public_key_arg(path.to_str().unwrap()).unwrap(), public);
        let hex = hex::encode(public.to_bytes());
        assert_eq!(public_key_arg(&hex).unwrap(), public);
        assert!(public_key_arg(&hex[..63]).is_err());
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(&written).unwrap();
    }
}

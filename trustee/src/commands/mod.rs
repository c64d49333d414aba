//! The `urna-trustee` commands. Each prints what it does in plain words
//! and returns a [`TrusteeError`] that says what to do next. The key and
//! the ceremony's rounds are in `ceremony.rs`, the decryption share in
//! `decrypt.rs`; this module holds what they share.

mod ceremony;
mod decrypt;

use std::path::Path;

use urna_crypto::dkg::{CeremonyMessage, CeremonyParams, Roster};
use urna_election::{Entry, Manifest};

use urna_keyfile::files::{self, Mode};
use urna_keyfile::passphrase::{self, Purpose};
use urna_keyfile::trustee::{KeyFile, KeyFileHeader, PASSPHRASE_ENV};
use urna_keyfile::TEST_PARAMS_ENV;

use crate::messages::{self};
use crate::TrusteeError;

pub use ceremony::{check, init, round, CheckArgs, CheckResult, InitArgs, RoundArgs};
pub use decrypt::{decrypt, DecryptArgs};

pub(super) const KEY_EXISTS: &str =
    "It may be a trustee key you still need: if you really want to \
                          replace it, pass --force.";
pub(super) const MESSAGE_EXISTS: &str =
    "Running a round again makes a different message, and posting two \
                              different messages in one round disqualifies you. If the old file \
                              was never posted, pass --force to replace it.";
pub(super) const SHARE_EXISTS: &str = "Pass --force to replace it.";

/// What a round does, for the messages.
pub(super) fn round_title(round: u8) -> &'static str {
    match round {
        1 => "commit",
        2 => "reveal and deal",
        3 => "check shares and complain",
        _ => "certify",
    }
}

/// The suggested file name of trustee `index`'s round-`round` message.
pub fn message_file_name(round: u8, index: u8) -> String {
    format!(
        "round{round}-trustee{index}.{}",
        messages::MESSAGE_EXTENSION
    )
}

/// Read and validate a manifest (JSON), and the ceremony it names: the
/// election id is the manifest hash, `n` the number of trustees, `k` the
/// threshold.
pub fn load_manifest(path: &Path) -> Result<(Manifest, CeremonyParams), TrusteeError> {
    let text = std::fs::read_to_string(path).map_err(|e| TrusteeError::io(path, e))?;
    let bad = |reason: String| TrusteeError::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let manifest = Manifest::from_json(&text)
        .map_err(|e| bad(format!("not a valid election manifest: {e} ({})", e.code())))?;
    let params = tally::ceremony::params(&manifest).map_err(bad)?;
    Ok((manifest, params))
}

/// The manifest's trustee roster: the signing key of each trustee
/// (spec/trustees.md §5.8).
pub fn load_roster(
    path: &Path,
    manifest: &Manifest,
    params: &CeremonyParams,
) -> Result<Roster, TrusteeError> {
    let keys = manifest.trustees.iter().map(|t| t.signing_key.clone());
    Roster::new(params, keys.collect()).map_err(|e| TrusteeError::BadInput {
        path: path.to_path_buf(),
        reason: format!("the manifest's trustee roster: {e}"),
    })
}

pub(super) fn describe_election(manifest: &Manifest, params: &CeremonyParams) {
    let title = manifest
        .title
        .0
        .get(&manifest.default_language)
        .map(String::as_str)
        .unwrap_or("");
    println!(
        "Election \"{}\" ({title}): {} trustees, any {} of them can decrypt.",
        manifest.election_id,
        params.trustees(),
        params.threshold()
    );
    println!(
        "Manifest hash: {} (check it with the organizer)",
        hex::encode(params.election_id())
    );
}

pub(super) fn describe_key(h: &KeyFileHeader) {
    match &h.binding {
        Some((params, index)) => println!(
            "Trustee {} of {} (any {} can decrypt), election {}",
            index,
            params.trustees(),
            params.threshold(),
            hex::encode(params.election_id())
        ),
        None => println!("A trustee key file not yet used in any election."),
    }
}

/// Read the passphrase and unlock the key file.
pub(super) fn unlock(key: &Path, passphrase_file: Option<&Path>) -> Result<KeyFile, TrusteeError> {
    let bytes = std::fs::read(key).map_err(|e| TrusteeError::io(key, e))?;
    // Fail on a file that is not a key file before asking for a passphrase.
    KeyFileHeader::decode(&bytes).map_err(|reason| urna_keyfile::Error::NotAKeyFile {
        path: key.to_path_buf(),
        kind: urna_keyfile::trustee::FORMAT.kind,
        reason,
    })?;
    let pass = passphrase::read(passphrase_file, Purpose::Unlock, PASSPHRASE_ENV)?;
    println!("Unlocking the key file…");
    let kf = KeyFile::open(key, &bytes, pass.as_bytes())?;
    if kf.kdf().is_weak() {
        eprintln!(
            "WARNING: this key file was made with weak test KDF parameters ({TEST_PARAMS_ENV}); \
             it must not be used in a real election."
        );
    }
    Ok(kf)
}

/// The log entry to post for a file a trustee wrote: a decryption share
/// file already is an entry (tag 7); a ceremony message (`*.msg`) is
/// wrapped in a ceremony entry (tag 2, `spec/record.md` §6.1). Anything
/// else is refused before it reaches the board.
pub fn entry_for_file(bytes: &[u8]) -> Result<Vec<u8>, TrusteeError> {
    if bytes.first() == Some(&urna_election::entry::tag::TALLY) {
        if let Ok(e @ Entry::Tally(_)) = Entry::from_bytes(bytes) {
            return Ok(e.to_bytes());
        }
    }
    match CeremonyMessage::from_bytes(bytes) {
        Ok(_) => Ok(Entry::Ceremony(bytes.to_vec()).to_bytes()),
        Err(e) => Err(TrusteeError::ceremony(
            "this file is neither a ceremony message nor a decryption share",
            e,
        )),
    }
}

/// Copy every ceremony message in the election's log on the board into
/// `dir` as `board-<log index>.msg` (existing files are left alone); the
/// number of messages on the board.
pub fn fetch_messages(
    client: &tally::board_client::BoardClient,
    election: &str,
    dir: &std::path::Path,
) -> Result<usize, TrusteeError> {
    let entries = client
        .entries(election)
        .map_err(|e| TrusteeError::Board(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|e| TrusteeError::io(dir, e))?;
    let mut n = 0;
    for (i, bytes) in entries.iter().enumerate() {
        if bytes.first() != Some(&urna_election::entry::tag::CEREMONY) {
            continue;
        }
        let Ok(Entry::Ceremony(msg)) = Entry::from_bytes(bytes) else {
            continue;
        };
        n += 1;
        let path = dir.join(format!("board-{i}.msg"));
        if path.exists() {
            continue;
        }
        files::write_atomic(&path, &msg, Mode::Public, false, "")?;
    }
    Ok(n)
}

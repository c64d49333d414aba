//! The organizer's lifecycle commands against a board (`spec/api.md` §5):
//! create the election, open and close voting, publish the result. Each
//! signs the action with the organizer key (`spec/record.md` §6.2) and the
//! board logs it; nothing is signed on the board's word alone: the
//! fingerprint to open and close is recomputed here from the log (manifest
//! and credential-list signatures, the whole trustee ceremony), and the
//! result to publish from the downloaded record by the verifier.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rand_core::OsRng;
use tally::board_client::BoardClient;
use urna_crypto::{PublicKey, SecretKey};
use urna_election::entry::{sign_manifest, verify_manifest_signature};
use urna_election::record::{Frame, RecordReader};
use urna_election::{ElectionResult, Entry, Hash32, Manifest, Phase, StateChange};
use voter_client::election::{bundle_fingerprint, short_fingerprint, ElectionBundle};

use crate::error::{AdminError, Result};
use crate::keyfile::{self, KeyHeader, Role};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Read a whole text file.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| AdminError::io(path, e))
}

/// Read an election manifest (JSON, as written by `urna election create`).
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    Manifest::from_json(&read_text(path)?).map_err(|e| AdminError::bad_file(path, e))
}

/// Unlock a key file of `role`, asking for its passphrase.
pub fn unlock(key: &Path, role: Role, passphrase_file: Option<&Path>) -> Result<SecretKey> {
    // The role is checked before any passphrase is asked.
    let header = KeyHeader::read(key)?;
    if header.role != role {
        return Err(keyfile::KeyFileError::WrongRole {
            path: key.to_path_buf(),
            found: header.role.name(),
            wanted: role.name(),
        }
        .into());
    }
    let pass = keyfile::passphrase(passphrase_file, false)?;
    Ok(keyfile::open(key, role, pass.as_bytes())?)
}

/// `urna election create`: the manifest from the definition, signed by the
/// organizer key and posted as entry 0 of a new election's log; written to
/// `out` (JSON) for the trustees and the credential authority.
pub fn create(
    client: &BoardClient,
    definition: &Path,
    key: &Path,
    authority: &PublicKey,
    out: &Path,
    passphrase_file: Option<&Path>,
) -> Result<Manifest> {
    let organizer = KeyHeader::read(key)?.public;
    let src = read_text(definition)?;
    let manifest = crate::definition::parse(&src, &organizer, authority)
        .map_err(|e| AdminError::bad_file(definition, e))?;
    if out.exists() {
        return Err(AdminError::NotNow(format!(
            "{} exists; refusing to overwrite it (move it away, or choose another --out)",
            out.display()
        )));
    }
    let sk = unlock(key, Role::Organizer, passphrase_file)?;
    let entry = sign_manifest(manifest.clone(), &sk, &mut OsRng)
        .map_err(|e| AdminError::Election(e.to_string()))?;
    client.post_entry(&manifest.election_id, &entry.to_bytes())?;
    std::fs::write(out, manifest.to_json()).map_err(|e| AdminError::io(out, e))?;
    Ok(manifest)
}

/// What the organizer's tool derives from an election's log on the board,
/// checking every signature and the ceremony itself.
pub struct LogView {
    /// The manifest (its organizer signature verified).
    pub manifest: Manifest,
    /// The election fingerprint, once the ceremony and the list are posted.
    pub fingerprint: Option<Hash32>,
    /// Why there is no fingerprint yet.
    pub missing: Option<String>,
}

/// The manifest of a log's entry 0, its organizer signature checked.
pub fn signed_manifest(entries: &[Vec<u8>], election: &str, source: &str) -> Result<Manifest> {
    match entries.first().map(|b| Entry::from_bytes(b)) {
        Some(Ok(Entry::Manifest {
            manifest,
            signature,
        })) => {
            verify_manifest_signature(&manifest, &signature)
                .map_err(|e| AdminError::Election(format!("the board's manifest: {e}")))?;
            Ok(manifest)
        }
        _ => Err(AdminError::Election(format!(
            "the log of `{election}` on {source} does not start with a manifest"
        ))),
    }
}

/// Read and check the election's log up to its opening.
pub fn log_view(client: &BoardClient, election: &str) -> Result<LogView> {
    let entries = client.entries(election)?;
    let manifest = signed_manifest(&entries, election, client.base())?;
    let (fingerprint, missing) = match ElectionBundle::from_log_entries(&entries, None) {
        Ok(Some(bundle)) => (
            Some(
                bundle_fingerprint(&bundle)
                    .map_err(|e| AdminError::Election(format!("the election setup: {e}")))?,
            ),
            None,
        ),
        Ok(None) => (
            None,
            Some(
                "the credential list is not on the board yet (the credential authority posts it \
                 with `urna credentials upload`, after the trustees' key ceremony)"
                    .to_string(),
            ),
        ),
        Err(e) => (
            None,
            Some(format!(
                "the trustees' key ceremony is not complete or does not verify: {e} \
                 (trustees: `urna-trustee check`)"
            )),
        ),
    };
    Ok(LogView {
        manifest,
        fingerprint,
        missing,
    })
}

fn check_organizer(manifest: &Manifest, sk: &SecretKey, key: &Path) -> Result<()> {
    if sk.public_key() != manifest.organizer_key {
        return Err(AdminError::NotNow(format!(
            "{} is not the organizer key of election `{}` (its manifest names another key)",
            key.display(),
            manifest.election_id
        )));
    }
    Ok(())
}

/// `urna election open` / `close`: sign the state change for the
/// fingerprint recomputed from the log, and post it. The fingerprint.
pub fn change_state(
    client: &BoardClient,
    election: &str,
    phase: Phase,
    key: &Path,
    passphrase_file: Option<&Path>,
) -> Result<Hash32> {
    let view = log_view(client, election)?;
    let Some(fp) = view.fingerprint else {
        return Err(AdminError::NotNow(format!(
            "voting cannot open yet: {}",
            view.missing.unwrap_or_default()
        )));
    };
    let sk = unlock(key, Role::Organizer, passphrase_file)?;
    check_organizer(&view.manifest, &sk, key)?;
    if phase == Phase::Open {
        if let Some(w) = open_warning(&view.manifest, now()) {
            eprintln!("warning: {w}");
        }
    }
    let entry = Entry::State(StateChange::sign(phase, fp, now(), &sk, &mut OsRng));
    client.post_entry(election, &entry.to_bytes())?;
    Ok(fp)
}

/// What an organizer should hear before opening an election whose
/// announced voting period (the manifest's `closes_at`, Unix seconds) has
/// already ended at `now`: the board still opens it (only the organizer's
/// close entry ends voting), but voters and observers read the manifest's
/// dates, so the organizer almost certainly meant other ones.
pub fn open_warning(m: &Manifest, now: u64) -> Option<String> {
    (m.closes_at <= now).then(|| {
        format!(
            "the manifest says voting closes at {} (Unix time), which has passed: voting opens \
             anyway and lasts until you run `urna election close`, but voters see the manifest's \
             dates; if they are wrong, create a new election with the right ones",
            m.closes_at
        )
    })
}

/// `urna election publish`: download the record, verify it, compute the
/// result from the trustees' shares, sign it and post it. The totals.
pub fn publish(
    client: &BoardClient,
    election: &str,
    key: &Path,
    passphrase_file: Option<&Path>,
) -> Result<(Manifest, Vec<Vec<u64>>)> {
    let record = client.record(election)?;
    let report = tally::verify::verify_record(&record[..], None);
    // Every check must pass except the one that waits for the result itself (R12).
    let other: Vec<String> = report
        .failures
        .iter()
        .filter(|f| f.check != urna_election::rules::Check::R12)
        .map(|f| {
            format!(
                "{}{}: {}",
                f.check,
                f.entry.map(|e| format!(" entry {e}")).unwrap_or_default(),
                f.message
            )
        })
        .collect();
    if !other.is_empty() {
        return Err(AdminError::Election(format!(
            "the election record does not verify; nothing was published:\n  {}",
            other.join("\n  ")
        )));
    }
    let input = report.tally_input.as_ref().ok_or_else(|| {
        AdminError::NotNow("voting is not closed yet (`urna election close` first)".into())
    })?;
    let Some(totals) = report.result.clone() else {
        return Err(AdminError::NotNow(format!(
            "not enough trustees have posted their decryption shares yet ({} posted); \
             they run `urna-trustee decrypt` and `urna-trustee post`",
            input.share_trustees.len()
        )));
    };
    // The manifest from the record just verified: no second download.
    let entries = record_entries(&record)?;
    let manifest = signed_manifest(&entries, election, client.base())?;
    let sk = unlock(key, Role::Organizer, passphrase_file)?;
    check_organizer(&manifest, &sk, key)?;
    let entry = Entry::Result(ElectionResult::sign(
        totals.clone(),
        &input.fingerprint,
        &sk,
        &mut OsRng,
    ));
    client.post_entry(election, &entry.to_bytes())?;
    Ok((manifest, totals))
}

/// The entries of a record, in log order (its tree heads and board key
/// dropped).
fn record_entries(record: &[u8]) -> Result<Vec<Vec<u8>>> {
    let bad = |e: urna_election::ElectionError| AdminError::Election(format!("the record: {e}"));
    let mut reader = RecordReader::new(record).map_err(bad)?;
    let mut entries = Vec::new();
    while let Some(frame) = reader.next_frame().map_err(bad)? {
        if let Frame::Entry(bytes) = frame {
            entries.push(bytes);
        }
    }
    Ok(entries)
}

/// The short and full forms of a fingerprint, for announcements.
pub fn fingerprint_forms(fp: &Hash32) -> (String, String) {
    (short_fingerprint(fp), fp.to_hex())
}

#[cfg(test)]
mod tests {
    use super::open_warning;

    #[test]
    fn opening_after_the_announced_close_is_warned_about() {
        let key = || urna_crypto::SecretKey::generate(&mut rand_core::OsRng).public_key();
        let mut m = crate::definition::parse(crate::definition::EXAMPLE, &key(), &key()).unwrap();
        m.closes_at = 2_000;
        assert!(open_warning(&m, 1_999).is_none());
        let w = open_warning(&m, 2_000).unwrap();
        assert!(w.contains("has passed") && w.contains("2000"), "{w}");
    }
}

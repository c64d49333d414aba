//! The credential authority's commands against a board: upload the public
//! credential list, replace a lost credential before voting opens, and
//! register credentials that voters made themselves. Names and contacts
//! never leave the authority's machine: the board gets public keys and
//! weights only (docs/attacks.md C7).

use std::path::Path;

use rand_core::OsRng;
use tally::board_client::BoardClient;
use urna_crypto::PublicKey;
use urna_election::entry::{sign_credentials, verify_credentials_signature};
use urna_election::{CredentialEntry, CredentialList, CredentialReplacement, Entry, Manifest};
use voter_client::credential::Credential;

use crate::credentials::PublicEntry;
use crate::error::{AdminError, Result};
use crate::keyfile::Role;
use crate::organizer::{read_text, signed_manifest, unlock};

/// Read `public-credentials.json` (`[{"public": hex, "weight": n}, …]`).
pub fn read_public_list(path: &Path) -> Result<CredentialList> {
    let rows: Vec<PublicEntry> = serde_json::from_str(&read_text(path)?)
        .map_err(|e| AdminError::bad_file(path, format!("not a public credential list: {e}")))?;
    let mut entries = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let public = hex::decode(&r.public)
            .ok()
            .and_then(|b| PublicKey::from_bytes(&b).ok())
            .ok_or_else(|| {
                AdminError::bad_file(
                    path,
                    format!("entry {i}: `{}` is not a public credential", r.public),
                )
            })?;
        entries.push(CredentialEntry {
            public,
            weight: r.weight,
        });
    }
    CredentialList::new(entries).map_err(|e| AdminError::bad_file(path, e))
}

fn write_public_list(path: &Path, list: &CredentialList) -> Result<()> {
    let rows: Vec<PublicEntry> = list
        .entries()
        .iter()
        .map(|e| PublicEntry {
            public: hex::encode(e.public.to_bytes()),
            weight: e.weight,
        })
        .collect();
    let json =
        serde_json::to_string_pretty(&rows).map_err(|e| AdminError::Election(e.to_string()))?;
    std::fs::write(path, json).map_err(|e| AdminError::io(path, e))
}

/// The credential list as it stands on the board (the list entry with its
/// replacements applied, every signature checked), or `None` before it;
/// first, the board's manifest must be the one the authority holds (one
/// download of the log for both).
pub fn effective_list(client: &BoardClient, manifest: &Manifest) -> Result<Option<CredentialList>> {
    let entries = client.entries(&manifest.election_id)?;
    let theirs = signed_manifest(&entries, &manifest.election_id, client.base())?;
    if theirs.hash() != manifest.hash() {
        return Err(AdminError::Election(format!(
            "the manifest of `{}` on {} is not the one you hold (manifest hash {} there, {} here): \
             do not sign for it, and ask the organizer",
            manifest.election_id,
            client.base(),
            theirs.hash().to_hex(),
            manifest.hash().to_hex()
        )));
    }
    let mut list: Option<CredentialList> = None;
    for bytes in &entries {
        match Entry::from_bytes(bytes) {
            Ok(Entry::Credentials { list: l, signature }) if list.is_none() => {
                verify_credentials_signature(
                    &l,
                    &signature,
                    &manifest.credential_authority_key,
                    &manifest.hash(),
                )
                .map_err(|e| AdminError::Election(format!("the board's credential list: {e}")))?;
                list = Some(l);
            }
            Ok(Entry::Replacement(r)) => {
                if let Some(l) = &list {
                    list = Some(
                        r.apply(l, &manifest.credential_authority_key, &manifest.hash())
                            .map_err(|e| {
                                AdminError::Election(format!("a replacement on the board: {e}"))
                            })?,
                    );
                }
            }
            Ok(Entry::State(_)) => break,
            _ => {}
        }
    }
    Ok(list)
}

/// `urna credentials upload`: sign the public list for this manifest, post
/// it, and check that the board now holds exactly it (docs/attacks.md C2).
pub fn upload(
    client: &BoardClient,
    manifest: &Manifest,
    list: CredentialList,
    key: &Path,
    passphrase_file: Option<&Path>,
) -> Result<usize> {
    if !manifest.weighted && !list.is_unweighted() {
        return Err(AdminError::Election(
            "the election is not weighted, but the list gives weights other than 1".into(),
        ));
    }
    effective_list(client, manifest)?;
    let sk = unlock(key, Role::Authority, passphrase_file)?;
    if sk.public_key() != manifest.credential_authority_key {
        return Err(AdminError::NotNow(format!(
            "{} is not the credential authority key named in the manifest of `{}`",
            key.display(),
            manifest.election_id
        )));
    }
    let n = list.len();
    let hash = list.hash();
    let entry = sign_credentials(list, &manifest.hash(), &sk, &mut OsRng);
    client.post_entry(&manifest.election_id, &entry.to_bytes())?;
    match effective_list(client, manifest)? {
        Some(l) if l.hash() == hash => Ok(n),
        _ => Err(AdminError::Election(
            "the board accepted the list but now shows another one: report this board".into(),
        )),
    }
}

/// The delivery file's columns (`SECRET_delivery.csv`).
const DELIVERY: &str = "SECRET_delivery.csv";

/// `urna credentials replace`: a new credential for the voter whose name or
/// contact is `voter` in the issued folder, revoking the old one on the
/// board (logged, `spec/record.md` §4.3); rewrites the voter's row and
/// sheet and `public-credentials.json`. The voter's row number (1-based).
pub fn replace(
    client: &BoardClient,
    manifest: &Manifest,
    issued: &Path,
    voter: &str,
    key: &Path,
    passphrase_file: Option<&Path>,
) -> Result<(usize, String)> {
    let path = issued.join(DELIVERY);
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| AdminError::bad_file(&path, e))?;
    let mut rows: Vec<csv::StringRecord> = Vec::new();
    for r in rdr.records() {
        rows.push(r.map_err(|e| AdminError::bad_file(&path, e))?);
    }
    let wanted = voter.trim().to_lowercase();
    let hits: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.get(0).map(|s| s.to_lowercase()) == Some(wanted.clone())
                || r.get(1).map(|s| s.to_lowercase()) == Some(wanted.clone())
        })
        .map(|(i, _)| i)
        .collect();
    let i = match hits.as_slice() {
        [i] => *i,
        [] => {
            return Err(AdminError::bad_file(
                &path,
                format!("no voter named `{voter}` (name or contact)"),
            ))
        }
        _ => {
            return Err(AdminError::bad_file(
                &path,
                format!("several voters match `{voter}`: give the contact instead"),
            ))
        }
    };
    let old = Credential::parse(rows[i].get(3).unwrap_or(""))
        .map_err(|e| AdminError::bad_file(&path, format!("row {}: {e}", i + 2)))?;
    let Some(list) = effective_list(client, manifest)? else {
        return Err(AdminError::NotNow(
            "the credential list is not on the board yet: nothing to replace (issue again instead)"
                .into(),
        ));
    };
    if list.weight(&old.public_key()).is_none() {
        return Err(AdminError::NotNow(
            "this voter's credential is not in the list on the board (already replaced?)".into(),
        ));
    }
    let sk = unlock(key, Role::Authority, passphrase_file)?;
    let new = Credential::generate(&mut OsRng);
    let rep = CredentialReplacement::sign(
        &list,
        old.public_key(),
        new.public_key(),
        &manifest.hash(),
        &sk,
        &mut OsRng,
    );
    let new_list = rep
        .apply(&list, &manifest.credential_authority_key, &manifest.hash())
        .map_err(|e| AdminError::NotNow(e.to_string()))?;
    client.post_entry(&manifest.election_id, &Entry::Replacement(rep).to_bytes())?;
    // Only once the board took it: the voter's new material.
    let code = new.to_code();
    let mut row: Vec<String> = rows[i].iter().map(str::to_string).collect();
    row[3] = code.to_string();
    rows[i] = csv::StringRecord::from(row.clone());
    let mut w = csv::Writer::from_path(&path).map_err(|e| AdminError::bad_file(&path, e))?;
    w.write_record(["name", "contact", "language", "credential"])
        .and_then(|_| rows.iter().try_for_each(|r| w.write_record(r)))
        .and_then(|_| w.flush().map_err(csv::Error::from))
        .map_err(|e| AdminError::bad_file(&path, e))?;
    let sheet = issued
        .join("SECRET_sheets")
        .join(format!("{:04}.html", i + 1));
    let html = crate::credentials::sheet_html(manifest, &row[0], &row[2], &code);
    std::fs::write(&sheet, html).map_err(|e| AdminError::io(&sheet, e))?;
    write_public_list(&issued.join("public-credentials.json"), &new_list)?;
    Ok((i + 1, sheet.display().to_string()))
}

/// `urna credentials register`: build the public list from the public
/// credentials voters made themselves on the voting page (column
/// `public_credential`, 64 hex digits), with no secret ever seen by the
/// authority. Writes `public-credentials.json` into `out`.
pub fn register(voters_csv: &Path, manifest: &Manifest, out: &Path) -> Result<usize> {
    let text = read_text(voters_csv)?;
    let voters = crate::credentials::read_voters_with_public(&text)
        .map_err(|e| AdminError::bad_file(voters_csv, e))?;
    if !manifest.weighted && voters.iter().any(|(v, _)| v.weight != 1) {
        return Err(AdminError::bad_file(
            voters_csv,
            "the election is not weighted, but the voter list gives weights other than 1",
        ));
    }
    let list = CredentialList::new(
        voters
            .iter()
            .map(|(v, public)| CredentialEntry {
                public: public.clone(),
                weight: v.weight,
            })
            .collect(),
    )
    .map_err(|e| AdminError::bad_file(voters_csv, e))?;
    std::fs::create_dir_all(out).map_err(|e| AdminError::io(out, e))?;
    write_public_list(&out.join("public-credentials.json"), &list)?;
    Ok(list.len())
}
